import {
  ApiBadGateway,
  ApiBadRequest,
  type ApiError,
  ApiForbidden,
  ApiGatewayTimeout,
  ApiInternalError,
  ApiNotFound,
  ApiPaymentRequired,
  ApiTooManyRequests,
  type ApiUnauthorized
} from "@voucherify-webhooks/core/ApiErrors"
import type { WebhooksError } from "@voucherify-webhooks/core/Errors"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import { describeIssues } from "@voucherify-webhooks/core/Validation"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type { AuditFailed } from "./Audit.js"
import type { PolicyViolation } from "./Policy.js"
import type { ClientRateLimited } from "./RateLimit.js"
import type { ScopeDenied } from "./Scopes.js"

/** Everything a proxied webhook call can fail with before it becomes a wire error. */
export type ProxyError = WebhooksError | ScopeDenied | PolicyViolation | ClientRateLimited | AuditFailed

// Upstream error text may carry the upstream's own request id; the client gets ours, and never our credentials.
const upstreamSaid = (e: { readonly details?: string | undefined; readonly message: string }) => e.details ?? e.message

/**
 * THE mapping from proxy and core errors to Voucherify's wire errors: one place, so every path answers alike.
 * Returns the error plus, for 429, how many seconds the client should wait.
 */
export const toApiError = (error: ProxyError, request_id: string): { error: ApiError; retryAfterSeconds?: number } => {
  const rid = { request_id }
  switch (error._tag) {
    case "ScopeDenied":
      return { error: new ApiForbidden({ key: "forbidden", message: "Forbidden", details: error.message, ...rid }) }
    case "PolicyViolation":
      return {
        error: new ApiBadRequest({
          key: "invalid_payload",
          message: "Invalid payload",
          details: describeIssues(error.issues),
          ...rid
        })
      }
    case "ClientRateLimited":
      return {
        error: new ApiTooManyRequests({
          key: "too_many_requests",
          message: "Too many requests",
          details: `client ${error.clientId} exceeded its rate limit; retry in ${error.retryAfterSeconds} s`,
          ...rid
        }),
        retryAfterSeconds: error.retryAfterSeconds
      }
    case "AuditFailed":
      return {
        error: new ApiInternalError({
          key: "audit_unavailable",
          message: "Internal error",
          details: "the audit record could not be written, so the change was not made",
          ...rid
        })
      }
    case "ValidationError":
      return {
        error: new ApiBadRequest({
          key: "invalid_payload",
          message: "Invalid payload",
          details: error.source === "client" ? describeIssues(error.issues) : `upstream: ${upstreamSaid(error)}`,
          ...rid
        })
      }
    case "AuthError":
      switch (error.reason) {
        case "missing_required_feature":
          return {
            error: new ApiPaymentRequired({
              key: "missing_required_feature",
              message: "Payment required",
              details: "Your current plan does not include a feature required to perform this operation.",
              ...rid
            })
          }
        case "forbidden":
          return {
            error: new ApiForbidden({
              key: error.key ?? "forbidden",
              message: "Forbidden",
              details: `upstream refused access: ${upstreamSaid(error)}`,
              ...rid
            })
          }
        default:
          // The upstream credentials are the proxy's, not the client's: a 401 there is our misconfiguration.
          return {
            error: new ApiBadGateway({
              key: "upstream_unauthorized",
              message: "Bad gateway",
              details:
                "the proxy's upstream credentials were rejected or are missing; the operator must fix VOUCHERIFY_MANAGEMENT_ID / VOUCHERIFY_MANAGEMENT_TOKEN",
              ...rid
            })
          }
      }
    case "NotFoundError":
      return {
        error: new ApiNotFound({
          key: "not_found",
          message: "Resource not found",
          details: upstreamSaid(error),
          ...rid,
          ...(error.resource === "unknown" ? {} : { resource_type: error.resource }),
          ...(error.resource_id === undefined ? {} : { resource_id: error.resource_id })
        })
      }
    case "RateLimitError": {
      const retryAfterSeconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000))
      return {
        error: new ApiTooManyRequests({
          key: "too_many_requests",
          message: "Too many requests",
          details: `upstream rate limit reached; retry in ${retryAfterSeconds} s`,
          ...rid
        }),
        retryAfterSeconds
      }
    }
    case "HttpError":
      return error.reason === "timeout"
        ? {
            error: new ApiGatewayTimeout({
              key: "upstream_timeout",
              message: "Gateway timeout",
              details: "the upstream did not answer in time",
              ...rid
            })
          }
        : {
            error: new ApiBadGateway({
              key: "upstream_error",
              message: "Bad gateway",
              details:
                error.reason === "transport"
                  ? "the upstream could not be reached"
                  : error.status === undefined
                    ? `the upstream failed (${error.reason})`
                    : `the upstream answered ${error.status} (${error.reason})`,
              ...rid
            })
          }
  }
}

/**
 * Extra headers for the current response. A mutable record shared by reference: the request timeout runs the
 * handler in a child fiber whose pre-response handlers would be lost, but a shared record survives.
 */
export const responseHeaders = FiberRef.unsafeMake<Record<string, string>>({})

/** Fails with the wire error for `error`, adding Retry-After to a 429. */
export const failWith = (error: ProxyError): Effect.Effect<never, ApiError> =>
  Effect.gen(function* () {
    const mapped = toApiError(error, yield* FiberRef.get(currentRequestId))
    if (mapped.retryAfterSeconds !== undefined) {
      const headers = yield* FiberRef.get(responseHeaders)
      headers["retry-after"] = String(mapped.retryAfterSeconds)
    }
    return yield* Effect.fail(mapped.error)
  })

/** For endpoints that declare no 400: an upstream 400 on a read or delete is the upstream misbehaving. */
export const withoutBadRequest = <A, R>(
  effect: Effect.Effect<A, ApiError, R>
): Effect.Effect<A, Exclude<ApiError, ApiBadRequest | ApiUnauthorized>, R> =>
  Effect.catchIf(
    effect,
    (e): e is ApiBadRequest | ApiUnauthorized => e.code === 400 || e.code === 401,
    (e) =>
      Effect.fail(
        new ApiBadGateway({
          key: "upstream_error",
          message: "Bad gateway",
          details: `the upstream refused a request the proxy had validated: ${e.details ?? e.message}`,
          ...(e.request_id === undefined ? {} : { request_id: e.request_id })
        })
      )
  )
