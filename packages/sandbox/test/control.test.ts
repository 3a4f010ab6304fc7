import * as Effect from "effect/Effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { limits } from "../src/State.js"
import { type TestSandbox as Started, startTestSandbox as start } from "../src/testing.js"

const base = "/management/v1/projects/proj_sandbox/webhooks"
const body = { target_url: "https://example.com/hook", events: ["redemption.succeeded"] }

let s: Started
beforeAll(async () => {
  s = await start({ projects: ["proj_extra"] })
})
afterAll(() => s.close())
beforeEach(() => s.run(s.sandbox.reset))

describe("control API", () => {
  it("is behind the management credentials", async () => {
    for (const [method, path] of [
      ["GET", "/sandbox/projects"],
      ["POST", "/sandbox/reset"],
      ["GET", "/sandbox/deliveries"],
      ["GET", "/sandbox/projects/proj_sandbox/secret"]
    ] as const) {
      const res = await s.call(method, path, { auth: { ...s.auth, "x-management-token": "wrong" } })
      expect(res.status).toBe(401)
      expect(res.json()).toMatchObject({ code: 401, key: "unauthorized", message: "Unauthorized" })
    }
  })

  it("seeds a webhook under a chosen id (for contract provider states), once", async () => {
    const seeded = await s.run(
      s.sandbox.seedWebhook("proj_sandbox", { id: "wh_SEEDED000000000000000001", ...body, active: false })
    )
    expect(seeded.id).toBe("wh_SEEDED000000000000000001")
    const got = await s.call("GET", `${base}/wh_SEEDED000000000000000001`)
    expect(got.status).toBe(200)
    expect(got.json()).toMatchObject({ id: "wh_SEEDED000000000000000001", active: false, ...body })
    const again = await s.run(
      Effect.either(s.sandbox.seedWebhook("proj_sandbox", { id: "wh_SEEDED000000000000000001", ...body, active: true }))
    )
    expect(again._tag).toBe("Left")
    const bad = await s.run(
      Effect.either(s.sandbox.seedWebhook("proj_sandbox", { id: "hook-1", ...body, active: true }))
    )
    expect(bad._tag).toBe("Left")
  })

  it("lists the initial projects, proj_sandbox always among them, and adds projects idempotently", async () => {
    const list = (await s.call("GET", "/sandbox/projects")).json() as { data: Array<{ id: string }>; total: number }
    expect(list.data.map((p) => p.id)).toEqual(["proj_sandbox", "proj_extra"])
    const added = await s.call("POST", "/sandbox/projects", { body: { id: "proj_new1" } })
    expect(added.status).toBe(200)
    expect(added.json()).toMatchObject({ id: "proj_new1", webhooks: 0 })
    expect((await s.call("POST", "/sandbox/projects", { body: { id: "proj_new1" } })).status).toBe(200)
    const after = (await s.call("GET", "/sandbox/projects")).json() as { total: number }
    expect(after.total).toBe(3)
    expect((await s.call("GET", "/management/v1/projects/proj_new1/webhooks")).status).toBe(200)
  })

  it("refuses a malformed project id and a malformed body in Voucherify's shapes", async () => {
    const bad = await s.call("POST", "/sandbox/projects", { body: { id: "nope" } })
    expect(bad.status).toBe(400)
    expect(bad.json()).toMatchObject({ code: 400, key: "invalid_payload" })
    const malformed = await s.call("POST", "/sandbox/projects", { raw: "{" })
    expect(malformed.status).toBe(400)
    expect(malformed.json()).toEqual({
      statusCode: 400,
      error: "Bad Request",
      message: "Invalid request payload JSON format"
    })
    const extra = await s.call("PUT", "/sandbox/plan", { body: { managementApi: true, other: 1 } })
    expect(extra.status).toBe(400)
    expect((extra.json() as { details: string }).details).toContain("other")
  })

  it("answers each project's secret, distinct per project and stable across reset", async () => {
    const a = (await s.call("GET", "/sandbox/projects/proj_sandbox/secret")).json() as { secret: string }
    const b = (await s.call("GET", "/sandbox/projects/proj_extra/secret")).json() as { secret: string }
    expect(a.secret).toMatch(/^whsec_[0-9a-f]{32}$/)
    expect(a.secret).not.toBe(b.secret)
    await s.call("POST", "/sandbox/reset")
    expect((await s.call("GET", "/sandbox/projects/proj_sandbox/secret")).json()).toEqual({
      project_id: "proj_sandbox",
      secret: a.secret
    })
    const missing = await s.call("GET", "/sandbox/projects/proj_nope/secret")
    expect(missing.status).toBe(404)
    expect(missing.json()).toMatchObject({
      code: 404,
      key: "not_found",
      details: "Cannot find project with id proj_nope"
    })
  })

  it("reset forgets webhooks, added projects, deliveries and settings", async () => {
    await s.call("POST", base, { body })
    await s.call("POST", "/sandbox/projects", { body: { id: "proj_gone" } })
    await s.call("PUT", "/sandbox/plan", { body: { managementApi: false } })
    await s.call("PUT", "/sandbox/rate-limit", { body: { limit: 5, windowMs: 1000 } })
    await s.call("POST", "/sandbox/events", { body: { projectId: "proj_sandbox", type: "redemption.succeeded" } })
    expect((await s.call("GET", "/sandbox/deliveries")).json()).toMatchObject({ total: 1 })
    const reset = await s.call("POST", "/sandbox/reset")
    expect(reset.status).toBe(204)
    expect((await s.call("GET", base)).json()).toMatchObject({ total: 0 })
    expect((await s.call("GET", "/sandbox/projects")).json()).toMatchObject({ total: 2 })
    expect((await s.call("GET", "/sandbox/deliveries")).json()).toMatchObject({ total: 0 })
    expect((await s.call("GET", "/sandbox/settings")).json()).toEqual({
      rateLimit: { limit: 2000, windowMs: 60000 },
      plan: { managementApi: true },
      faults: { latencyMs: 0, errorRate: 0, dropRate: 0, malformedRate: 0 }
    })
  })

  it("raises events: 200 with the event and one delivery per subscribed webhook; unknown names refused", async () => {
    const w = (
      await s.call("POST", base, { body: { ...body, target_url: "http://127.0.0.1:9/unreachable" } })
    ).json() as {
      id: string
    }
    const res = await s.call("POST", "/sandbox/events", {
      body: { projectId: "proj_sandbox", type: "redemption.succeeded", data: { id: "r_1" } }
    })
    expect(res.status).toBe(200)
    const raised = res.json() as { event: Record<string, string>; deliveries: Array<Record<string, string>> }
    expect(raised.event).toMatchObject({ type: "redemption.succeeded", project_id: "proj_sandbox" })
    expect(raised.deliveries).toEqual([
      { id: expect.stringMatching(/^whs_/), webhook_id: w.id, target_url: "http://127.0.0.1:9/unreachable" }
    ])
    const unknown = await s.call("POST", "/sandbox/events", {
      body: { projectId: "proj_sandbox", type: "redemption.succeded" }
    })
    expect(unknown.status).toBe(400)
    expect((unknown.json() as { details: string }).details).toContain('did you mean "redemption.succeeded"')
    const noProject = await s.call("POST", "/sandbox/events", {
      body: { projectId: "proj_x", type: "voucher.created" }
    })
    expect(noProject.status).toBe(404)
  })

  it("lists deliveries, filtered by ?projectId", async () => {
    await s.call("POST", base, { body: { ...body, target_url: "http://127.0.0.1:9/a" } })
    await s.call("POST", "/management/v1/projects/proj_extra/webhooks", {
      body: { ...body, target_url: "http://127.0.0.1:9/b" }
    })
    await s.call("POST", "/sandbox/events", { body: { projectId: "proj_sandbox", type: "redemption.succeeded" } })
    await s.call("POST", "/sandbox/events", { body: { projectId: "proj_extra", type: "redemption.succeeded" } })
    const all = (await s.call("GET", "/sandbox/deliveries")).json() as { total: number }
    expect(all.total).toBe(2)
    const one = (await s.call("GET", "/sandbox/deliveries?projectId=proj_extra")).json() as {
      data: Array<{ id: string; project_id: string; target_url: string; payload: { id: string } }>
    }
    expect(one.data).toHaveLength(1)
    expect(one.data[0]).toMatchObject({ project_id: "proj_extra", target_url: "http://127.0.0.1:9/b" })
    const byId = (await s.call("GET", `/sandbox/deliveries?id=${one.data[0]!.id}&id=whs_none`)).json() as {
      data: Array<{ id: string }>
    }
    expect(byId.data.map((d) => d.id)).toEqual([one.data[0]!.id])
  })
})

