import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as ConfigLayers from "./Config.js"
import { WebhooksConfig } from "./Config.js"
import { currentRequestId, currentTraceContext, type TraceContext } from "./Correlation.js"
import { type CallContext, errorFromResponse, isMutation, mayHaveBeenAppliedAdvice } from "./ErrorFromResponse.js"
import { AuthError, HttpError, RateLimitError, type WebhooksError } from "./Errors.js"
import { ProjectId, WebhookId } from "./Ids.js"
import { pathOf } from "./Routes.js"
import { describeIssues, fieldIssues, validate } from "./Validation.js"
import { userAgent } from "./Version.js"
import {
  Webhook,
  WebhookCreate,
  WebhookCreateAnyEvent,
  WebhookList,
  WebhookUpdate,
  WebhookUpdateAnyEvent
} from "./Webhook.js"

export interface RequestOptions {
  /** Accept well-formed event names this release does not know (Voucherify adds events over time). */
  readonly allowUnknownEvents?: boolean
}

type Retry = "idempotent" | "once-sent"

// Error codes that prove the request never left this machine, so even a POST may be retried.
const notSentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"])

const errorCodes = (cause: unknown, depth = 0): ReadonlyArray<string> => {
  if (depth > 5 || typeof cause !== "object" || cause === null) return []
  const own = "code" in cause && typeof cause.code === "string" ? [cause.code] : []
  const nested = "cause" in cause ? errorCodes(cause.cause, depth + 1) : []
  const many =
    "errors" in cause && Array.isArray(cause.errors)
      ? cause.errors.flatMap((e: unknown) => errorCodes(e, depth + 1))
      : []
  return [...own, ...nested, ...many]
}

const transportError = (error: HttpClientError.HttpClientError, ctx: CallContext): HttpError => {
  const codes = errorCodes(error.cause)
  const notSent = codes.length > 0 && codes.every((c) => notSentCodes.has(c))
  const why = codes[0] ?? (error.cause instanceof Error ? error.cause.message : error.message)
  // Once the request may have left, a failed change may still have been applied: say so, never "try again".
  if (!notSent && isMutation(ctx.operation)) {
    return new HttpError({
      reason: "transport",
      notSent,
      mayHaveBeenApplied: true,
      message: `The connection to Voucherify failed during ${ctx.operation} (${why}); ${mayHaveBeenAppliedAdvice(ctx)}`
    })
  }
  return new HttpError({
    reason: "transport",
    notSent,
    message: `Could not reach Voucherify for ${ctx.operation} (${why})${
      notSent ? "; nothing was sent" : ""
    }; check the network, VOUCHERIFY_CLUSTER or VOUCHERIFY_API_URL`
  })
}

/** No answer within the timeout: for a change, the request may have arrived and been applied. */
const timeoutError = (ctx: CallContext, timeout: Duration.Duration): HttpError => {
  const late = `Voucherify did not answer ${ctx.operation} within ${Duration.format(timeout)}`
  return isMutation(ctx.operation)
    ? new HttpError({
        reason: "timeout",
        mayHaveBeenApplied: true,
        message: `${late}; ${mayHaveBeenAppliedAdvice(ctx)}; raise VOUCHERIFY_TIMEOUT if Voucherify is slow`
      })
    : new HttpError({ reason: "timeout", message: `${late}; raise VOUCHERIFY_TIMEOUT or try again` })
}

/**
 * What a server serving a request passes on (core Correlation): its request id and the trace context it came with.
 * A tracing HttpClient replaces traceparent with its own span's (a child in the same trace); tracestate goes as is.
 */
const correlationHeaders = (requestId: string, trace: TraceContext | undefined): Record<string, string> => {
  if (requestId === "" && trace === undefined) return {}
  const headers: Record<string, string> = {}
  if (requestId !== "") headers["x-request-id"] = requestId
  if (trace !== undefined) {
    headers.traceparent = trace.traceparent
    if (trace.tracestate !== undefined) headers.tracestate = trace.tracestate
  }
  return headers
}

/** The instant every call must end by, and the whole budget it was set from (for the error). */
interface Deadline {
  readonly at: number
  readonly total: Duration.Duration
}

const currentDeadline = globalValue(Symbol.for("@voucherify-webhooks/core/Webhooks/deadline"), () =>
  FiberRef.unsafeMake<Deadline | undefined>(undefined)
)

