import { DeliveryPayload } from "@voucherify-webhooks/core/Delivery"
import { signatureHeader, verifySignature } from "@voucherify-webhooks/core/Signature"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { afterEach, describe, expect, it } from "vitest"
import { retryScheduleMinutes } from "../src/Sandbox.js"
import {
  type Answer,
  type TestSandbox as Started,
  startTestSandbox as start,
  startReceiver,
  waitFor
} from "../src/testing.js"

const base = "/management/v1/projects/proj_sandbox/webhooks"
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const started = async (options: Parameters<typeof start>[0] = {}) => {
  const s = await start(options)
  cleanups.push(s.close)
  return s
}
const listening = async (status?: () => Answer) => {
  const r = await startReceiver(status === undefined ? {} : { answer: status })
  cleanups.push(r.close)
  return r
}
const createWebhook = async (s: Started, target_url: string, events: Array<string>, active = true) =>
  (await s.call("POST", base, { body: { target_url, events, active } })).json() as { id: string }

describe("event deliveries", () => {
  it("POSTs the documented payload, signed over the exact bytes with the project's secret", async () => {
    const s = await started()
    const r = await listening()
    const webhook = await createWebhook(s, r.url, ["redemption.succeeded"])
    const raised = await s.call("POST", "/sandbox/events", {
      body: { projectId: "proj_sandbox", type: "redemption.succeeded", data: { id: "r_123", amount: 1500 } }
    })
    expect(raised.status).toBe(200)
    await waitFor("the delivery", () => r.received.length === 1)
    const got = r.received[0]!
    const secret = ((await s.call("GET", "/sandbox/projects/proj_sandbox/secret")).json() as { secret: string }).secret

    expect(got.headers["content-type"]).toBe("application/json")
    expect(verifySignature(got.body, got.headers[signatureHeader], secret)).toBe(true)
    expect(verifySignature(got.body, got.headers[signatureHeader], `${secret}x`)).toBe(false)
    expect(await s.run(Effect.map(s.sandbox.projectSecret("proj_sandbox"), Redacted.value))).toBe(secret)

    const payload = JSON.parse(got.body) as unknown
    expect(Schema.is(DeliveryPayload)(payload)).toBe(true)
    const event = (raised.json() as { event: { id: string; group_id: string; created_at: string } }).event
    expect(payload).toEqual({
      id: expect.stringMatching(/^whs_[0-9a-f]{18}$/),
      project_id: "proj_sandbox",
      created_at: event.created_at,
      type: "redemption.succeeded",
      data: { id: "r_123", amount: 1500 },
      source: { id: webhook.id, object: "webhook", target_url: r.url },
      event: {
        id: event.id,
        type: "redemption.succeeded",
        created_at: event.created_at,
        entity_id: "r_123",
        group_id: event.group_id,
        event_source: { channel: "API" }
      }
    })

    await waitFor("the record to settle", async () => (await s.run(s.sandbox.deliveries()))[0]?.status === "succeeded")
    const [record] = await s.run(s.sandbox.deliveries("proj_sandbox"))
    expect(record).toMatchObject({ webhook_id: webhook.id, status: "succeeded", type: "redemption.succeeded" })
    expect(record!.attempts).toEqual([
      { attempt: 1, at: expect.any(String), status: 200, duration_ms: expect.any(Number) }
    ])
  })

  it("each subscribed webhook gets its own delivery; unsubscribed, inactive and other projects' get nothing", async () => {
    const s = await started({ projects: ["proj_two"] })
    const subscribed = await listening()
    const other = await listening()
    const a = await createWebhook(s, subscribed.url, ["voucher.created", "redemption.succeeded"])
    const b = await createWebhook(s, `${subscribed.url}?second`, ["redemption.succeeded"])
    await createWebhook(s, other.url, ["voucher.created"])
    await createWebhook(s, other.url, ["redemption.succeeded"], false)
    await s.call("POST", "/management/v1/projects/proj_two/webhooks", {
      body: { target_url: other.url, events: ["redemption.succeeded"] }
    })
    const raised = await s.run(s.sandbox.raiseEvent("proj_sandbox", "redemption.succeeded"))
    expect(raised.deliveries.map((d) => d.webhook_id).sort()).toEqual([a.id, b.id].sort())
    await waitFor("both deliveries", () => subscribed.received.length === 2)
    await new Promise((r) => setTimeout(r, 200))
    expect(other.received).toHaveLength(0)
    const sources = subscribed.received.map((x) => (JSON.parse(x.body) as { source: { id: string } }).source.id)
    expect(sources.sort()).toEqual([a.id, b.id].sort())
    const ids = subscribed.received.map((x) => (JSON.parse(x.body) as { id: string }).id)
    expect(new Set(ids).size).toBe(2)
  })

  it("retries a failing receiver on the scaled schedule, then switches the webhook to active:false", async () => {
    // The whole schedule (about 58 h) in about 1 s.
    const scale = 1 / 200_000
    const s = await started({ deliveryTimeScale: scale })
    const r = await listening(() => 500)
    const webhook = await createWebhook(s, r.url, ["voucher.published"])
    await s.run(s.sandbox.raiseEvent("proj_sandbox", "voucher.published", { id: "v_1" }))
    await waitFor("the webhook to be switched off", async () => {
      const w = (await s.call("GET", `${base}/${webhook.id}`)).json() as { active: boolean }
      return !w.active
    })
    expect(r.received).toHaveLength(1 + retryScheduleMinutes.length)
    // Each retry sent the same signed bytes.
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1)
    expect(new Set(r.received.map((x) => x.headers[signatureHeader])).size).toBe(1)
    // The gaps follow the schedule: each at least its scaled step, and the last (24 h) the longest.
    const gaps = r.received.slice(1).map((x, i) => x.at - r.received[i]!.at)
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(Math.floor(retryScheduleMinutes[i]! * 60_000 * scale) - 2)
    })
    expect(gaps[11]).toBeGreaterThan(gaps[9]!)
    expect(gaps[11]).toBeGreaterThanOrEqual(400)

    const [record] = await s.run(s.sandbox.deliveries())
    expect(record).toMatchObject({ status: "failed", webhook_deactivated: true })
    expect(record!.attempts).toHaveLength(13)
    expect(record!.attempts.every((a) => a.status === 500 && a.error === "HTTP 500")).toBe(true)
    expect(record!.next_attempt_at).toBeUndefined()

    // A switched-off webhook gets nothing more.
    await s.run(s.sandbox.raiseEvent("proj_sandbox", "voucher.published"))
    await new Promise((r) => setTimeout(r, 100))
    expect(r.received).toHaveLength(13)
  })

  it("a receiver that recovers stops the retries; the record keeps every attempt", async () => {
    let calls = 0
    const s = await started({ deliveryTimeScale: 1 / 60_000 })
    const r = await listening(() => (++calls < 3 ? 503 : 202))
    await createWebhook(s, r.url, ["customer.created"])
    await s.run(s.sandbox.raiseEvent("proj_sandbox", "customer.created"))
    await waitFor("success", async () => (await s.run(s.sandbox.deliveries()))[0]?.status === "succeeded")
    const [record] = await s.run(s.sandbox.deliveries())
    expect(record!.attempts.map((a) => a.status)).toEqual([503, 503, 202])
    expect(record!.attempts[0]).toMatchObject({ error: "HTTP 503" })
    await new Promise((r) => setTimeout(r, 100))
    expect(r.received).toHaveLength(3)
  })

  it("an unreachable receiver and a receiver slower than the delivery timeout count as failures", async () => {
    const s = await started({ deliveryTimeScale: 1, deliveryTimeoutMs: 150 })
    const slow = await listening(() => "hang")
    await createWebhook(s, slow.url, ["voucher.created"])
    // A port that was just free and is closed again: connection refused.
    const gone = await startReceiver()
    await gone.close()
    const closed = gone.url
    await createWebhook(s, closed, ["voucher.created"])
    await s.run(s.sandbox.raiseEvent("proj_sandbox", "voucher.created"))
    await waitFor("both first attempts", async () =>
      (await s.run(s.sandbox.deliveries())).every((d) => d.attempts.length === 1)
    )
    const records = await s.run(s.sandbox.deliveries())
    const byUrl = Object.fromEntries(records.map((d) => [d.target_url, d]))
    expect(byUrl[slow.url]!.attempts[0]).toMatchObject({ error: "timeout after 150 ms" })
    expect(byUrl[slow.url]!.attempts[0]!.status).toBeUndefined()
    expect(byUrl[closed]!.attempts[0]!.error).toBe("ECONNREFUSED")
    // Unscaled, the next try is a minute away.
    const next = Date.parse(byUrl[slow.url]!.next_attempt_at!)
    expect(next - Date.now()).toBeGreaterThan(50_000)
    expect(byUrl[slow.url]!.status).toBe("pending")
  })

  it("deleting the webhook cancels its pending retries", async () => {
    const s = await started({ deliveryTimeScale: 1 / 6_000 }) // 1 min → 10 ms
    const r = await listening(() => 500)
    const webhook = await createWebhook(s, r.url, ["voucher.created"])
    await s.run(s.sandbox.raiseEvent("proj_sandbox", "voucher.created"))
    await waitFor("a retry", () => r.received.length >= 2)
    await s.call("DELETE", `${base}/${webhook.id}`)
    await waitFor("cancellation", async () => (await s.run(s.sandbox.deliveries()))[0]?.status === "canceled")
    const count = r.received.length
    await new Promise((r) => setTimeout(r, 300))
    expect(r.received.length).toBe(count)
  })

  it("closing the sandbox stops retries in flight", async () => {
    const s = await start({ deliveryTimeScale: 1 / 6_000 })
    const r = await listening(() => 500)
    await createWebhook(s, r.url, ["voucher.created"])
    await s.run(s.sandbox.raiseEvent("proj_sandbox", "voucher.created"))
    await waitFor("a retry", () => r.received.length >= 2)
    await s.close()
    const count = r.received.length
    await new Promise((r) => setTimeout(r, 400))
    expect(r.received.length).toBe(count)
  })

  it("refuses unknown events, missing projects and oversized data", async () => {
    const s = await started()
    const unknown = await s.run(Effect.flip(s.sandbox.raiseEvent("proj_sandbox", "voucher.gift.balance_aded")))
    expect(unknown).toMatchObject({ _tag: "SandboxError", reason: "invalid" })
    expect(unknown.message).toContain("voucher.gift.balance_added")
    const missing = await s.run(Effect.flip(s.sandbox.raiseEvent("proj_nope", "voucher.created")))
    expect(missing).toMatchObject({ reason: "project_not_found" })
    const big = await s.run(
      Effect.flip(s.sandbox.raiseEvent("proj_sandbox", "voucher.created", { blob: "x".repeat(40_000) }))
    )
    expect(big).toMatchObject({ reason: "invalid" })
  })
})
