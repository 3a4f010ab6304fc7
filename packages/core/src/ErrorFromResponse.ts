import { type ErrorInfo, parseErrorBody } from "./ApiErrors.js"
import { AuthError, HttpError, NotFoundError, RateLimitError, ValidationError, type WebhooksError } from "./Errors.js"
import { proxyDecisionOf } from "./ProxyDecision.js"
import { retryAfterMs } from "./RetryAfter.js"
import type { RouteName } from "./Routes.js"

/*
 * The client side of errors: an answer that is not 2xx (status, headers, body in either of Voucherify's shapes)
 * becomes the typed error a caller acts on (Errors.ts), here and nowhere else. The wire shapes are ApiErrors.ts;
 * the other direction, a typed error answered to a client, is the proxy's ErrorToResponse.ts.
 */

/** The webhook operation a call was: one of the route table's endpoints. */
export type Operation = RouteName

/** What the failed call was about, so the message can say so. */
export interface CallContext {
  readonly operation: Operation
  readonly projectId: string
  readonly webhookId?: string | undefined
}

/** True for the operations that change something upstream. */
export const isMutation = (operation: Operation): boolean =>
  operation === "create" || operation === "update" || operation === "delete"

/**
 * What to tell a caller whose create, update or delete failed after the request may have reached Voucherify:
 * the change may have been applied, and how to check. Never "try again" for a create: a second create makes a
 * duplicate webhook (Voucherify has no idempotency key).
 */
export const mayHaveBeenAppliedAdvice = (ctx: CallContext): string => {
  switch (ctx.operation) {
    case "create":
      return `the webhook may have been created anyway: check with ${checkCommand(ctx)} before creating it again (a second create makes a duplicate)`
    case "update":
      return `the update may have been applied: check with ${checkCommand(ctx)}; repeating it is safe (an update replaces the whole webhook)`
    default:
      return `the webhook may have been deleted: check with ${checkCommand(ctx)}; repeating the delete is safe`
  }
}

/** The `vwh` command that shows whether a change happened: the webhook when its id is known, else the project's list. */
export const checkCommand = (ctx: CallContext): string =>
  ctx.webhookId === undefined
    ? `\`vwh webhooks list --project ${ctx.projectId}\``
    : `\`vwh webhooks get --project ${ctx.projectId} ${ctx.webhookId}\``

const said = (info: ErrorInfo): string => {
  const parts = [info.message, info.details].filter((s): s is string => typeof s === "string" && s.length > 0)
  return parts.length > 0 ? `: ${parts.join(" — ")}` : ""
}

const requestId = (info: ErrorInfo): string => (info.request_id ? ` (request_id ${info.request_id})` : "")

const missingResource = (info: ErrorInfo, ctx: CallContext): "project" | "webhook" | "unknown" => {
  const type = info.resource_type?.toLowerCase()
  if (type === "webhook" || type === "project") return type
  const details = info.details?.toLowerCase() ?? ""
  if (details.includes("webhook")) return "webhook"
  if (details.includes("project")) return "project"
  // Create and list name no webhook, so only the project can be missing.
  return ctx.webhookId === undefined ? "project" : "unknown"
}

/** A 400, 413 or 422: the server refused the payload; its words are the one issue. */
const refusedPayload = (status: number, info: ErrorInfo, message: string): ValidationError =>
  new ValidationError({
    status,
    ...info,
    source: "server",
    issues: [{ path: "", message: info.details ?? info.message ?? `HTTP ${status}` }],
    message
  })

/**
 * An error vwh-proxy made itself (it says so in x-vwh-proxy-decision): worded as the proxy's, with none of the
 * advice meant for Voucherify's answers (no cluster hint on a 403: the proxy's scopes refused, not a region).
 */