describe("rate limit", () => {
  it("429 with Retry-After, X-Rate-Limit-Retry and the documented body once exceeded; recovers after the window", async () => {
    const set = await s.call("PUT", "/sandbox/rate-limit", { body: { limit: 2, windowMs: 1000 } })
    expect(set.status).toBe(200)
    const first = await s.call("GET", base)
    expect(first.status).toBe(200)
    expect(first.headers.get("x-rate-limit-limit")).toBe("2")
    expect(first.headers.get("x-rate-limit-remaining")).toBe("1")
    expect((await s.call("GET", base)).headers.get("x-rate-limit-remaining")).toBe("0")
    const limited = await s.call("GET", base)
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toBe("1")
    expect(limited.headers.get("x-rate-limit-remaining")).toBe("0")
    const retryAt = Number(limited.headers.get("x-rate-limit-retry"))
    expect(retryAt * 1000).toBeGreaterThan(Date.now() - 1000)
    expect(retryAt * 1000).toBeLessThanOrEqual(Date.now() + 2000)
    const b = limited.json() as Record<string, unknown>
    expect(b).toMatchObject({ code: 429, message: "Too many requests hit the API too quickly." })
    expect(b.request_id).toBe(limited.headers.get("x-request-id"))
    // Writes are limited too, and the control API is not.
    expect((await s.call("POST", base, { body })).status).toBe(429)
    expect((await s.call("GET", "/sandbox/settings")).status).toBe(200)
    await new Promise((r) => setTimeout(r, 1050))
    expect((await s.call("GET", base)).status).toBe(200)
  })

  it("limit 0 turns limiting off", async () => {
    await s.call("PUT", "/sandbox/rate-limit", { body: { limit: 0, windowMs: 1000 } })
    for (let i = 0; i < 30; i++) expect((await s.call("GET", base)).status).toBe(200)
    expect((await s.call("GET", base)).headers.get("x-rate-limit-limit")).toBe("2147483647")
  })

  it("refuses nonsense settings", async () => {
    expect((await s.call("PUT", "/sandbox/rate-limit", { body: { limit: -1, windowMs: 1000 } })).status).toBe(400)
    expect((await s.call("PUT", "/sandbox/rate-limit", { body: { limit: 1, windowMs: 0 } })).status).toBe(400)
    expect((await s.call("PUT", "/sandbox/rate-limit", { body: { limit: 1.5, windowMs: 10 } })).status).toBe(400)
  })
})

