import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { invalidPayload, unauthorized } from "@voucherify-webhooks/core/ApiErrors"
import { boomResponse, currentRequestId, errorResponse } from "@voucherify-webhooks/core/ServerErrors"
import { describeIssues, fieldIssues } from "@voucherify-webhooks/core/Validation"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { makeCheck } from "./Auth.js"
import { Controls } from "./Controls.js"
import { Deliveries } from "./Deliveries.js"
import { type SandboxError, toControlApiError } from "./Errors.js"
import type { SandboxCredentials } from "./Options.js"
import { State } from "./State.js"

const json = (status: number, body: unknown) => HttpServerResponse.unsafeJson(body, { status })

/** Control API errors use Voucherify's error object too, so one parser reads both APIs. */
const failure = (e: SandboxError) =>
  Effect.map(FiberRef.get(currentRequestId), (request_id) => errorResponse(toControlApiError(e, request_id)))

export const RateLimitBody = Schema.Struct({
  limit: Schema.Int.pipe(Schema.nonNegative()),
  windowMs: Schema.Int.pipe(Schema.between(1, 86_400_000))
})
export const PlanBody = Schema.Struct({ managementApi: Schema.Boolean })
const share = Schema.Number.pipe(Schema.between(0, 1))
export const FaultsBody = Schema.Struct({
  latencyMs: Schema.optional(Schema.Number.pipe(Schema.between(0, 60_000))),
  errorRate: Schema.optional(share),
  dropRate: Schema.optional(share),
  malformedRate: Schema.optional(share)
})
export const ProjectBody = Schema.Struct({ id: Schema.String })
export const EventBody = Schema.Struct({
  projectId: Schema.String,
  type: Schema.String,
  data: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

type Failure = HttpServerResponse.HttpServerResponse

/** Reads and checks a JSON body; a malformed body or a wrong field is answered the way the management API answers it. */
const body = <A, I>(schema: Schema.Schema<A, I, never>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })
  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const request_id = yield* FiberRef.get(currentRequestId)
    const raw = yield* Effect.either(request.json)
    if (Either.isLeft(raw)) {
      return yield* Effect.fail<Failure>(boomResponse(400, "Bad Request", "Invalid request payload JSON format"))
    }
    return yield* Either.match(decode(raw.right), {
      onLeft: (error) =>
        Effect.fail<Failure>(errorResponse(invalidPayload(describeIssues(fieldIssues(error)), request_id))),
      onRight: (a) => Effect.succeed(a)
    })
  })
}

/**
 * `/sandbox/…`: the control API. JSON in and out, behind the same management credentials as the API itself.
 * Mounted on the HttpApi's router so it shares request ids, body limits and the 404 shape.
 */
export const controlRoutes = (credentials: SandboxCredentials) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const state = yield* State
      const controls = yield* Controls
      const deliveries = yield* Deliveries
      const check = makeCheck(credentials)

      const handle = <R>(
        handler: Effect.Effect<unknown, SandboxError | Failure, R>
      ): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          if (!check(request.headers["x-management-id"], request.headers["x-management-token"])) {
            return errorResponse(unauthorized(yield* FiberRef.get(currentRequestId)))
          }
          return yield* handler.pipe(
            Effect.map((result) => (HttpServerResponse.isServerResponse(result) ? result : json(200, result))),
            Effect.catchAll((e) => (HttpServerResponse.isServerResponse(e) ? Effect.succeed(e) : failure(e)))
          )
        })

      const projectParam = Effect.map(HttpRouter.params, (p) => p.projectId ?? "")

      yield* router.get(
        "/sandbox/projects",
        handle(Effect.map(state.projects, (data) => ({ object: "list", data_ref: "data", data, total: data.length })))
      )
      yield* router.post(
        "/sandbox/projects",
        handle(Effect.flatMap(body(ProjectBody), ({ id }) => state.addProject(id)))
      )
      yield* router.get(
        "/sandbox/projects/:projectId/secret",
        handle(
          Effect.flatMap(projectParam, (id) =>
            Effect.map(state.secret(id), (secret) => ({ project_id: id, secret: Redacted.value(secret) }))
          )
        )
      )
      yield* router.get("/sandbox/settings", handle(controls.settings))
      yield* router.get(
        "/sandbox/stats",
        handle(
          Effect.all({
            requests: controls.requests,
            deliveries: Effect.map(deliveries.list(), (d) => d.length)
          })
        )
      )
      yield* router.put("/sandbox/rate-limit", handle(Effect.flatMap(body(RateLimitBody), controls.setRateLimit)))
      yield* router.put("/sandbox/plan", handle(Effect.flatMap(body(PlanBody), controls.setPlan)))
      yield* router.put(
        "/sandbox/faults",
        handle(
          Effect.flatMap(body(FaultsBody), (f) =>
            controls.setFaults(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)))
          )
        )
      )
      yield* router.post(
        "/sandbox/events",
        handle(Effect.flatMap(body(EventBody), (e) => deliveries.raise(e.projectId, e.type, e.data)))
      )
      yield* router.get(
        "/sandbox/deliveries",
        handle(
          Effect.gen(function* () {
            const request = yield* HttpServerRequest.HttpServerRequest
            const query = new URL(request.url, "http://sandbox").searchParams
            const projectId = query.get("projectId") ?? undefined
            // ?id=whs_…(repeatable): only those, e.g. to wait for the deliveries of one raised event.
            const ids = new Set(query.getAll("id"))
            const all = yield* deliveries.list(projectId)
            const data = ids.size === 0 ? all : all.filter((d) => ids.has(d.id))
            return { object: "list", data_ref: "data", data, total: data.length }
          })
        )
      )
      yield* router.post(
        "/sandbox/reset",
        handle(
          Effect.gen(function* () {
            yield* deliveries.reset
            yield* state.reset
            yield* controls.reset
            return HttpServerResponse.empty({ status: 204 })
          })
        )
      )
    })
  )
