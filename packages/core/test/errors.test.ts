import { describe, expect, it } from "@effect/vitest"
import { parseErrorBody } from "../src/ApiErrors.js"
import { type CallContext, errorFromResponse } from "../src/ErrorFromResponse.js"
import { retryAfterMs } from "../src/RetryAfter.js"

const create: CallContext = { operation: "create", projectId: "proj_X" }
const get: CallContext = { operation: "get", projectId: "proj_X", webhookId: "wh_Y" }
const now = Date.parse("2026-01-01T00:00:00Z")

describe("parseErrorBody", () => {
  it("reads Voucherify's error object", () => {
    expect(
      parseErrorBody(
        '{"code":404,"key":"not_found","message":"Resource not found","details":"Cannot find webhook with id wh_1","request_id":"v-0ead","resource_id":"wh_1","resource_type":"webhook"}'
      )
    ).toEqual({
      code: 404,
      key: "not_found",
      message: "Resource not found",
      details: "Cannot find webhook with id wh_1",
      request_id: "v-0ead",
      resource_id: "wh_1",
      resource_type: "webhook"
    })
  })

  it("reads the framework shape {statusCode, error, message}", () => {
    expect(
      parseErrorBody('{"statusCode":400,"error":"Bad Request","message":"Invalid request payload JSON format"}')
    ).toEqual({ code: 400, key: "Bad Request", message: "Invalid request payload JSON format" })
  })

  it.each(["", "<html><body>502 Bad Gateway</body></html>", "null", "[1,2]", '{"unrelated":true}', "{"])(
    "gives an empty record for %j",
    (body) => {
      expect(parseErrorBody(body)).toEqual({})
    }
  )
})

describe("errorFromResponse", () => {
  it("400 in either shape is a server-side ValidationError with Voucherify's fields", () => {
    const invalid = errorFromResponse(
      400,
      {},
      '{"code":400,"key":"invalid_payload","message":"Invalid payload","details":"events[0] is not allowed","request_id":"v-1"}',
      create
    )
    expect(invalid).toMatchObject({
      _tag: "ValidationError",
      source: "server",
      key: "invalid_payload",
      request_id: "v-1",
      issues: [{ path: "", message: "events[0] is not allowed" }]
    })
    expect(invalid.message).toBe(
      "Voucherify rejected the create request (400): Invalid payload — events[0] is not allowed (request_id v-1)"
    )
    const malformed = errorFromResponse(
      400,
      {},
      '{"statusCode":400,"error":"Bad Request","message":"Invalid request payload JSON format"}',
      create
    )
    expect(malformed).toMatchObject({
      _tag: "ValidationError",
      code: 400,
      message: expect.stringContaining("JSON format")
    })
  })

  it("401, 402 and 403 are AuthErrors told apart by reason", () => {
    expect(errorFromResponse(401, {}, '{"code":401,"message":"Unauthorized","key":"unauthorized"}', get)).toMatchObject(
      {
        _tag: "AuthError",
        reason: "unauthorized",
        message: expect.stringContaining("VOUCHERIFY_MANAGEMENT_TOKEN")
      }
    )
    expect(
      errorFromResponse(
        402,
        {},
        '{"code":402,"message":"Payment required","details":"Your current plan does not include a feature required to perform this operation.","key":"missing_required_feature"}',
        get
      )
    ).toMatchObject({ _tag: "AuthError", reason: "missing_required_feature", key: "missing_required_feature" })
    expect(
      errorFromResponse(
        403,
        {},
        '{"code":403,"key":"forbidden","message":"Forbidden","details":"Project is bound to different region"}',
        get
      )
    ).toMatchObject({ _tag: "AuthError", reason: "forbidden", message: expect.stringContaining("VOUCHERIFY_CLUSTER") })
  })

  it("404 says which resource is missing", () => {
    const webhook = errorFromResponse(
      404,
      {},
      '{"code":404,"key":"not_found","message":"Resource not found","details":"Cannot find webhook with id wh_Y","request_id":"v-2","resource_id":"wh_Y","resource_type":"webhook"}',
      get
    )
    expect(webhook).toMatchObject({ _tag: "NotFoundError", resource: "webhook", request_id: "v-2" })
    expect(webhook.message).toContain("No such webhook wh_Y in project proj_X")
    const project = errorFromResponse(
      404,
      {},
      '{"code":404,"message":"Resource not found","details":"Cannot find project with id proj_X"}',
      get
    )
    expect(project).toMatchObject({ _tag: "NotFoundError", resource: "project" })
    // No body at all: for create/list only the project can be missing; for get it cannot be told.
    expect(errorFromResponse(404, {}, "", create)).toMatchObject({ resource: "project" })
    expect(errorFromResponse(404, {}, "<html>Not Found</html>", get)).toMatchObject({ resource: "unknown" })
  })

  it("429 carries when to retry", () => {
    expect(
      errorFromResponse(
        429,
        { "retry-after": "7" },
        '{"code":429,"message":"Too many requests hit the API too quickly."}',
        get,
        now
      )
    ).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 7000, message: expect.stringContaining("retry in 7 s") })
    expect(errorFromResponse(429, { "x-rate-limit-retry": String(now / 1000 + 30) }, "", get, now)).toMatchObject({
      retryAfterMs: 30_000
    })
    const unknown = errorFromResponse(429, {}, "", get, now)
    expect(unknown._tag).toBe("RateLimitError")
    expect(unknown).not.toHaveProperty("retryAfterMs")
  })

  it("5xx, unexpected statuses and HTML bodies are HttpErrors with the status", () => {
    expect(errorFromResponse(503, {}, "<html>Service Unavailable</html>", get)).toMatchObject({
      _tag: "HttpError",
      reason: "server_error",
      status: 503
    })
    expect(
      errorFromResponse(409, {}, '{"code":409,"key":"duplicate_found","message":"Duplicated"}', create)
    ).toMatchObject({
      _tag: "HttpError",
      reason: "unexpected_status",
      key: "duplicate_found"
    })
  })

  it("413 is a ValidationError", () => {
    expect(
      errorFromResponse(
        413,
        {},
        '{"statusCode":413,"error":"Request Entity Too Large","message":"Payload content length greater than maximum allowed: 10485760"}',
        create
      )
    ).toMatchObject({ _tag: "ValidationError", status: 413 })
  })
})