const fromProxy = (
  status: number,
  decision: string,
  headers: Readonly<Record<string, string | undefined>>,
  info: ErrorInfo,
  ctx: CallContext,
  now: number
): WebhooksError => {
  const fields = { status, ...info }
  const what = [info.details, info.details === undefined ? info.message : undefined]
    .filter((s): s is string => typeof s === "string" && s.length > 0)
    .join(" — ")
  const refused = `The proxy refused${what.length > 0 ? `: ${what}` : ` the ${ctx.operation} request`} (${status} ${decision})${requestId(info)}`
  switch (status) {
    case 400:
    case 413:
    case 422:
      return refusedPayload(status, info, refused)
    case 401:
      return new AuthError({
        ...fields,
        reason: "unauthorized",
        message: `The proxy refused the client id or key (401 ${decision})${requestId(info)}; set VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN to the client id and key the proxy's operator gave you`
      })
    case 403:
      return new AuthError({ ...fields, reason: "forbidden", message: refused })
    case 404:
      return new NotFoundError({ ...fields, resource: "unknown", message: refused })
    case 429: {
      const wait = retryAfterMs(headers, now)
      return new RateLimitError({
        ...fields,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
        message: `${refused}; ${wait === undefined ? "retry later" : `retry in ${Math.ceil(wait / 1000)} s`}`
      })
    }
    default: {
      // Its own words say whether a change may have been applied (upstream failures, timeouts, the audit trail).
      const uncertain = isMutation(ctx.operation) && /may have been|was applied/.test(what)
      return new HttpError({
        ...fields,
        reason: status >= 500 ? "server_error" : "unexpected_status",
        ...(uncertain ? { mayHaveBeenApplied: true } : {}),
        message:
          status >= 500
            ? `The proxy could not complete the ${ctx.operation} request${what.length > 0 ? `: ${what}` : ""} (${status} ${decision})${requestId(info)}`
            : refused
      })
    }
  }
}

/** Maps a non-2xx answer to the typed error a caller can act on; the body may be in either Voucherify shape, empty or HTML. */
export const errorFromResponse = (
  status: number,
  headers: Readonly<Record<string, string | undefined>>,
  bodyText: string,
  ctx: CallContext,
  now: number = Date.now()
): WebhooksError => {
  const info = parseErrorBody(bodyText)
  const decision = proxyDecisionOf(headers)
  if (decision !== undefined) return fromProxy(status, decision, headers, info, ctx, now)
  const fields = { status, ...info }
  const tail = `${said(info)}${requestId(info)}`
  switch (status) {
    case 400:
    case 413:
    case 422:
      return refusedPayload(status, info, `Voucherify rejected the ${ctx.operation} request (${status})${tail}`)
    case 401:
      return new AuthError({
        ...fields,
        reason: "unauthorized",
        message: `Voucherify did not accept the management credentials (401)${tail}; check VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN`
      })
    case 402:
      return new AuthError({
        ...fields,
        reason: "missing_required_feature",
        message: `The organisation's plan does not include the Management API (402 missing_required_feature)${tail}; it is an Enterprise feature`
      })
    case 403:
      return new AuthError({
        ...fields,
        reason: "forbidden",
        message: `Voucherify refused access to project ${ctx.projectId} (403)${tail}; if the project lives in another region, set VOUCHERIFY_CLUSTER or VOUCHERIFY_API_URL`
      })
    case 404: {
      const resource = missingResource(info, ctx)
      const what =
        resource === "webhook"
          ? `webhook ${ctx.webhookId ?? info.resource_id ?? ""} in project ${ctx.projectId}`
          : resource === "project"
            ? `project ${ctx.projectId}`
            : `project ${ctx.projectId} or webhook ${ctx.webhookId}`
      return new NotFoundError({ ...fields, resource, message: `No such ${what.replace(/ +/g, " ")} (404)${tail}` })
    }
    case 429: {
      const wait = retryAfterMs(headers, now)
      return new RateLimitError({
        ...fields,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
        message: `Voucherify rate limit reached (429)${tail}; ${
          wait === undefined ? "retry later" : `retry in ${Math.ceil(wait / 1000)} s`
        }`
      })
    }
    default: {
      // Neither a refusal nor a success: a change may have happened before the server failed.
      const uncertain = isMutation(ctx.operation)
      const failed =
        status >= 500
          ? `Voucherify failed to answer the ${ctx.operation} request (${status})${tail}`
          : `Unexpected HTTP ${status} from Voucherify for ${ctx.operation}${tail}`
      return new HttpError({
        ...fields,
        reason: status >= 500 ? "server_error" : "unexpected_status",
        ...(uncertain ? { mayHaveBeenApplied: true } : {}),
        message: uncertain
          ? `${failed}; ${mayHaveBeenAppliedAdvice(ctx)}`
          : status >= 500
            ? `${failed}; try again later`
            : failed
      })
    }
  }
}
