import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { unauthorized } from "@voucherify-webhooks/core/ApiErrors"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { makeCheck } from "./Auth.js"
import { ControlAuth, SandboxApi } from "./ControlApi.js"
import { Controls } from "./Controls.js"
import { Deliveries } from "./Deliveries.js"
import { type SandboxError, toControlApiError } from "./Errors.js"
import { toWebhook } from "./Handlers.js"
import type { SandboxCredentials } from "./Options.js"
import { State } from "./State.js"

/** The control API's authentication: both management headers must match the sandbox's pair, else 401. */
export const controlAuthLayer = (credentials: SandboxCredentials) => {
  const check = makeCheck(credentials)
  return Layer.succeed(ControlAuth, {
    managementId: (id) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (!check(Redacted.value(id), request.headers["x-management-token"])) {
          return yield* Effect.fail(unauthorized(yield* FiberRef.get(currentRequestId)))
        }
      })
  })
}

/** Control API errors use Voucherify's error object too, so one parser reads both APIs. */
const failWith = (e: SandboxError) =>
  Effect.flatMap(FiberRef.get(currentRequestId), (request_id) => Effect.fail(toControlApiError(e, request_id)))

const list = <A>(data: ReadonlyArray<A>) => ({
  object: "list" as const,
  data_ref: "data" as const,
  data,
  total: data.length
})

/** `/sandbox/…` over the sandbox's state, controls and deliveries. */
const ControlLive = HttpApiBuilder.group(SandboxApi, "control", (handlers) =>
  Effect.gen(function* () {
    const state = yield* State
    const controls = yield* Controls
    const deliveries = yield* Deliveries
    return handlers
      .handle("projects", () => Effect.map(state.projects, list))
      .handle("addProject", ({ payload }) => Effect.catchAll(state.addProject(payload.id), failWith))
      .handle("projectSecret", ({ path }) =>
        state.secret(path.projectId).pipe(
          Effect.map((secret) => ({ project_id: path.projectId, secret: Redacted.value(secret) })),
          Effect.catchAll(failWith)
        )
      )
      .handle("seedWebhook", ({ path, payload: { id, ...input } }) =>
        state.create(path.projectId, input, id).pipe(Effect.map(toWebhook), Effect.catchAll(failWith))
      )
      .handle("settings", () => controls.settings)
      .handle("stats", () =>
        Effect.all({ requests: controls.requests, deliveries: Effect.map(deliveries.list(), (d) => d.length) })
      )
      .handle("setRateLimit", ({ payload }) => Effect.catchAll(controls.setRateLimit(payload), failWith))
      .handle("setPlan", ({ payload }) => controls.setPlan(payload))
      .handle("setFaults", ({ payload }) => Effect.catchAll(controls.setFaults(payload), failWith))
      .handle("raiseEvent", ({ payload }) =>
        Effect.catchAll(deliveries.raise(payload.projectId, payload.type, payload.data), failWith)
      )
      .handle("deliveries", ({ urlParams }) =>
        Effect.map(deliveries.list(urlParams.projectId), (all) => {
          const ids = new Set(urlParams.id === undefined ? [] : [urlParams.id].flat())
          return list(ids.size === 0 ? all : all.filter((d) => ids.has(d.id)))
        })
      )
      .handle("reset", () =>
        Effect.gen(function* () {
          yield* deliveries.reset
          yield* state.reset
          yield* controls.reset
        })
      )
  })
)

/** The control API's handlers behind its authentication. */
export const controlLayer = (credentials: SandboxCredentials) =>
  ControlLive.pipe(Layer.provide(controlAuthLayer(credentials)))
