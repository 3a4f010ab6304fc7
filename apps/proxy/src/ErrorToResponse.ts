import {
  type ApiBadRequest,
  type ApiError,
  type ApiUnauthorized,
  badGateway,
  forbidden,
  gatewayTimeout,
  internalError,
  invalidPayload,
  paymentRequired,
  resourceNotFound,
  tooManyRequests
} from "@voucherify-webhooks/core/ApiErrors"
import { type CallContext, checkCommand, mayHaveBeenAppliedAdvice } from "@voucherify-webhooks/core/ErrorFromResponse"
import type { WebhooksError } from "@voucherify-webhooks/core/Errors"
import type { ProxyErrorKey } from "@voucherify-webhooks/core/ProxyDecision"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import { describeIssues } from "@voucherify-webhooks/core/Validation"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type { AuditFailed } from "./Audit.js"
import type { PolicyViolation } from "./Policy.js"
import * as RequestState from "./RequestState.js"
import type { ScopeDenied } from "./Scopes.js"

/** Everything a proxied webhook call can fail with before it becomes a wire error. */
export type ProxyError = WebhooksError | ScopeDenied | PolicyViolation | AuditFailed

/**
 * The longest wait the proxy passes on to a client, in seconds: an upstream asking for more (a broken or hostile
 * `Retry-After: 99999999999`) would otherwise park well-behaved clients for years. Voucherify's own windows are a
 * minute or an hour.
 */
export const maxRetryAfterSeconds = 3_600

/** Replaces secrets in text relayed from the upstream: the proxy's own upstream credentials, whatever echoes them. */
export type Redact = (text: string) => string

/**
 * A redactor for `secrets`, as they are and percent- or JSON-encoded. Secrets shorter than 6 characters are left
 * alone: replacing them would mangle ordinary words and hide nothing worth hiding.
 */
export const redactor = (secrets: ReadonlyArray<string>): Redact => {
  const forms = [
    ...new Set(
      secrets.filter((s) => s.length >= 6).flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])
    )
  ].sort((a, b) => b.length - a.length)
  return forms.length === 0 ? (text) => text : (text) => forms.reduce((t, f) => t.split(f).join("[redacted]"), text)
}

/** How an error is answered: text relayed from the upstream goes through `redact`; `forwarded` says what went upstream. */
export interface MappingContext {
  readonly request_id: string
  readonly redact: Redact
  /** The mutation that was sent upstream, when one was: its failure may have been applied. */
  readonly forwarded?: CallContext | undefined
}

// Upstream error text may carry the upstream's own request id; the client gets ours, and never our credentials.
const upstreamSaid = (e: { readonly details?: string | undefined; readonly message: string }, redact: Redact) =>
  redact(e.details ?? e.message)

/** ` The create may have been applied: …` when the failed call was a change that went upstream. */
const uncertainty = (error: WebhooksError, forwarded: CallContext | undefined): string =>
  forwarded !== undefined && error._tag === "HttpError" && error.mayHaveBeenApplied === true
    ? `; ${mayHaveBeenAppliedAdvice(forwarded)}`
    : ""

/**
 * THE mapping from proxy and core errors to Voucherify's wire errors: one place, so every path answers alike.
 * Returns the error plus, for 429, how many seconds the client should wait.
 */
