import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { WebhooksApi } from "@voucherify-webhooks/core/Api"
import { gatewayTimeout, serviceUnavailable } from "@voucherify-webhooks/core/ApiErrors"
import { mayHaveBeenAppliedAdvice } from "@voucherify-webhooks/core/ErrorFromResponse"
import { type DrainReport, drainingServer } from "@voucherify-webhooks/core/NodeServer"
import {
  bodyTimeout,
  currentRequestId,
  errorResponse,
  routerConfig,
  voucherifyErrors
} from "@voucherify-webhooks/core/ServerErrors"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { AccessLog } from "./AccessLog.js"
import { clientAddressResolver } from "./ClientAddress.js"
import { ManagementAuthLive } from "./ClientAuth.js"
import { docsCache } from "./DocsCache.js"
import { WebhooksLive } from "./Handlers.js"
import { LiveConfig } from "./LiveConfig.js"
import { Metrics } from "./Metrics.js"
import { perRequest } from "./PerRequest.js"
import { ProxySettings } from "./ProxyConfig.js"
import { RateLimiter } from "./RateLimit.js"
import { RateLimitedTrail } from "./RateLimitedTrail.js"
import * as RequestState from "./RequestState.js"
import { SharedState, SharedStateUnavailable, sharedStateDetail, sharedStateMetrics } from "./SharedState.js"
import * as Tracing from "./Tracing.js"
import * as TracingSettings from "./TracingSettings.js"
import * as Upstream from "./Upstream.js"
import { WorkerLink } from "./WorkerLink.js"

/** The shutdown log line: what the drain finished and what it had to cut. */
export const drainSummary = (report: DrainReport, graceMs: number): string => {
  const requests = (n: number) => `${n} in-flight request${n === 1 ? "" : "s"}`
  return report.cut === 0
    ? `shutting down: drained ${requests(report.inFlight)}`
    : `shutting down: ${requests(report.inFlight)}, ${report.inFlight - report.cut} finished, ${report.cut} cut off after the ${graceMs} ms grace period`
}

/** Liveness, readiness and metrics, on the API's router so they share request ids and 404/405 handling. */
const OpsRoutes = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function* () {
    const metrics = yield* Metrics
    const readiness = yield* Upstream.Readiness
    const target = yield* Upstream.UpstreamTarget
    const shared = yield* Effect.serviceOption(SharedState)
    const link = yield* Effect.serviceOption(WorkerLink)
    const own = () =>
      Option.isSome(shared) ? metrics.render() + sharedStateMetrics(shared.value.status()) : metrics.render()
    if (Option.isSome(link)) yield* link.value.answerMetrics(own)
    // Per worker: each answers for itself (a load balancer or kubelet probing the port reaches one of them).
    yield* router.get("/healthz", HttpServerResponse.unsafeJson({ status: "ok" }))
    yield* router.get(
      "/readyz",
      Effect.map(readiness.check, (r) =>
        HttpServerResponse.unsafeJson(
          {
            status: r.ready ? "ready" : "not ready",
            upstream: target.sandbox ? "embedded sandbox" : "remote",
            detail: r.detail,
            // Reported, never failing readiness: without Redis the proxy still serves (per-process limits or 503s,
            // as sharedState.onUnavailable says); taking replicas out of rotation would not bring Redis back.
            ...(Option.isSome(shared) ? { sharedState: sharedStateDetail(shared.value.status()) } : {})
          },
          { status: r.ready ? 200 : 503 }
        )
      )
    )
    // With workers, any worker answers for all (gathered through the primary, each sample labelled worker="k"): a
    // scrape reaches one worker of the port, and per-worker scraping would need a port per worker.
    yield* router.get(
      "/metrics",
      Effect.map(Option.isSome(link) ? link.value.allMetrics(own) : Effect.sync(own), (text) =>
        HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" })
      )
    )
  })
)

/**
 * A request that outlives the request timeout: 408 when its body still had not arrived (the client is too slow;
 * the connection is then closed), else a 504 in Voucherify's shape; when its change had already gone upstream,
 * the answer says it may have been applied and how to check.
 */
const requestTimeout =
  (ms: number) =>
  (app: HttpApp.Default): HttpApp.Default =>
    Effect.flatMap(Effect.timeoutOption(app, Duration.millis(ms)), (response) =>
      Option.isSome(response)
        ? Effect.succeed(response.value)
        : Effect.gen(function* () {
            const request = yield* HttpServerRequest.HttpServerRequest
            if (!NodeHttpServerRequest.toIncomingMessage(request).complete) {
              return bodyTimeout(ms)
            }
            const request_id = yield* FiberRef.get(currentRequestId)
            const state = yield* FiberRef.get(RequestState.currentRequest)
            const { forwarded } = state
            RequestState.decided(state, "proxy_request_timeout")
            return errorResponse(
              gatewayTimeout(
                "proxy_request_timeout",
                `the request did not complete within ${ms} ms${
                  forwarded === undefined ? "" : `; ${mayHaveBeenAppliedAdvice(forwarded)}`
                }`,
                request_id
              )
            )
          })
    )

