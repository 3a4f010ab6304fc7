import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  auth,
  baseConfig,
  call,
  keys,
  memoryAudit,
  startFakeUpstream,
  startProxy,
  startSandbox,
  webhookBody
} from "./helpers.js"

const collection = (p: string) => `/management/v1/projects/${p}/webhooks`

describe("proxy over the sandbox", () => {
  let sb: Awaited<ReturnType<typeof startSandbox>>
  let proxy: Awaited<ReturnType<typeof startProxy>>
  const audit = memoryAudit()
  const responses: Array<string> = []
  const req = async (...args: Parameters<typeof call> extends [string, ...infer R] ? R : never) => {
    const r = await call(proxy.url, ...args)
    responses.push(r.text, JSON.stringify([...r.headers]))
    return r
  }

  beforeAll(async () => {
    sb = await startSandbox()
    proxy = await startProxy({ upstream: sb.upstream, audit: audit.layer })
  })
  afterAll(async () => {
    await proxy.close()
    await sb.close()
  })
  const reset = () => sb.run(sb.sandbox.reset)

  it("serves the five operations at Voucherify's statuses and shapes", async () => {
    const created = await req("POST", collection("proj_a"), auth("writer"), webhookBody())
    expect(created.status).toBe(200)
    expect(created.json).toMatchObject({ object: "webhook", target_url: "https://hooks.example.com/voucherify" })
    const id = created.json.id as string
    expect((await req("GET", collection("proj_a"), auth("reader"))).json).toMatchObject({ object: "list", total: 1 })
    expect((await req("GET", `${collection("proj_a")}/${id}`, auth("reader"))).json).toMatchObject({ id })
    const updated = await req("PUT", `${collection("proj_a")}/${id}`, auth("writer"), webhookBody({ active: false }))
    expect(updated.json).toMatchObject({ id, active: false })
    const deleted = await req("DELETE", `${collection("proj_a")}/${id}`, auth("writer"))
    expect(deleted.status).toBe(204)
    expect(deleted.text).toBe("")
    expect(deleted.headers.get("x-request-id")).toMatch(/^v-[0-9a-f]{18}$/)
  })

  describe("client auth", () => {
    it.each([
      ["no headers", {}],
      ["no token", { "x-management-id": "reader" }],
      ["wrong token", { "x-management-id": "reader", "x-management-token": "vwhk_wrong" }],
      ["another client's key", { "x-management-id": "reader", "x-management-token": keys.writer }],
      ["unknown client", { "x-management-id": "nobody", "x-management-token": keys.reader }],
      ["the upstream's own credentials", {}]
    ])("%s → Voucherify's 401", async (name, headers) => {
      const h =
        name === "the upstream's own credentials"
          ? {
              "x-management-id": sb.credentials.managementId,
              "x-management-token": Redacted.value(
                (await sb.run(Effect.succeed(sb.sandbox.credentials))).managementToken
              )
            }
          : headers
      const r = await req("GET", collection("proj_a"), h)
      expect(r.status).toBe(401)
      expect(r.json).toMatchObject({ code: 401, key: "proxy_unauthorized", message: "Unauthorized" })
      expect(r.headers.get("x-vwh-proxy-decision")).toBe("proxy_unauthorized")
      expect(r.json.request_id).toBe(r.headers.get("x-request-id"))
    })
  })

  describe("scopes", () => {
    it("a read-only client may not write", async () => {
      const r = await req("POST", collection("proj_a"), auth("reader"), webhookBody())
      expect(r.status).toBe(403)
      expect(r.json).toMatchObject({
        code: 403,
        key: "proxy_scope_denied",
        details: expect.stringContaining("client reader may not write project proj_a")
      })
    })
    it("a client may not touch a project outside its list, read or write", async () => {
      const w = await req("POST", collection("proj_b"), auth("writer"), webhookBody())
      expect(w.status).toBe(403)
      expect(w.json.details).toBe("client ci-bot may not write project proj_b")
      const r = await req("GET", collection("proj_b"), auth("reader"))
      expect(r.status).toBe(403)
      expect(r.json.details).toBe("client reader may not read project proj_b")
      const d = await req("DELETE", `${collection("proj_b")}/wh_x`, auth("writer"))
      expect(d.status).toBe(403)
    })
    it('"*" covers every project', async () => {
      expect((await req("GET", collection("proj_b"), auth("admin"))).status).toBe(200)
    })
  })

  describe("policy on create and update", () => {
    const bad: Array<[string, string]> = [
      ["http://hooks.example.com/x", "must use https, not http"],
      ["https://10.1.2.3/x", "private"],
      ["https://127.0.0.1/x", "private"],
      ["https://2130706433/x", "private"],
      ["https://169.254.169.254/latest", "private"],
      ["https://192.168.1.10/x", "private"],
      ["https://[::1]/x", "private"],
      ["https://[fe80::1]/x", "private"],
      ["https://[fd00::5]/x", "private"],
      ["https://[::ffff:10.0.0.1]/x", "private"],
      ["https://8.8.8.8/x", "not an IP address"],
      ["https://[2606:4700::1111]/x", "not an IP address"],
      ["https://localhost/x", "localhost"],
      ["https://api.localhost/x", "localhost"]
    ]
    it.each(bad)("refuses %s", async (url, why) => {
      const r = await req("POST", collection("proj_a"), auth("writer"), webhookBody({ target_url: url }))
      expect(r.status).toBe(400)
      expect(r.json).toMatchObject({ code: 400, key: "proxy_policy_violation", message: "Invalid payload" })
      expect(r.headers.get("x-vwh-proxy-decision")).toBe("proxy_policy_violation")
      expect(r.json.details).toContain("target_url: ")
      expect(r.json.details).toContain(why)
      expect(typeof r.json.request_id).toBe("string")
    })
    it("refuses a field it does not know (a misspelt active), naming it, before anything goes upstream", async () => {
      const before = await sb.run(sb.sandbox.requests)
      const r = await req("POST", collection("proj_a"), auth("writer"), { ...webhookBody(), actvie: false })
      expect(r.status).toBe(400)
      expect(r.json).toMatchObject({ code: 400, key: "invalid_payload" })
      expect(r.json.details).toContain("actvie")
      expect(await sb.run(sb.sandbox.requests)).toBe(before)
    })
    it("refuses unknown events, naming each field, on update too", async () => {
      const r = await req(
        "PUT",
        `${collection("proj_a")}/wh_aaaaaaaaaaaaaaaaaaaaaaaa`,
        auth("writer"),
        webhookBody({
          target_url: "http://x.test/",
          events: ["redemption.succeeded", "voucher.nope", "redemption.succeded"]
        })
      )
      expect(r.status).toBe(400)
      expect(r.json.details).toContain("target_url: must use https")
      expect(r.json.details).toContain('events.1: unknown event "voucher.nope"')
      expect(r.json.details).toContain(
        'events.2: unknown event "redemption.succeded" (did you mean "redemption.succeeded"?)'
      )
    })
    it("refuses a host outside allowedHosts; allows unknown events and private targets when configured", async () => {
      const fake = await startFakeUpstream(() => ({
        status: 200,
        body: {
          id: "wh_x",
          object: "webhook",
          created_at: new Date().toISOString(),
          target_url: "u",
          events: ["a.b"],
          active: true
        }
      }))
      const p = await startProxy({
        upstream: fake.upstream,
        config: baseConfig({
          policy: {
            allowedHosts: ["*.example.com"],
            allowUnknownEvents: true,
            allowPrivateTargets: true,
            schemes: ["https", "http"]
          }
        })
      })
      try {
        const create = (body: ReturnType<typeof webhookBody>) =>
          call(p.url, "POST", collection("proj_a"), auth("writer"), body)
        const outside = await create(webhookBody({ target_url: "https://example.org/x" }))
        expect(outside.status).toBe(400)
        expect(outside.json.details).toContain("host example.org is not allowed")
        const apex = await create(webhookBody({ target_url: "https://example.com/x" }))
        expect(apex.status).toBe(400)
        expect(fake.seen).toHaveLength(0)
        const ok = await create(webhookBody({ target_url: "http://a.example.com/x", events: ["brand.new_event"] }))
        expect(ok.status).toBe(200)
        expect(fake.seen).toHaveLength(1)
      } finally {
        await p.close()
        await fake.close()
      }
    })
    it("schema failures keep core's invalid_payload shape and malformed JSON Voucherify's framework body", async () => {
      const r = await req("POST", collection("proj_a"), auth("writer"), { target_url: 5, events: [] })
      expect(r.status).toBe(400)
      expect(r.json).toMatchObject({ code: 400, key: "invalid_payload" })
      const j = await req("POST", collection("proj_a"), auth("writer"), '{"target_url":')
      expect(j.json).toEqual({ statusCode: 400, error: "Bad Request", message: "Invalid request payload JSON format" })
    })
    it("a body over the limit is 413", async () => {
      const r = await req(
        "POST",
        collection("proj_a"),
        auth("writer"),
        webhookBody({ target_url: `https://a.example.com/${"x".repeat(20_000)}` })
      )
      expect(r.status).toBe(413)
    })
  })

  describe("upstream errors, mapped in one place", () => {
    it("plan without the Management API → 402", async () => {
      await sb.run(sb.sandbox.setPlan({ managementApi: false }))
      const r = await req("GET", collection("proj_a"), auth("reader"))
      await reset()
      expect(r.status).toBe(402)
      expect(r.json).toMatchObject({ code: 402, key: "missing_required_feature" })
    })
    it("upstream rate limit → 429 with Retry-After", async () => {
      await sb.run(sb.sandbox.setRateLimit({ limit: 1, windowMs: 60_000 }))
      await req("GET", collection("proj_a"), auth("admin"))
      const r = await req("GET", collection("proj_a"), auth("admin"))
      await reset()
      expect(r.status).toBe(429)
      expect(r.json).toMatchObject({ code: 429, key: "too_many_requests" })
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    })
    it("upstream 500 → 502; dropped connection → 502", async () => {
      await sb.run(sb.sandbox.setFaults({ errorRate: 1 }))
      const e = await req("GET", collection("proj_a"), auth("admin"))
      await reset()
      expect(e.status).toBe(502)
      expect(e.json).toMatchObject({ code: 502, key: "upstream_error" })
      await sb.run(sb.sandbox.setFaults({ dropRate: 1 }))
      const d = await req("GET", collection("proj_a"), auth("admin"))
      await reset()
      expect(d.status).toBe(502)
    })
    it("a slow upstream → 504", async () => {
      await sb.run(sb.sandbox.setFaults({ latencyMs: 2_000 }))
      const r = await req("GET", collection("proj_a"), auth("admin"))
      await reset()
      expect(r.status).toBe(504)
      expect(r.json).toMatchObject({ code: 504, key: "upstream_timeout" })
    })
    it("404 keeps which resource is missing", async () => {
      const w = await req("GET", `${collection("proj_a")}/wh_aaaaaaaaaaaaaaaaaaaaaaaa`, auth("admin"))
      expect(w.status).toBe(404)
      expect(w.json).toMatchObject({ code: 404, key: "not_found", resource_type: "webhook" })
      const p = await req("GET", collection("proj_missing"), auth("admin"))
      expect(p.status).toBe(404)
      expect(p.json).toMatchObject({ code: 404, resource_type: "project" })
    })
  })

  it("per-client rate limit → 429 with Retry-After in Voucherify's shape", async () => {
    const statuses: Array<number> = []
    let last: Awaited<ReturnType<typeof req>> | undefined
    for (let i = 0; i < 3; i++) {
      last = await req("GET", collection("proj_a"), auth("limited"))
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 429])
    expect(last!.json).toMatchObject({
      code: 429,
      key: "proxy_rate_limited",
      details: expect.stringContaining("client limited")
    })
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(1)
  })

  it("audits every mutation: attempt before forwarding, outcome after, denied ones too", async () => {
    audit.records.length = 0
    const created = await req("POST", collection("proj_a"), auth("writer"), webhookBody())
    const id = created.json.id as string
    await req("PUT", `${collection("proj_a")}/${id}`, auth("writer"), webhookBody())
    await req("DELETE", `${collection("proj_a")}/${id}`, auth("writer"))
    await req("DELETE", `${collection("proj_a")}/${id}`, auth("writer")) // already gone: 404
    await req("POST", collection("proj_b"), auth("writer"), webhookBody()) // scope: denied
    await req("GET", collection("proj_a"), auth("writer")) // reads are not audited
    const summary = audit.records.map((r) => [r.operation, r.phase, r.status ?? null, r.client, r.project])
    expect(summary).toEqual([
      ["create", "attempt", null, "ci-bot", "proj_a"],
      ["create", "outcome", 200, "ci-bot", "proj_a"],
      ["update", "attempt", null, "ci-bot", "proj_a"],
      ["update", "outcome", 200, "ci-bot", "proj_a"],
      ["delete", "attempt", null, "ci-bot", "proj_a"],
      ["delete", "outcome", 204, "ci-bot", "proj_a"],
      ["delete", "attempt", null, "ci-bot", "proj_a"],
      ["delete", "outcome", 404, "ci-bot", "proj_a"],
      ["create", "denied", 403, "ci-bot", "proj_b"]
    ])
    expect(audit.records[1]).toMatchObject({ webhook_id: id, outcome: "ok", target_host: "hooks.example.com" })
    for (const r of audit.records) {
      expect(r.request_id).toMatch(/^v-/)
      expect(Number.isNaN(Date.parse(r.time as string))).toBe(false)
      expect(JSON.stringify(r)).not.toContain("/voucherify") // the target's path may be a secret
    }
  })

  it("operations endpoints", async () => {
    expect((await req("GET", "/healthz", {})).json).toEqual({ status: "ok" })
    const ready = await req("GET", "/readyz", {})
    expect(ready.status).toBe(200)
    const metrics = await req("GET", "/metrics", {})
    expect(metrics.text).toMatch(/vwh_proxy_requests_total\{operation="create",status="200"\} \d+/)
    expect(metrics.text).toMatch(/vwh_proxy_upstream_duration_seconds_bucket\{operation="list",le="\+Inf"\} \d+/)
    const spec = await req("GET", "/openapi.json", {})
    expect(Object.keys(spec.json.paths as object)).toContain("/management/v1/projects/{projectId}/webhooks")
    const docs = await req("GET", "/docs", {})
    expect(docs.status).toBe(200)
    expect(docs.text).not.toMatch(/<script[^>]+src=["']https?:/)
  })

  it("writes one access-log line per request: id, method, path without its query, operation, status, client", async () => {
    const before = proxy.logs.length
    const ok = await req("GET", `${collection("proj_a")}?note=hello`, auth("reader"))
    const stranger = await req("GET", collection("proj_a"), {
      "x-management-id": "vwhk_pasted_into_the_wrong_header",
      "x-management-token": "nope"
    })
    expect([ok.status, stranger.status]).toEqual([200, 401])
    const lines = proxy.logs
      .slice(before)
      .map((l) => JSON.parse(l))
      .filter((l) => l.message === "request")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({
      logLevel: "INFO",
      annotations: {
        request_id: ok.headers.get("x-request-id"),
        method: "GET",
        path: collection("proj_a"),
        operation: "list",
        status: 200,
        client: "reader"
      }
    })
    expect(Number.isNaN(Date.parse(lines[0].timestamp))).toBe(false)
    expect(typeof lines[0].annotations.duration_ms).toBe("number")
    // An id no client has is not logged: it may be a key pasted into the wrong header.
    expect(lines[1].annotations).toMatchObject({ status: 401, request_id: stranger.headers.get("x-request-id") })
    expect(lines[1].annotations).not.toHaveProperty("client")
    expect(JSON.stringify(lines)).not.toContain("hello")
    expect(JSON.stringify(lines)).not.toContain("vwhk_pasted")
  })

  it("no secret ever appears in a response or a log line", () => {
    const everything = [...responses, ...proxy.logs, ...audit.records.map((r) => JSON.stringify(r))].join("\n")
    expect(proxy.logs.length).toBeGreaterThan(10)
    for (const secret of [...Object.values(keys), Redacted.value(sb.credentials.managementToken)]) {
      expect(secret.length).toBeGreaterThan(20)
      expect(everything).not.toContain(secret)
    }
  })
})

describe("proxy over a scripted upstream", () => {
  it("upstream 401 is the proxy's misconfiguration → 502; 403 → 403; 5xx → 502; hang → 504", async () => {
    let next: { status: number; body?: unknown } | "hang" = {
      status: 401,
      body: { code: 401, key: "unauthorized", message: "Unauthorized" }
    }
    const fake = await startFakeUpstream(() => next)
    const p = await startProxy({ upstream: fake.upstream })
    try {
      const r401 = await call(p.url, "GET", collection("proj_a"), auth("admin"))
      expect(r401.status).toBe(502)
      expect(r401.json).toMatchObject({ code: 502, key: "upstream_unauthorized" })
      expect(r401.json.details).toContain("VOUCHERIFY_MANAGEMENT_TOKEN")
      next = { status: 403, body: { code: 403, key: "forbidden", message: "Forbidden" } }
      expect((await call(p.url, "GET", collection("proj_a"), auth("admin"))).status).toBe(403)
      next = { status: 503, body: "<html>down</html>" }
      expect((await call(p.url, "GET", collection("proj_a"), auth("admin"))).status).toBe(502)
      next = { status: 200, body: { not: "a list" } }
      expect((await call(p.url, "GET", collection("proj_a"), auth("admin"))).status).toBe(502)
      next = "hang"
      const slow = await call(p.url, "GET", collection("proj_a"), auth("admin"))
      expect(slow.status).toBe(504)
      // The upstream got the proxy's credentials, never the client's.
      for (const s of fake.seen) {
        expect(s.headers["x-management-id"]).toBe("fake-upstream")
        expect(s.headers["x-management-token"]).toBe(fake.token)
      }
      expect(JSON.stringify([r401.json, slow.json, p.logs])).not.toContain(fake.token)
    } finally {
      await p.close()
      await fake.close()
    }
  })

  it("passes on fields the upstream adds that this release does not know (reads and writes)", async () => {
    const later = {
      id: "wh_aaaaaaaaaaaaaaaaaaaaaaaa",
      object: "webhook",
      created_at: "2026-11-28T04:00:00.000Z",
      target_url: "https://hooks.example.com/voucherify",
      events: ["redemption.succeeded"],
      active: true,
      description: "a field from a later API version"
    }
    const fake = await startFakeUpstream((req) =>
      req.method === "GET"
        ? { status: 200, body: { object: "list", data_ref: "data", data: [later], total: 1, has_more: false } }
        : { status: 200, body: later }
    )
    const p = await startProxy({ upstream: fake.upstream })
    try {
      const list = await call(p.url, "GET", collection("proj_a"), auth("admin"))
      expect(list.status).toBe(200)
      expect(list.json).toEqual({ object: "list", data_ref: "data", data: [later], total: 1, has_more: false })
      const created = await call(p.url, "POST", collection("proj_a"), auth("admin"), webhookBody())
      expect(created.status).toBe(200)
      expect(created.json).toEqual(later)
    } finally {
      await p.close()
      await fake.close()
    }
  })

  it("when the audit record cannot be written the request fails with 500 and nothing goes upstream", async () => {
    const fake = await startFakeUpstream(() => ({ status: 200, body: {} }))
    const p = await startProxy({ upstream: fake.upstream, audit: memoryAudit({ fail: true }).layer })
    try {
      const r = await call(p.url, "POST", collection("proj_a"), auth("writer"), webhookBody())
      expect(r.status).toBe(500)
      expect(r.json).toMatchObject({ code: 500, key: "proxy_audit_unavailable" })
      const d = await call(p.url, "DELETE", `${collection("proj_a")}/wh_aaaaaaaaaaaaaaaaaaaaaaaa`, auth("writer"))
      expect(d.status).toBe(500)
      expect(fake.seen).toHaveLength(0)
      // Reads are not audited and still work.
      expect((await call(p.url, "GET", collection("proj_a"), auth("reader"))).status).toBe(502)
      expect(fake.seen).toHaveLength(1)
    } finally {
      await p.close()
      await fake.close()
    }
  })

  it("a file audit sink that fails mid-run (/dev/full) fails the request", async () => {
    const { Audit } = await import("../src/Audit.js")
    const fake = await startFakeUpstream(() => ({ status: 200, body: {} }))
    const p = await startProxy({ upstream: fake.upstream, audit: Audit.layer("/dev/full") })
    try {
      const r = await call(p.url, "POST", collection("proj_a"), auth("writer"), webhookBody())
      expect(r.status).toBe(500)
      expect(fake.seen).toHaveLength(0)
    } finally {
      await p.close()
      await fake.close()
    }
  })

  it("the request timeout answers 504 in Voucherify's shape", async () => {
    const fake = await startFakeUpstream(() => "hang")
    const p = await startProxy({
      upstream: fake.upstream,
      config: baseConfig({ upstream: { timeoutMs: 10_000, maxRetries: 0 }, limits: { requestTimeoutMs: 300 } })
    })
    try {
      const r = await call(p.url, "GET", collection("proj_a"), auth("admin"))
      expect(r.status).toBe(504)
      expect(r.json).toMatchObject({ code: 504, key: "proxy_request_timeout" })
    } finally {
      await p.close()
      await fake.close()
    }
  })

  it("readyz is 503 when the upstream does not answer", async () => {
    const fake = await startFakeUpstream(() => "hang")
    const p = await startProxy({ upstream: fake.upstream })
    try {
      const r = await call(p.url, "GET", "/readyz", {})
      expect(r.status).toBe(503)
    } finally {
      await p.close()
      await fake.close()
    }
  })
})
