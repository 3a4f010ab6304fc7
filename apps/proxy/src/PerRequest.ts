import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { currentTraceContext, traceContextFrom } from "@voucherify-webhooks/core/Correlation"
import { decisionForStatus, proxyDecisionHeader } from "@voucherify-webhooks/core/ProxyDecision"
import { withRequestId } from "@voucherify-webhooks/core/ServerErrors"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type { AccessLog } from "./AccessLog.js"
import type { clientAddressResolver } from "./ClientAddress.js"
import { type Metrics, operationOf, routeOf } from "./Metrics.js"
import * as RequestState from "./RequestState.js"
import { SpanError } from "./SpanError.js"
import { remoteParent } from "./Tracing.js"

/** True when the client hung up before its answer could be sent. */
const clientGone = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const res = NodeHttpServerRequest.toServerResponse(request)
  return !res.writableFinished && (res.destroyed || NodeHttpServerRequest.toIncomingMessage(request).socket.destroyed)
}

/** The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-06) for a client's standing; see RateLimit.ts. */
const rateLimitHeaders = (
  quota: NonNullable<RequestState.RequestState["quota"]>,
  status: number,
  retryAfter?: string
) =>
  // On a 429 (ours or the upstream's) nothing is left until Retry-After: Reset names the same moment.
  status === 429 && retryAfter !== undefined
    ? {
        "ratelimit-limit": String(quota.limit),
        "ratelimit-remaining": "0",
        "ratelimit-reset": retryAfter,
        "ratelimit-policy": `${quota.limit};w=${quota.windowSeconds}`
      }
    : {
        "ratelimit-limit": String(quota.limit),
        "ratelimit-remaining": String(quota.remaining),
        "ratelimit-reset": String(quota.resetSeconds),
        "ratelimit-policy": `${quota.limit};w=${quota.windowSeconds}`
      }

/**
 * Everything the proxy does around each request. On the way in: the request id (the client's, when well-formed,
 * else a new one), its W3C trace context, the client's address (under `trustProxy`), and — when tracing is on —
 * a server span for API operations, child of the caller's traceparent. On the way out, for every answer (errors
 * included): extra headers (Retry-After, RateLimit-*), metrics, one access-log line. Logs carry no headers or
 * bodies.
 */
export const perRequest =
  (options: {
    readonly metrics: Metrics["Type"]
    readonly access: AccessLog["Type"]
    readonly tracing: boolean
    readonly clientAddress: ReturnType<typeof clientAddressResolver>
  }) =>
  (app: HttpApp.Default): HttpApp.Default =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const started = performance.now()
      // Read once: the platform builds the headers object anew on each access.
      const headers = request.headers
      const state = RequestState.make()
      const address = options.clientAddress(Option.getOrUndefined(request.remoteAddress), headers["x-forwarded-for"])
      if (address !== undefined) state.address = address
      const trace = traceContextFrom(headers.traceparent, headers.tracestate)
      const operation = operationOf(request.method, request.url)
      const route = options.tracing ? routeOf(operation) : undefined
      let span: Tracer.Span | undefined
      const inner = app.pipe(
        Effect.locally(RequestState.currentRequest, state),
        Effect.locally(currentTraceContext, trace)
      )
      const handled = withRequestId(
        inner,
        (request_id, request, tagged) => {
          const extra = state.headers
          const quota =
            state.quota === undefined ? {} : rateLimitHeaders(state.quota, tagged.status, extra["retry-after"])
          // Every error the proxy makes itself says so (core ProxyDecision); Voucherify's relayed errors do not.
          const decision =
            tagged.status >= 400 && state.relayed !== true && tagged.headers[proxyDecisionHeader] === undefined
              ? { [proxyDecisionHeader]: state.decision ?? decisionForStatus(tagged.status) }
              : {}
          const withExtra = { ...extra, ...quota, ...decision }
          const response = Object.keys(withExtra).length > 0 ? HttpServerResponse.setHeaders(tagged, withExtra) : tagged
          // A client that hung up gets no answer: log what happened (nginx's 499, "client closed request"), not the
          // status of an answer nobody received, and keep it out of the 5xx counts.
          const status = clientGone(request) ? 499 : response.status
          options.metrics.request(operation, status)
          const traceId = span?.traceId ?? trace?.traceId
          if (span !== undefined) {
            span.attribute("http.response.status_code", status)
            span.attribute("vwh.request_id", request_id)
            if (state.client !== undefined) span.attribute("vwh.client", state.client)
          }
          options.access.write({
            request_id,
            method: request.method,
            path: request.url.split("?", 1)[0] ?? "",
            operation,
            status,
            duration_ms: Math.round((performance.now() - started) * 10) / 10,
            // Only a client whose key was verified is named: a 401 must not log the id it tried to impersonate.
            ...(state.client === undefined ? {} : { client: state.client }),
            ...(state.key === undefined ? {} : { key: state.key }),
            ...(state.address === undefined ? {} : { client_address: state.address }),
            ...(traceId === undefined ? {} : { trace_id: traceId })
          })
          return response
        },
        headers["x-request-id"]
      )
      if (route === undefined) return handled
      const name = `${request.method} ${route}`
      return Effect.flatMap(
        Effect.makeSpan(name, {
          kind: "server",
          captureStackTrace: false,
          ...(trace === undefined ? {} : { parent: remoteParent(trace) })
        }),
        (s) => {
          span = s
          s.attribute("http.request.method", request.method)
          s.attribute("url.path", request.url.split("?", 1)[0] ?? "")
          s.attribute("vwh.operation", operation)
          if (state.address !== undefined) s.attribute("client.address", state.address)
          // (The router adds http.route.) A 5xx answer is a failed span, as OpenTelemetry's HTTP conventions ask.
          return Effect.withParentSpan(handled, s).pipe(
            Effect.onExit((exit) => Effect.map(Clock.currentTimeNanos, (now) => s.end(now, spanExit(exit, s))))
          )
        }
      )
    })

/** How a span ends: failed for a 5xx answer (the platform turned the failure into a response), else as it ran. */
const spanExit = (exit: Exit.Exit<unknown, unknown>, span: Tracer.Span): Exit.Exit<unknown, unknown> => {
  const status = span.attributes.get("http.response.status_code")
  if (typeof status === "number" && status >= 500) {
    span.attribute("error.type", String(status))
    return Exit.fail(new SpanError({ message: `answered ${status}` }))
  }
  return exit
}
