import { knownEventTypes } from "@voucherify-webhooks/core/EventType"
import { webhookIdPattern } from "@voucherify-webhooks/core/Ids"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type TestSandbox as Started, startTestSandbox as start } from "../src/testing.js"

const base = "/management/v1/projects/proj_sandbox/webhooks"
const body = { target_url: "https://example.com/hook", events: ["redemption.succeeded"] }
const requestId = /^v-[0-9a-f]{18}$/

let s: Started
beforeAll(async () => {
  s = await start()
})
afterAll(() => s.close())
beforeEach(() => s.run(s.sandbox.reset))

describe("webhook operations", () => {
  it("create answers 200 with the webhook: wh_ + 24 alphanumerics, ISO created_at, active defaulting to true", async () => {
    const before = Date.now()
    const res = await s.call("POST", base, { body })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/json")
    const w = res.json() as Record<string, unknown>
    expect(Object.keys(w).sort()).toEqual(["active", "created_at", "events", "id", "object", "target_url"])
    expect(w).toMatchObject({ object: "webhook", ...body, active: true })
    expect(w.id).toMatch(webhookIdPattern)
    expect(w.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(Date.parse(w.created_at as string)).toBeGreaterThanOrEqual(before - 5)
  })

  it("mints a fresh id each time", async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 20; i++) ids.add(((await s.call("POST", base, { body })).json() as { id: string }).id)
    expect(ids.size).toBe(20)
  })

  it("create keeps active:false when sent", async () => {
    const res = await s.call("POST", base, { body: { ...body, active: false } })
    expect(res.json()).toMatchObject({ active: false })
  })

  it("list answers {object, data_ref, data, total} with every webhook of the project", async () => {
    const empty = await s.call("GET", base)
    expect(empty.status).toBe(200)
    expect(empty.json()).toEqual({ object: "list", data_ref: "data", data: [], total: 0 })
    const a = (await s.call("POST", base, { body })).json()
    const b = (await s.call("POST", base, { body: { ...body, events: ["voucher.created", "voucher.deleted"] } })).json()
    const list = await s.call("GET", base)
    expect(list.json()).toEqual({ object: "list", data_ref: "data", data: [a, b], total: 2 })
  })

  it("projects are separate", async () => {
    await s.run(s.sandbox.addProject("proj_other"))
    await s.call("POST", base, { body })
    const other = await s.call("GET", "/management/v1/projects/proj_other/webhooks")
    expect(other.json()).toMatchObject({ total: 0 })
  })

  it("get answers the webhook", async () => {
    const created = (await s.call("POST", base, { body })).json() as { id: string }
    const res = await s.call("GET", `${base}/${created.id}`)
    expect(res.status).toBe(200)
    expect(res.json()).toEqual(created)
  })

  it("update replaces target_url, events and active, keeping id and created_at", async () => {
    const created = (await s.call("POST", base, { body })).json() as { id: string; created_at: string }
    const next = { target_url: "http://example.org/v2", events: ["voucher.published"], active: false }
    const res = await s.call("PUT", `${base}/${created.id}`, { body: next })
    expect(res.status).toBe(200)
    expect(res.json()).toEqual({ id: created.id, object: "webhook", created_at: created.created_at, ...next })
    expect((await s.call("GET", `${base}/${created.id}`)).json()).toEqual(res.json())
  })

  it("update without active switches the webhook back on, as Voucherify does", async () => {
    const created = (await s.call("POST", base, { body: { ...body, active: false } })).json() as { id: string }
    const res = await s.call("PUT", `${base}/${created.id}`, { body })
    expect(res.json()).toMatchObject({ active: true })
  })

  it("delete answers 204 with no body, and the webhook is gone", async () => {
    const created = (await s.call("POST", base, { body })).json() as { id: string }
    const res = await s.call("DELETE", `${base}/${created.id}`)
    expect(res.status).toBe(204)
    expect(res.text).toBe("")
    expect(res.headers.get("content-type")).toBeNull()
    expect((await s.call("GET", `${base}/${created.id}`)).status).toBe(404)
    expect((await s.call("GET", base)).json()).toMatchObject({ total: 0 })
  })

  it("accepts every documented event name", async () => {
    const res = await s.call("POST", base, { body: { ...body, events: knownEventTypes } })
    expect(res.status).toBe(200)
    expect((res.json() as { events: unknown[] }).events).toHaveLength(knownEventTypes.length)
  })
})