/**
 * Redis did not answer and `sharedState.onUnavailable` is "deny" (ClientAuth ends the request with this defect):
 * 503 in Voucherify's shape, marked as the proxy's own decision, with a Retry-After of one second.
 */
const sharedStateDenied = (app: HttpApp.Default): HttpApp.Default =>
  Effect.catchAllDefect(app, (defect) =>
    defect instanceof SharedStateUnavailable
      ? Effect.map(FiberRef.get(currentRequestId), (request_id) =>
          errorResponse(
            serviceUnavailable(
              "shared_state_unavailable",
              'the proxy cannot reach its rate-limit store (Redis) and is configured to refuse requests meanwhile (sharedState.onUnavailable: "deny"); retry shortly',
              request_id
            )
          ).pipe(
            HttpServerResponse.setHeaders({ "retry-after": "1", "x-vwh-proxy-decision": "shared_state_unavailable" })
          )
        )
      : Effect.die(defect)
  )

const ApiMiddleware = HttpApiBuilder.middleware(
  Effect.map(ProxySettings, (settings) => {
    const docs = docsCache("/docs")
    return (app: HttpApp.Default) =>
      requestTimeout(settings.limits.requestTimeoutMs)(
        voucherifyErrors({
          maxBodyBytes: settings.limits.maxBodyBytes,
          bodyTimeoutMs: settings.limits.requestTimeoutMs
        })(docs(sharedStateDenied(app)))
      )
  })
)

export const ApiLive = HttpApiBuilder.api(WebhooksApi).pipe(
  Layer.provide(WebhooksLive),
  Layer.provide(ManagementAuthLive),
  Layer.provide(RateLimiter.Default),
  Layer.provide(RateLimitedTrail.Default)
)

/**
 * The whole proxy on a node server. Needs the settings, the upstream target and the audit sink, so tests can
 * swap any of them (a fake upstream, an audit sink that fails).
 */
export const ProxyLive = (options: { readonly port: number; readonly host: string; readonly drain?: DrainReport }) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const settings = yield* ProxySettings
      const metrics = Metrics.make()
      const provided = yield* Effect.serviceOption(AccessLog)
      const access = Option.isSome(provided) ? provided.value : yield* AccessLog.stdout
      const tracing = yield* TracingSettings.settings
      const clientAddress = clientAddressResolver(settings.trustProxy)
      return HttpApiBuilder.serve(perRequest({ metrics, access, tracing: tracing.enabled, clientAddress })).pipe(
        // The platform's own server span would record every request header, the client's key included; the proxy
        // makes its own (PerRequest.ts).
        HttpMiddleware.withTracerDisabledWhen(() => true),
        Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
        Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
        Layer.provide(OpsRoutes),
        Layer.provide(ApiMiddleware),
        Layer.provide(ApiLive),
        Layer.provide(routerConfig),
        Layer.provideMerge(
          NodeHttpServer.layer(
            drainingServer({
              graceMs: settings.limits.shutdownGraceMs,
              requestTimeoutMs: settings.limits.requestTimeoutMs,
              ...(options.drain === undefined ? {} : { report: options.drain })
            }),
            { port: options.port, host: options.host }
          )
        ),
        // Without an OTLP endpoint the tracer is disabled: spans would go nowhere, and creating them cost ~20 % of
        // the proxy's throughput (bench/proxy-throughput.mjs: 759 → 985 req/s). Released after the server drained,
        // so the spans of the last requests are still sent.
        Layer.provide(Tracing.layer(tracing)),
        // Provided last so they are built first and released last: the server drains before the upstream
        // client goes away, or in-flight requests would lose their upstream connection mid-call.
        // Metrics and LiveConfig are also outputs: the reloader (Reload.ts) counts reloads and replaces the config.
        Layer.provideMerge(Layer.succeed(Metrics, metrics)),
        Layer.provideMerge(LiveConfig.Default),
        // Built before the limiters that use it, closed after the drain.
        Layer.provideMerge(SharedState.fromSettings(settings.sharedState)),
        Layer.provide(Upstream.layer.pipe(Layer.provide(Layer.succeed(Metrics, metrics))))
      )
    })
  )

/** The port the server actually bound (port 0 picks one). */
export const boundPort = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? server.address.port : 0
)
