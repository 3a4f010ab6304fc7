import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { internalError, tooManyRequests } from "@voucherify-webhooks/core/ApiErrors"
import { managementPrefix } from "@voucherify-webhooks/core/Routes"
import { currentRequestId, errorResponse } from "@voucherify-webhooks/core/ServerErrors"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { Controls } from "./Controls.js"
import { malformedBody, pickFault } from "./Faults.js"
import { rateLimitHeaders } from "./RateLimit.js"

/**
 * Rate limit and injected faults for the management API (the control API is exempt, so a test can always turn
 * them off again). Installed with `HttpApiBuilder.middleware`, inside the app, so the pre-response handlers
 * it adds also run on the answers it short-circuits.
 */
export const gate = Effect.map(
  Controls,
  (controls) =>
    (app: HttpApp.Default): HttpApp.Default =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (!request.url.startsWith(managementPrefix)) return yield* app
        controls.countRequest()
        const now = Date.now()
        const decision = controls.limiter.take(now)
        const headers = rateLimitHeaders(decision, now)
        yield* HttpApp.appendPreResponseHandler((_request, response) =>
          Effect.succeed(HttpServerResponse.setHeaders(response, headers))
        )
        const request_id = yield* FiberRef.get(currentRequestId)
        if (!decision.allowed) {
          return errorResponse(
            tooManyRequests(
              `The sandbox allows ${decision.limit} requests per ${controls.limiter.current.windowMs} ms; retry after ${headers["retry-after"]} s`,
              request_id,
              { message: "Too many requests hit the API too quickly." }
            )
          )
        }
        const faults = yield* controls.faults
        if (faults.latencyMs > 0) yield* Effect.sleep(Duration.millis(faults.latencyMs))
        switch (pickFault(faults)) {
          case "drop":
            // What a crashed upstream or a cut link looks like to a client: no status line at all.
            NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
            return yield* Effect.interrupt
          case "error":
            return errorResponse(
              internalError({
                message: "Internal Server Error",
                details: "Injected by the sandbox (PUT /sandbox/faults errorRate)",
                request_id
              })
            )
          case "malformed":
            yield* HttpApp.appendPreResponseHandler((_request, response) =>
              Effect.succeed(
                response.status === 200
                  ? HttpServerResponse.text(malformedBody, {
                      status: 200,
                      headers: response.headers,
                      contentType: "application/json"
                    })
                  : response
              )
            )
            return yield* app
          case "none":
            return yield* app
        }
      })
)