describe("retryAfterMs", () => {
  it("reads seconds, HTTP dates and X-Rate-Limit-Retry", () => {
    expect(retryAfterMs({ "retry-after": "2" }, now)).toBe(2000)
    expect(retryAfterMs({ "retry-after": "1.5" }, now)).toBe(1500)
    expect(retryAfterMs({ "retry-after": new Date(now + 10_000).toUTCString() }, now)).toBe(10_000)
    expect(retryAfterMs({ "x-rate-limit-retry": String(now / 1000 + 5) }, now)).toBe(5000)
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined()
    expect(retryAfterMs({}, now)).toBeUndefined()
  })
})

describe("errorFromResponse: errors vwh-proxy made itself (x-vwh-proxy-decision)", () => {
  const marked = (key: string) => ({ "x-vwh-proxy-decision": key })
  const create: CallContext = { operation: "create", projectId: "proj_a" }
  it("a proxy 403 is the proxy refusing, with no cluster hint; the same 403 unmarked keeps Voucherify's wording", () => {
    const body =
      '{"code":403,"key":"proxy_scope_denied","message":"Forbidden","details":"client ci may not write project proj_a","request_id":"v-9"}'
    const proxy = errorFromResponse(403, marked("proxy_scope_denied"), body, create)
    expect(proxy).toMatchObject({ _tag: "AuthError", reason: "forbidden", status: 403 })
    expect(proxy.message).toBe(
      "The proxy refused: client ci may not write project proj_a (403 proxy_scope_denied) (request_id v-9)"
    )
    const voucherify = errorFromResponse(403, {}, body, create)
    expect(voucherify.message).toContain("VOUCHERIFY_CLUSTER")
    expect(voucherify.message).not.toContain("The proxy")
  })
  it("each status keeps its typed error, worded as the proxy's", () => {
    const auth = errorFromResponse(401, marked("proxy_unauthorized"), '{"code":401,"key":"proxy_unauthorized"}', create)
    expect(auth).toMatchObject({ _tag: "AuthError", reason: "unauthorized" })
    expect(auth.message).toContain("The proxy refused the client id or key (401 proxy_unauthorized)")
    const limited = errorFromResponse(
      429,
      { ...marked("proxy_rate_limited"), "retry-after": "7" },
      '{"code":429,"key":"proxy_rate_limited","message":"Too many requests","details":"client ci exceeded its rate limit; retry in 7 s"}',
      create
    )
    expect(limited).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 7000 })
    expect(limited.message).toMatch(
      /^The proxy refused: client ci exceeded its rate limit; retry in 7 s \(429 proxy_rate_limited\)/
    )
    const large = errorFromResponse(
      413,
      marked("body_too_large"),
      '{"statusCode":413,"error":"Request Entity Too Large","message":"Payload content length greater than maximum allowed: 10"}',
      create
    )
    expect(large).toMatchObject({ _tag: "ValidationError" })
    expect(large.message).toBe(
      "The proxy refused: Payload content length greater than maximum allowed: 10 (413 body_too_large)"
    )
    const upstream = errorFromResponse(
      502,
      marked("upstream_unauthorized"),
      '{"code":502,"key":"upstream_unauthorized","message":"Bad gateway","details":"the proxy\'s upstream credentials were rejected"}',
      create
    )
    expect(upstream).toMatchObject({ _tag: "HttpError", reason: "server_error" })
    expect(upstream.message).toBe(
      "The proxy could not complete the create request: the proxy's upstream credentials were rejected (502 upstream_unauthorized)"
    )
    expect((upstream as { mayHaveBeenApplied?: boolean }).mayHaveBeenApplied).toBeUndefined()
    const timeout = errorFromResponse(
      504,
      marked("proxy_request_timeout"),
      '{"code":504,"key":"proxy_request_timeout","details":"the request did not complete within 300 ms; the webhook may have been created anyway: check with `vwh webhooks list --project proj_a`"}',
      create
    )
    expect(timeout).toMatchObject({ _tag: "HttpError", mayHaveBeenApplied: true })
  })
})