/**
 * Bounds every call `self` makes, retries and the waits between them included, to `total` from now: no attempt
 * outlives it and no retry starts whose wait would pass it. A command-line tool gives its whole command one
 * deadline; without one, each attempt has the configured timeout and retries are bounded by their count alone.
 */
export const withDeadline =
  (total: Duration.DurationInput) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.locally(self, currentDeadline, {
        at: now + Duration.toMillis(total),
        total: Duration.decode(total)
      })
    )

const spent = (attempts: number, elapsedMs: number) =>
  `${attempts} attempt${attempts === 1 ? "" : "s"} over ${(elapsedMs / 1000).toFixed(1)} s`

/** The deadline cut an attempt short: like a timeout, a change may have been applied. */
const deadlineError = (ctx: CallContext, deadline: Deadline, attempts: number, elapsedMs: number): HttpError => {
  const late = `Voucherify did not answer ${ctx.operation} within the deadline of ${Duration.format(deadline.total)} (${spent(attempts, elapsedMs)})`
  const what =
    "check that Voucherify is reachable at VOUCHERIFY_API_URL (or the cluster's URL), or allow longer with VOUCHERIFY_TIMEOUT"
  return isMutation(ctx.operation)
    ? new HttpError({
        reason: "timeout",
        mayHaveBeenApplied: true,
        message: `${late}; ${mayHaveBeenAppliedAdvice(ctx)}; ${what}`
      })
    : new HttpError({ reason: "timeout", message: `${late}; ${what}` })
}

/** A retryable failure with no time left to retry: the same error, saying how much was tried. */
const gaveUp = (error: WebhooksError, deadline: Deadline, attempts: number, elapsedMs: number): WebhooksError => {
  const note = `; gave up after ${spent(attempts, elapsedMs)}: a retry would pass the deadline of ${Duration.format(deadline.total)} (VOUCHERIFY_TIMEOUT)`
  switch (error._tag) {
    case "HttpError":
      return new HttpError({ ...error, message: `${error.message}${note}` })
    case "RateLimitError":
      return new RateLimitError({ ...error, message: `${error.message}${note}` })
    default:
      return error
  }
}

/**
 * The five webhook operations of the Voucherify Management API, with typed errors.
 * GET/PUT/DELETE are retried on transport errors, 5xx and 429; POST only when it provably never reached
 * the server (connection refused) or on 429, since Voucherify has no idempotency key and a retry could
 * create a duplicate webhook.
 *
 * Not `HttpApiClient.make(WebhooksApi)`: that client decodes an answer into the declared success or error schema
 * and gives nothing else, while this one needs the raw status, the headers (Retry-After, X-Rate-Limit-Retry) and
 * both of Voucherify's error-body shapes (its error object and the `{statusCode, error}` one, which the API
 * definition does not declare) to build the typed errors above — and must read a 2xx body it cannot decode without
 * losing the fact that a change was applied. Paths come from the same route table as `WebhooksApi` (Routes.ts).
 */
