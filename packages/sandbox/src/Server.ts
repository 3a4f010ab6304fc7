import { createServer, type Server } from "node:http"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { answerBeforeBodyEnds } from "@voucherify-webhooks/core/NodeServer"
import { routerConfig, voucherifyErrors, withRequestId } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { managementAuthLayer } from "./Auth.js"
import { SandboxApi } from "./ControlApi.js"
import { controlLayer } from "./ControlHandlers.js"
import { Controls, makeControls } from "./Controls.js"
import { Deliveries, makeDeliveries } from "./Deliveries.js"
import { gate } from "./Gate.js"
import { WebhooksLive } from "./Handlers.js"
import { projectSecret } from "./Ids.js"
import type { ResolvedOptions } from "./Options.js"
import { rateLimitHeaders } from "./RateLimit.js"
import { makeState, State } from "./State.js"

/**
 * A node server whose close() also reaps keep-alive sockets as they go idle: otherwise closing the sandbox
 * waits seconds for clients' idle connections (measured in scratch/httpapi: 3.4 s → 0.36 s).
 */
const gracefulServer = (): Server => {
  // A body over the limit is answered 413, not reset.
  const server = answerBeforeBodyEnds(createServer())
  const close = server.close.bind(server)
  server.close = ((callback?: (error?: Error) => void) => {
    close(callback)
    server.closeIdleConnections()
    const timer = setInterval(() => server.closeIdleConnections(), 50)
    server.once("close", () => clearInterval(timer))
    return server
  }) as typeof server.close
  return server
}

/** State, controls and the delivery fibers, all scoped to one sandbox. */
const servicesLayer = (options: ResolvedOptions) => {
  const StateLive = Layer.effect(
    State,
    makeState(options.projects, (id) => projectSecret(options.credentials.managementToken, id))
  )
  const DeliveriesLive = Layer.scoped(
    Deliveries,
    makeDeliveries({ timeScale: options.deliveryTimeScale, timeoutMs: options.deliveryTimeoutMs })
  ).pipe(Layer.provide(StateLive))
  return Layer.mergeAll(StateLive, Layer.effect(Controls, makeControls), DeliveriesLive)
}

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
        Layer.provideMerge(NodeHttpServer.layer(gracefulServer, { port: options.port, host: options.host }))
      )
    })
  )

/** Everything a running sandbox is: the HTTP server (output, for its address) and the services behind it. */
export const sandboxLayer = (options: ResolvedOptions) =>
  httpLayer(options).pipe(Layer.provideMerge(servicesLayer(options)))