describe("plan", () => {
  it("402 missing_required_feature for every operation once switched off — after authentication", async () => {
    const created = (await s.call("POST", base, { body })).json() as { id: string }
    await s.call("PUT", "/sandbox/plan", { body: { managementApi: false } })
    for (const [method, path, payload] of [
      ["POST", base, body],
      ["GET", base],
      ["GET", `${base}/${created.id}`],
      ["PUT", `${base}/${created.id}`, body],
      ["DELETE", `${base}/${created.id}`]
    ] as const) {
      const res = await s.call(method, path, payload ? { body: payload } : {})
      expect(res.status).toBe(402)
      const b = res.json() as Record<string, unknown>
      expect(b).toEqual({
        code: 402,
        key: "missing_required_feature",
        message: "Payment required",
        details: "Your current plan does not include a feature required to perform this operation.",
        request_id: b.request_id
      })
    }
    expect((await s.call("GET", base, { auth: false })).status).toBe(401)
    await s.call("PUT", "/sandbox/plan", { body: { managementApi: true } })
    expect((await s.call("GET", base)).json()).toMatchObject({ total: 1 })
  })
})

describe("faults", () => {
  it("latencyMs delays every management API answer", async () => {
    await s.call("PUT", "/sandbox/faults", { body: { latencyMs: 250 } })
    const t0 = Date.now()
    expect((await s.call("GET", base)).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240)
    const t1 = Date.now()
    await s.call("GET", "/sandbox/settings")
    expect(Date.now() - t1).toBeLessThan(200)
  })

  it("errorRate 1 answers every call 500 in Voucherify's shape", async () => {
    await s.call("PUT", "/sandbox/faults", { body: { errorRate: 1 } })
    for (let i = 0; i < 5; i++) {
      const res = await s.call("POST", base, { body })
      expect(res.status).toBe(500)
      expect(res.json()).toMatchObject({ code: 500, key: "internal_error" })
      expect((res.json() as { request_id: string }).request_id).toMatch(/^v-/)
    }
    await s.call("PUT", "/sandbox/faults", { body: { errorRate: 0 } })
    expect((await s.call("GET", base)).json()).toMatchObject({ total: 0 })
  })

  it("errorRate 0.5 fails about half the calls", async () => {
    await s.call("PUT", "/sandbox/rate-limit", { body: { limit: 0, windowMs: 1000 } })
    await s.call("PUT", "/sandbox/faults", { body: { errorRate: 0.5 } })
    let failed = 0
    for (let i = 0; i < 200; i++) if ((await s.call("GET", base)).status === 500) failed++
    expect(failed).toBeGreaterThan(60)
    expect(failed).toBeLessThan(140)
  })

  it("dropRate 1 destroys the connection without an answer", async () => {
    await s.call("PUT", "/sandbox/faults", { body: { dropRate: 1 } })
    await expect(s.call("GET", base)).rejects.toThrow()
    await s.call("PUT", "/sandbox/faults", { body: { dropRate: 0 } })
    expect((await s.call("GET", base)).status).toBe(200)
  })

  it("malformedRate 1 cuts the body of 200s short, keeping status and headers; errors stay intact", async () => {
    await s.call("POST", base, { body })
    await s.call("PUT", "/sandbox/faults", { body: { malformedRate: 1 } })
    const res = await s.call("GET", base)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/json")
    expect(res.headers.get("x-request-id")).toMatch(/^v-/)
    expect(() => res.json()).toThrow()
    const missing = await s.call("GET", "/management/v1/projects/proj_nope/webhooks")
    expect(missing.status).toBe(404)
    expect(missing.json()).toMatchObject({ code: 404 })
  })

  it("refuses shares outside 0..1", async () => {
    const res = await s.call("PUT", "/sandbox/faults", { body: { errorRate: 2 } })
    expect(res.status).toBe(400)
    expect((res.json() as { details: string }).details).toContain("errorRate")
  })
})

