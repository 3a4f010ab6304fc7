/**
 * How a client tells an error vwh-proxy made itself from one Voucherify made: the proxy's own errors carry this
 * header (Voucherify never sends it), its value the error's key. Keys the proxy makes are its own too
 * (`proxy_…`, `upstream_…`); errors in Voucherify's framework shape (413, 415, 404 route…) have no key, so the
 * header names what was refused.
 */
export const proxyDecisionHeader = "x-vwh-proxy-decision"

/** Every key the proxy puts in an error it makes, with its status and what it means (the README's table). */
export const proxyErrorKeys = {
  proxy_unauthorized: {
    status: 401,
    meaning: "the client id or key is not one the proxy knows (the proxy's client keys, not Voucherify credentials)"
  },
  proxy_login_throttled: {
    status: 429,
    meaning: "too many failed logins from this address or for this client id; wait Retry-After"
  },
  proxy_rate_limited: { status: 429, meaning: "the client used up its rate limit; wait Retry-After" },
  proxy_scope_denied: {
    status: 403,
    meaning: "the client's projects or access (read/write) do not cover this request"
  },
  proxy_policy_violation: {
    status: 400,
    meaning: "the target_url or events break the proxy's policy (allowed hosts, schemes, private targets, events)"
  },
  proxy_audit_unavailable: {
    status: 500,
    meaning: "the audit record could not be written; the details say whether the change was made"
  },
  proxy_request_timeout: {
    status: 504,
    meaning: "the request did not complete within the proxy's limits.requestTimeoutMs; a change may have been applied"
  },
  upstream_unauthorized: {
    status: 502,
    meaning: "Voucherify refused the proxy's own credentials: the operator must fix them"
  },
  upstream_error: { status: 502, meaning: "Voucherify could not be reached, failed, or answered what it should not" },
  upstream_timeout: { status: 504, meaning: "Voucherify did not answer within upstream.timeoutMs" },
  body_too_large: { status: 413, meaning: "the body is over limits.maxBodyBytes" },
  body_timeout: { status: 408, meaning: "the body did not arrive within limits.requestTimeoutMs" },
  unsupported_media_type: { status: 415, meaning: "the body is not sent as application/json" },
  invalid_request: {
    status: 400,
    meaning: "the request failed the API's schema (or is not JSON) and was not forwarded"
  },
  no_such_route: { status: 404, meaning: "no endpoint of the API at this path (or 405: not with this method)" },
  internal_error: { status: 500, meaning: "a bug in the proxy; its log has a line with the request id" },
  shared_state_unavailable: {
    status: 503,
    meaning: "sharedState.onUnavailable is deny and Redis does not answer; retry after Retry-After"
  },
  not_ready: { status: 503, meaning: "/readyz: the upstream is unreachable or refuses the proxy's credentials" }
} as const satisfies Record<string, { readonly status: number; readonly meaning: string }>

export type ProxyErrorKey = keyof typeof proxyErrorKeys

/** The header value for an error the proxy made in Voucherify's framework shape, which has no key of its own. */
export const decisionForStatus = (status: number): ProxyErrorKey =>
  status === 413
    ? "body_too_large"
    : status === 408
      ? "body_timeout"
      : status === 415
        ? "unsupported_media_type"
        : status === 404 || status === 405
          ? "no_such_route"
          : status === 503
            ? "not_ready"
            : status >= 500
              ? "internal_error"
              : "invalid_request"

/** The proxy's decision on a response, when it made the error: the header's value, or undefined. */
export const proxyDecisionOf = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  const value = headers[proxyDecisionHeader]
  return value === undefined || value === "" ? undefined : value
}