describe("errors", () => {
  const expectVoucherifyError = (res: { status: number; json: () => unknown; headers: Headers }) => {
    const b = res.json() as { request_id?: string }
    expect(b.request_id).toMatch(requestId)
    expect(res.headers.get("x-request-id")).toBe(b.request_id)
    return b
  }

  it("401 for a missing management id", async () => {
    const res = await s.call("GET", base, { auth: { "x-management-token": s.auth["x-management-token"]! } })
    expect(res.status).toBe(401)
    const b = expectVoucherifyError(res)
    expect(b).toEqual({ code: 401, key: "unauthorized", message: "Unauthorized", request_id: b.request_id })
  })

  it("401 for a missing token, a wrong token and a wrong id — and the token is never echoed", async () => {
    const wrong = "not-the-token-at-all"
    for (const auth of [
      { "x-management-id": s.auth["x-management-id"]! },
      { "x-management-id": s.auth["x-management-id"]!, "x-management-token": wrong },
      { "x-management-id": "someone-else", "x-management-token": s.auth["x-management-token"]! },
      {}
    ]) {
      const res = await s.call("POST", base, { auth, body })
      expect(res.status).toBe(401)
      expect(res.json()).toMatchObject({ code: 401, key: "unauthorized", message: "Unauthorized" })
      expect(res.text).not.toContain(wrong)
      expect(res.text).not.toContain(s.auth["x-management-token"])
    }
    // Nothing was created by the refused calls.
    expect((await s.call("GET", base)).json()).toMatchObject({ total: 0 })
  })

  it("404 for a missing project, in the documented shape (no key, no resource fields)", async () => {
    for (const [method, payload] of [["GET"], ["POST", body]] as const) {
      const res = await s.call(method, "/management/v1/projects/proj_nope/webhooks", payload ? { body: payload } : {})
      expect(res.status).toBe(404)
      const b = expectVoucherifyError(res)
      expect(b).toEqual({
        code: 404,
        message: "Resource not found",
        details: "Cannot find project with id proj_nope",
        request_id: b.request_id
      })
    }
  })

  it("404 for a missing webhook on get, update and delete, in the documented shape", async () => {
    const id = "wh_ekFHVL6lqC4lDuIFxpETSGa"
    for (const [method, payload] of [["GET"], ["PUT", body], ["DELETE"]] as const) {
      const res = await s.call(method, `${base}/${id}`, payload ? { body: payload } : {})
      expect(res.status).toBe(404)
      const b = expectVoucherifyError(res)
      expect(b).toEqual({
        code: 404,
        key: "not_found",
        message: "Resource not found",
        details: `Cannot find webhook with id ${id}`,
        request_id: b.request_id,
        resource_id: id,
        resource_type: "webhook"
      })
    }
  })

  it("400 {statusCode,error,message} for malformed JSON", async () => {
    const res = await s.call("POST", base, { raw: '{"target_url":' })
    expect(res.status).toBe(400)
    expect(res.json()).toEqual({
      statusCode: 400,
      error: "Bad Request",
      message: "Invalid request payload JSON format"
    })
  })

  it("400 invalid_payload naming the field for a payload that fails the schema", async () => {
    for (const [payload, field] of [
      [{ events: ["redemption.succeeded"] }, "target_url"],
      [{ ...body, target_url: "ftp://example.com" }, "target_url"],
      [{ ...body, events: [] }, "events"],
      [{ ...body, events: ["redemption.succeeded", "redemption.succeeded"] }, "events.1"],
      [{ ...body, active: "yes" }, "active"],
      // A misspelt field is refused, not dropped (dropping "actvie" would create an active webhook).
      [{ ...body, actvie: false }, "actvie"]
    ] as const) {
      const res = await s.call("POST", base, { body: payload })
      expect(res.status).toBe(400)
      const b = expectVoucherifyError(res) as Record<string, string>
      expect(b).toMatchObject({ code: 400, key: "invalid_payload", message: "Invalid payload" })
      expect(b.details).toContain(`${field}:`)
    }
  })

  it("400 invalid_payload for an unknown event name, with the nearest known one as a hint, on create and update", async () => {
    const res = await s.call("POST", base, { body: { ...body, events: ["redemption.succeded"] } })
    expect(res.status).toBe(400)
    const b = res.json() as Record<string, string>
    expect(b).toMatchObject({ code: 400, key: "invalid_payload", message: "Invalid payload" })
    expect(b.details).toContain('events.0: unknown event "redemption.succeded"')
    expect(b.details).toContain('did you mean "redemption.succeeded"')
    expect(b.request_id).toMatch(requestId)
    // The spec's misspelling is refused too, pointing at what Voucherify emits.
    const created = (await s.call("POST", base, { body })).json() as { id: string }
    const put = await s.call("PUT", `${base}/${created.id}`, {
      body: { ...body, events: ["voucher.gift.balance_aded"] }
    })
    expect(put.status).toBe(400)
    expect((put.json() as Record<string, string>).details).toContain("voucher.gift.balance_added")
    expect((await s.call("GET", base)).json()).toMatchObject({ total: 1 })
  })

  it("413 in the documented shape for a body over 10 MB", async () => {
    const huge = JSON.stringify({ ...body, target_url: `https://example.com/${"a".repeat(10_485_760)}` })
    const res = await s.call("POST", base, { raw: huge })
    expect(res.status).toBe(413)
    expect(res.json()).toEqual({
      statusCode: 413,
      error: "Request Entity Too Large",
      message: "Payload content length greater than maximum allowed: 10485760"
    })
  })

  it("405 with Allow for a known path and an unsupported method; 404 for an unknown path", async () => {
    const res = await s.call("PATCH", base, { body })
    expect(res.status).toBe(405)
    expect(res.headers.get("allow")).toBe("POST, GET")
    expect(res.json()).toMatchObject({ statusCode: 405, error: "Method Not Allowed" })
    const nope = await s.call("GET", "/management/v1/nope")
    expect(nope.status).toBe(404)
    expect(nope.json()).toEqual({ statusCode: 404, error: "Not Found", message: "Not Found" })
  })
})

describe("headers", () => {
  it("every answer carries X-Rate-Limit-Limit/Remaining and x-request-id, errors and control API included", async () => {
    const answers = [
      await s.call("POST", base, { body }),
      await s.call("GET", base),
      await s.call("GET", "/management/v1/projects/proj_nope/webhooks"),
      await s.call("GET", base, { auth: false }),
      await s.call("POST", base, { raw: "{" }),
      await s.call("GET", "/nope"),
      await s.call("GET", "/sandbox/settings")
    ]
    for (const res of answers) {
      expect(res.headers.get("x-rate-limit-limit")).toBe("2000")
      expect(Number(res.headers.get("x-rate-limit-remaining"))).toBeGreaterThan(1900)
      expect(res.headers.get("x-request-id")).toMatch(requestId)
    }
    // The remaining count goes down by one per management API call.
    const r1 = Number((await s.call("GET", base)).headers.get("x-rate-limit-remaining"))
    const r2 = Number((await s.call("GET", base)).headers.get("x-rate-limit-remaining"))
    expect(r2).toBe(r1 - 1)
    expect(new Set(answers.map((a) => a.headers.get("x-request-id"))).size).toBe(answers.length)
  })
})