describe("caps", () => {
  it(`at most ${limits.webhooksPerProject} webhooks per project: the next create is a 400 limit_exceeded`, async () => {
    await s.call("PUT", "/sandbox/rate-limit", { body: { limit: 0, windowMs: 1000 } })
    await Promise.all(Array.from({ length: limits.webhooksPerProject }, () => s.call("POST", base, { body })))
    expect((await s.call("GET", base)).json()).toMatchObject({ total: limits.webhooksPerProject })
    const res = await s.call("POST", base, { body })
    expect(res.status).toBe(400)
    const b = res.json() as Record<string, string>
    expect(b).toMatchObject({ code: 400, key: "limit_exceeded" })
    expect(b.request_id).toMatch(/^v-/)
    // Other projects are unaffected.
    expect((await s.call("POST", "/management/v1/projects/proj_extra/webhooks", { body })).status).toBe(200)
  })

  it(`at most ${limits.projects} projects`, async () => {
    await Promise.all(
      Array.from({ length: limits.projects - 2 }, (_, i) =>
        s.call("POST", "/sandbox/projects", { body: { id: `proj_p${i}` } })
      )
    )
    expect((await s.call("GET", "/sandbox/projects")).json()).toMatchObject({ total: limits.projects })
    const res = await s.call("POST", "/sandbox/projects", { body: { id: "proj_onetoomany" } })
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({ code: 400, key: "limit_exceeded" })
  })
})