export class Webhooks extends Effect.Service<Webhooks>()("@voucherify-webhooks/core/Webhooks", {
  effect: Effect.gen(function* () {
    const config = yield* WebhooksConfig
    const client = yield* HttpClient.HttpClient

    const projectId = validate(ProjectId, "project id")
    const webhookId = validate(WebhookId, "webhook id")
    const createBody = validate(WebhookCreate, "webhook")
    const createBodyAnyEvent = validate(WebhookCreateAnyEvent, "webhook")
    const updateBody = validate(WebhookUpdate, "webhook")
    const updateBodyAnyEvent = validate(WebhookUpdateAnyEvent, "webhook")

    const credentials = Option.match(config.credentials, {
      onNone: () =>
        Effect.fail(
          new AuthError({
            reason: "missing_credentials",
            message:
              "No management credentials: set VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN (Team Settings → Management API keys)"
          })
        ),
      onSome: Effect.succeed
    })

    const backoff = (attempt: number) =>
      Effect.map(Random.next, (r) => {
        const ceiling = Math.min(8_000, 250 * 2 ** attempt)
        return Duration.millis(Math.round(ceiling / 2 + (r * ceiling) / 2))
      })

    /** One attempt: send, read the whole answer within `limit`, map anything but 2xx to a typed error. */
    const attempt = (
      request: HttpClientRequest.HttpClientRequest,
      ctx: CallContext,
      limit: Duration.Duration,
      onTimeout: () => HttpError
    ) =>
      Effect.gen(function* () {
        const response = yield* client.execute(request)
        const text = yield* response.text
        // Headers are only read for an error (Retry-After, rate-limit headers): built on demand, not per call.
        return {
          status: response.status,
          text,
          get headers() {
            return response.headers
          }
        }
      }).pipe(
        Effect.catchTag("RequestError", "ResponseError", (e) => Effect.fail(transportError(e, ctx))),
        Effect.timeoutFail({ duration: limit, onTimeout }),
        Effect.flatMap((res) =>
          res.status >= 200 && res.status < 300
            ? Effect.succeed(res)
            : Clock.currentTimeMillis.pipe(
                Effect.flatMap((now) => Effect.fail(errorFromResponse(res.status, res.headers, res.text, ctx, now)))
              )
        )
      )

    const retryable = (error: WebhooksError, mode: Retry): boolean => {
      switch (error._tag) {
        case "RateLimitError":
          return error.retryAfterMs === undefined || error.retryAfterMs <= Duration.toMillis(config.maxRetryAfter)
        case "HttpError":
          return mode === "idempotent"
            ? error.reason !== "unexpected_status" && error.reason !== "decode"
            : error.notSent === true
        default:
          return false
      }
    }

    /** Sends with retries; returns the status and body text of the final 2xx answer. */
    const send = (request: HttpClientRequest.HttpClientRequest, ctx: CallContext, mode: Retry) =>
      Effect.gen(function* () {
        const creds = yield* credentials
        const authed = request.pipe(
          HttpClientRequest.prependUrl(config.baseUrl),
          HttpClientRequest.setHeaders({
            "x-management-id": creds.managementId,
            "x-management-token": Redacted.value(creds.managementToken),
            "user-agent": userAgent,
            accept: "application/json",
            ...correlationHeaders(yield* FiberRef.get(currentRequestId), yield* FiberRef.get(currentTraceContext))
          })
        )
        const deadline = yield* FiberRef.get(currentDeadline)
        const started = yield* Clock.currentTimeMillis
        let tries = 0
        let mayHaveApplied = false
        while (true) {
          let limit = config.timeout
          let onTimeout = () => timeoutError(ctx, config.timeout)
          if (deadline !== undefined) {
            const now = yield* Clock.currentTimeMillis
            const left = Duration.millis(Math.max(0, deadline.at - now))
            // At most the per-attempt timeout left (equal when no millisecond has passed since the deadline was
            // set, as with --timeout 1s): the deadline is what bounds this attempt, and what the error names.
            if (Duration.lessThanOrEqualTo(left, limit)) {
              limit = left
              onTimeout = () => deadlineError(ctx, deadline, tries + 1, deadline.at - started)
            }
          }
          const result = yield* Effect.either(attempt(authed, ctx, limit, onTimeout))
          if (result._tag === "Right") return result.right
          const error = result.left
          // A DELETE whose earlier attempt may have gone through finds the webhook gone: that is the success we wanted.
          if (
            ctx.operation === "delete" &&
            mayHaveApplied &&
            error._tag === "NotFoundError" &&
            error.resource === "webhook"
          ) {
            return { status: 204, headers: {}, text: "" }
          }
          if (tries >= config.maxRetries || !retryable(error, mode)) return yield* error
          if (error._tag === "HttpError" && error.notSent !== true) mayHaveApplied = true
          const delay =
            error._tag === "RateLimitError" && error.retryAfterMs !== undefined
              ? Duration.millis(error.retryAfterMs)
              : yield* backoff(tries)
          if (deadline !== undefined) {
            const now = yield* Clock.currentTimeMillis
            if (now + Duration.toMillis(delay) >= deadline.at) {
              return yield* gaveUp(error, deadline, tries + 1, now - started)
            }
          }
          yield* Effect.logDebug(`retrying ${ctx.operation} in ${Duration.format(delay)} after ${error._tag}`)
          yield* Effect.sleep(delay)
          tries++
        }
      })

    // Built once: a decoder per response schema, not per call (measurable on the proxy's hot path).
    const decoders = new Map<unknown, (text: string) => Effect.Effect<unknown, ParseResult.ParseError>>()
    const decodeBody = <A, I>(schema: Schema.Schema<A, I, never>, ctx: CallContext) => {
      let decode = decoders.get(schema) as ((text: string) => Effect.Effect<A, ParseResult.ParseError>) | undefined
      if (decode === undefined) {
        decode = Schema.decodeUnknown(Schema.parseJson(schema))
        decoders.set(schema, decode)
      }
      return (res: { readonly status: number; readonly text: string }) =>
        decode(res.text).pipe(
          Effect.mapError((e) => {
            const what = `Voucherify answered ${ctx.operation} with ${res.status} but the body is not what the API documents: ${describeIssues(
              fieldIssues(e)
            )}`
            // A 2xx to a change means it was most likely applied; only the answer is unreadable.
            return isMutation(ctx.operation)
              ? new HttpError({
                  reason: "decode",
                  status: res.status,
                  mayHaveBeenApplied: true,
                  message: `${what}; ${mayHaveBeenAppliedAdvice(ctx)}`
                })
              : new HttpError({ reason: "decode", status: res.status, message: what })
          })
        )
    }

    // Spans skip the stack capture: it would record this file's own line on every call (an Error per call,
    // ~2 % of the proxy's CPU), never the caller's.
    const span = (name: string, attributes: Record<string, string>) =>
      Effect.withSpan(`Webhooks.${name}`, { attributes, captureStackTrace: false })

    const create = (project: string, body: typeof WebhookCreate.Encoded, options?: RequestOptions) =>
      Effect.gen(function* () {
        const pid = yield* projectId(project)
        const valid = yield* (options?.allowUnknownEvents ? createBodyAnyEvent : createBody)(body)
        const ctx: CallContext = { operation: "create", projectId: pid }
        const request = HttpClientRequest.post(pathOf("create", { projectId: pid })).pipe(
          HttpClientRequest.bodyUnsafeJson(valid)
        )
        return yield* send(request, ctx, "once-sent").pipe(Effect.flatMap(decodeBody(Webhook, ctx)))
      }).pipe(span("create", { projectId: project }))

    const list = (project: string) =>
      Effect.gen(function* () {
        const pid = yield* projectId(project)
        const ctx: CallContext = { operation: "list", projectId: pid }
        return yield* send(HttpClientRequest.get(pathOf("list", { projectId: pid })), ctx, "idempotent").pipe(
          Effect.flatMap(decodeBody(WebhookList, ctx))
        )
      }).pipe(span("list", { projectId: project }))

    const get = (project: string, id: string) =>
      Effect.gen(function* () {
        const pid = yield* projectId(project)
        const wid = yield* webhookId(id)
        const ctx: CallContext = { operation: "get", projectId: pid, webhookId: wid }
        return yield* send(
          HttpClientRequest.get(pathOf("get", { projectId: pid, webhookId: wid })),
          ctx,
          "idempotent"
        ).pipe(Effect.flatMap(decodeBody(Webhook, ctx)))
      }).pipe(span("get", { projectId: project, webhookId: id }))

    const update = (project: string, id: string, body: typeof WebhookUpdate.Encoded, options?: RequestOptions) =>
      Effect.gen(function* () {
        const pid = yield* projectId(project)
        const wid = yield* webhookId(id)
        const valid = yield* (options?.allowUnknownEvents ? updateBodyAnyEvent : updateBody)(body)
        const ctx: CallContext = { operation: "update", projectId: pid, webhookId: wid }
        const request = HttpClientRequest.put(pathOf("update", { projectId: pid, webhookId: wid })).pipe(
          HttpClientRequest.bodyUnsafeJson(valid)
        )
        return yield* send(request, ctx, "idempotent").pipe(Effect.flatMap(decodeBody(Webhook, ctx)))
      }).pipe(span("update", { projectId: project, webhookId: id }))

    const remove = (project: string, id: string) =>
      Effect.gen(function* () {
        const pid = yield* projectId(project)
        const wid = yield* webhookId(id)
        const ctx: CallContext = { operation: "delete", projectId: pid, webhookId: wid }
        yield* send(HttpClientRequest.del(pathOf("delete", { projectId: pid, webhookId: wid })), ctx, "idempotent")
      }).pipe(span("delete", { projectId: project, webhookId: id }))

    return { create, list, get, update, delete: remove } as const
  })
}) {}

/** The service configured from the environment over `fetch`: all a script needs. */
export const layerFromEnv = Webhooks.Default.pipe(
  Layer.provide(ConfigLayers.layerFromEnv),
  Layer.provide(FetchHttpClient.layer)
)