export const toApiError = (
  error: ProxyError,
  { forwarded, redact, request_id }: MappingContext
): {
  error: ApiError
  retryAfterSeconds?: number
  /** The x-vwh-proxy-decision of an error the proxy made; undefined for Voucherify's answer relayed. */
  decision?: ProxyErrorKey
} => {
  switch (error._tag) {
    case "ScopeDenied":
      return {
        decision: "proxy_scope_denied",
        error: forbidden(error.message, request_id, "proxy_scope_denied")
      }
    case "PolicyViolation": {
      // Unknown events alone are what Voucherify itself refuses, in its words (the contract's invalid_payload);
      // anything else is the proxy's own rule.
      const own = error.issues.some((i) => !i.path.startsWith("events"))
      return {
        decision: own ? "proxy_policy_violation" : "invalid_request",
        error: invalidPayload(
          describeIssues(error.issues),
          request_id,
          own ? "proxy_policy_violation" : "invalid_payload"
        )
      }
    }
    case "AuditFailed":
      return {
        decision: "proxy_audit_unavailable",
        error: internalError({
          key: "proxy_audit_unavailable",
          details:
            error.phase === "attempt" || forwarded === undefined
              ? "the audit record could not be written, so the change was not made (nothing was sent upstream)"
              : `the ${forwarded.operation} was applied upstream${
                  error.webhookId === undefined ? "" : ` (webhook ${error.webhookId})`
                }, but its outcome could not be written to the audit trail: do not repeat it; see it with ${checkCommand(
                  {
                    ...forwarded,
                    webhookId: forwarded.webhookId ?? error.webhookId
                  }
                )}`,
          request_id
        })
      }
    case "ValidationError":
      return {
        ...(error.source === "client" ? { decision: "invalid_request" as const } : {}),
        error: invalidPayload(
          error.source === "client" ? describeIssues(error.issues) : `upstream: ${upstreamSaid(error, redact)}`,
          request_id
        )
      }
    case "AuthError":
      switch (error.reason) {
        case "missing_required_feature":
          return { error: paymentRequired(request_id) }
        case "forbidden":
          return { error: forbidden(`upstream refused access: ${upstreamSaid(error, redact)}`, request_id, error.key) }
        default:
          // The upstream credentials are the proxy's, not the client's: a 401 there is our misconfiguration.
          return {
            decision: "upstream_unauthorized",
            error: badGateway(
              "upstream_unauthorized",
              "the proxy's upstream credentials were rejected or are missing; the operator must fix VOUCHERIFY_MANAGEMENT_ID / VOUCHERIFY_MANAGEMENT_TOKEN",
              request_id
            )
          }
      }
    case "NotFoundError":
      return {
        error: resourceNotFound(
          upstreamSaid(error, redact),
          { id: error.resource_id, type: error.resource === "unknown" ? undefined : error.resource },
          request_id
        )
      }
    case "RateLimitError": {
      const retryAfterSeconds = Math.min(
        maxRetryAfterSeconds,
        Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000))
      )
      return {
        error: tooManyRequests(`upstream rate limit reached; retry in ${retryAfterSeconds} s`, request_id),
        retryAfterSeconds
      }
    }
    case "HttpError":
      return error.reason === "timeout"
        ? {
            decision: "upstream_timeout",
            error: gatewayTimeout(
              "upstream_timeout",
              `the upstream did not answer in time${uncertainty(error, forwarded)}`,
              request_id
            )
          }
        : {
            decision: "upstream_error",
            error: badGateway(
              "upstream_error",
              `${
                error.reason === "transport"
                  ? error.notSent === true
                    ? "the upstream could not be reached (nothing was sent)"
                    : "the connection to the upstream failed"
                  : error.status === undefined
                    ? `the upstream failed (${error.reason})`
                    : `the upstream answered ${error.status} (${error.reason})`
              }${uncertainty(error, forwarded)}`,
              request_id
            )
          }
  }
}

/**
 * Fails with the wire error for `error`, adding Retry-After to a 429. Upstream text goes through `redact`; a change
 * that already went upstream (the request's state says so) is answered as one that may have been applied.
 */
export const failWith =
  (redact: Redact) =>
  (error: ProxyError): Effect.Effect<never, ApiError> =>
    Effect.gen(function* () {
      const state = yield* FiberRef.get(RequestState.currentRequest)
      const mapped = toApiError(error, {
        request_id: yield* FiberRef.get(currentRequestId),
        redact,
        forwarded: state.forwarded
      })
      if (mapped.retryAfterSeconds !== undefined) state.headers["retry-after"] = String(mapped.retryAfterSeconds)
      RequestState.decided(state, mapped.decision)
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
      Effect.zipRight(
        RequestState.update((state) => RequestState.decided(state, "upstream_error")),
        Effect.fail(
          badGateway(
            "upstream_error",
            `the upstream refused a request the proxy had validated: ${e.details ?? e.message}`,
            e.request_id
          )
        )
      )
  )
