import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { drainingServer } from "@voucherify-webhooks/core/NodeServer"
import { routerConfig, voucherifyErrors, withRequestId } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { managementAuthLayer } from "./Auth.js"
import { SandboxApi } from "./ControlApi.js"
import { controlLayer } from "./ControlHandlers.js"
import { Controls } from "./Controls.js"
import { Deliveries } from "./Deliveries.js"
import { gate } from "./Gate.js"
import { WebhooksLive } from "./Handlers.js"
import { type ResolvedOptions, SandboxSettings } from "./Options.js"
import { rateLimitHeaders } from "./RateLimit.js"
import { State } from "./State.js"

/**
 * State, controls and the delivery fibers, all scoped to one sandbox (State is built once: layers are shared
 * within one build, so Deliveries' dependency and this one are the same).
 */
const servicesLayer = (options: ResolvedOptions) =>
  Layer.mergeAll(State.Default, Controls.Default, Deliveries.Default).pipe(
    Layer.provide(Layer.succeed(SandboxSettings, options))
  )

/** Core's WebhooksApi plus the control API (SandboxApi), with core's error middleware and request ids, on a node server. */
const httpLayer = (options: ResolvedOptions) =>
  Layer.unwrapEffect(
    Effect.map(Controls, (controls) => {
      // Every answer carries the rate-limit headers; the gate replaces them with the counted values on API calls.
      const withRateLimitHeaders = (
        _id: string,
        _request: unknown,
        response: HttpServerResponse.HttpServerResponse
      ) => {
        const now = Date.now()
        return HttpServerResponse.setHeaders(
          response,
          rateLimitHeaders({ ...controls.limiter.peek(now), allowed: true }, now)
        )
      }
      const api = HttpApiBuilder.api(SandboxApi).pipe(
        Layer.provide(WebhooksLive),
        Layer.provide(controlLayer(options.credentials)),
        Layer.provide(managementAuthLayer(options.credentials))
      )
      return HttpApiBuilder.serve((app) => withRequestId(app, withRateLimitHeaders)).pipe(
        Layer.provide(HttpApiBuilder.middleware(gate)),
        Layer.provide(HttpApiBuilder.middleware(voucherifyErrors())),
        Layer.provide(api),
        Layer.provide(routerConfig),
        Layer.provideMerge(NodeHttpServer.layer(drainingServer(), { port: options.port, host: options.host }))
      )
    })
  )

/** Everything a running sandbox is: the HTTP server (output, for its address) and the services behind it. */
export const sandboxLayer = (options: ResolvedOptions) =>
  httpLayer(options).pipe(Layer.provideMerge(servicesLayer(options)))
