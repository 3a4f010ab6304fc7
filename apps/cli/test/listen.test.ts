import { deliveryEnvelope } from "@voucherify-webhooks/core/MakeDelivery"
import { signPayload } from "@voucherify-webhooks/core/Signature"
import { startReceiver, waitFor } from "@voucherify-webhooks/sandbox/testing"
import { afterEach, describe, expect, it } from "vitest"
import { forwardHeaders } from "../src/listen/Listener.js"
import { vwhBackground } from "./harness.js"

// vwh listen, built, over loopback: what it answers, prints and forwards.

const secret = "whsec_listen_regression"
const sign = (body: string) => signPayload(body, secret)

/** A genuine delivery as Voucherify sends it: compact JSON, signed over exactly these bytes. */
const genuine = (type = "redemption.succeeded", id?: string) => {
  const body = JSON.stringify(deliveryEnvelope(type, id === undefined ? {} : { id }))
  return { body, signature: sign(body), delivery: JSON.parse(body) as { id: string; type: string } }
}

const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })

const stops: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

const start = async (args: ReadonlyArray<string>) => {
  const listener = await vwhBackground(
    ["listen", "--port", "0", "--secret", secret, ...args],
    {},
    /listening on (http:\/\/127\.0\.0\.1:\d+)\//
  )
  stops.push(listener.stop)
  return { ...listener, url: listener.match[1]! }
}

const forwardingTo = async (args: ReadonlyArray<string> = [], status?: () => number) => {
  const app = await startReceiver(status === undefined ? {} : { answer: status })
  stops.push(app.close)
  return { app, listener: await start(["--forward-to", app.url, ...args]) }
}

describe("vwh listen forwards what was signed", () => {
  it("the duplicate-key forgery is forwarded only as the signed bytes", async () => {
    const { app, listener } = await forwardingTo()
    const { body, signature } = genuine()
    // A second "type" in front of the genuine one: JSON.parse keeps the last, so the compact form is the genuine
    // body and the signature verifies; a first-wins parser of these raw bytes would read voucher.deleted.
    const forged = body.replace(
      '"type":"redemption.succeeded"',
      '"type":"voucher.deleted","type":"redemption.succeeded"'
    )
    expect(forged).not.toBe(body)
    const res = await post(`${listener.url}/hooks`, forged, { "x-voucherify-signature": signature, "x-extra": "kept" })
    expect(res.status).toBe(202)
    await waitFor("1 in app.received", () => app.received.length, { until: (n) => n === 1 })
    expect(app.received[0]!.body).toBe(body)
    expect(app.received[0]!.body).not.toContain("voucher.deleted")
    expect(app.received[0]!.headers["x-voucherify-signature"]).toBe(signature)
    expect(app.received[0]!.headers["content-length"]).toBe(String(Buffer.byteLength(body)))
    expect(app.received[0]!.headers["x-extra"]).toBe("kept")
    await waitFor("forwarded on listener's stdout", listener.stdout, { until: (text) => text.includes("forwarded") })
    expect(listener.stdout()).toMatch(/✓ redemption\.succeeded whs_\w+ /)
    expect(listener.stdout()).not.toContain("voucher.deleted")
    expect(listener.stderr()).toContain("verified only in its compact JSON form")
  })

  it("a body re-indented on the way is forwarded in the compact form that was signed", async () => {
    const { app, listener } = await forwardingTo()
    const { body, signature, delivery } = genuine("voucher.published")
    const res = await post(listener.url, JSON.stringify(delivery, null, 2), { "x-voucherify-signature": signature })
    expect(res.status).toBe(202)
    await waitFor("1 in app.received", () => app.received.length, { until: (n) => n === 1 })
    expect(app.received[0]!.body).toBe(body)
  })

  it("forwards a delivery verified as received byte for byte, and prints its key fields", async () => {
    const { app, listener } = await forwardingTo()
    const { body, signature, delivery } = genuine()
    await post(listener.url, body, { "x-voucherify-signature": signature })
    await waitFor("forwarded on listener's stdout", listener.stdout, { until: (text) => text.includes("forwarded") })
    expect(app.received[0]!.body).toBe(body)
    const line = listener.stdout().trim()
    expect(line).toContain(`✓ redemption.succeeded ${delivery.id} entity=r_`)
    expect(line).toContain('voucher=SPRING-7QX2 campaign="Spring Sale 2026"')
    expect(line).toMatch(/ amount=\d+ result=SUCCESS → forwarded: 200 in \d+ ms$/)
    expect(listener.stderr()).not.toContain("compact")
  })
})

describe("vwh listen flags replays", () => {
  it("prints a replay as one and does not forward it again", async () => {
    const { app, listener } = await forwardingTo()
    const { body, signature, delivery } = genuine()
    for (let i = 0; i < 3; i++) {
      expect((await post(listener.url, body, { "x-voucherify-signature": signature })).status).toBe(202)
      await waitFor(`line ${i + 1} from listen`, listener.stdout, { until: (text) => text.split("\n").length > i + 1 })
    }
    const lines = listener.stdout().trim().split("\n")
    expect(lines).toHaveLength(3)
    expect(lines[0]).toContain(`✓ redemption.succeeded ${delivery.id}`)
    for (const line of lines.slice(1)) {
      expect(line).toContain(`↻ replay of redemption.succeeded ${delivery.id}`)
      expect(line).toContain("not forwarded: already forwarded (--forward-replays forwards replays)")
    }
    expect(app.received).toHaveLength(1)
  })

  it("with --forward-replays forwards it, marked x-vwh-replay", async () => {
    const { app, listener } = await forwardingTo(["--forward-replays"])
    const { body, signature } = genuine()
    await post(listener.url, body, { "x-voucherify-signature": signature })
    await waitFor("1 in app.received", () => app.received.length, { until: (n) => n === 1 })
    await post(listener.url, body, { "x-voucherify-signature": signature })
    await waitFor("2 in app.received", () => app.received.length, { until: (n) => n === 2 })
    expect(app.received[0]!.headers["x-vwh-replay"]).toBeUndefined()
    expect(app.received[1]!.headers["x-vwh-replay"]).toBe("true")
    expect(app.received[1]!.body).toBe(body)
    await waitFor("two lines from listen", listener.stdout, { until: (text) => text.trim().split("\n").length === 2 })
    expect(listener.stdout()).toMatch(/↻ replay of redemption\.succeeded whs_\w+ .* → forwarded: 200/)
  })

  it("forwards the same delivery again when its first forward failed", async () => {
    let status = 500
    const { app, listener } = await forwardingTo([], () => status)
    const { body, signature } = genuine()
    await post(listener.url, body, { "x-voucherify-signature": signature })
    await waitFor("forwarded: 500 on listener's stdout", listener.stdout, {
      until: (text) => text.includes("forwarded: 500")
    })
    status = 200
    await post(listener.url, body, { "x-voucherify-signature": signature })
    await waitFor("forwarded: 200 on listener's stdout", listener.stdout, {
      until: (text) => text.includes("forwarded: 200")
    })
    expect(app.received).toHaveLength(2)
    expect(listener.stdout()).not.toContain("replay")
  })

  it("in --output json records, with the forward's outcome", async () => {
    const { listener } = await forwardingTo(["--output", "json"])
    const { body, signature, delivery } = genuine("voucher.created")
    await post(listener.url, body, { "x-voucherify-signature": signature })
    await waitFor("a line on listener's stdout", listener.stdout, { until: (text) => text.includes("\n") })
    await post(listener.url, body, { "x-voucherify-signature": signature })
    await waitFor("two lines from listen", listener.stdout, { until: (text) => text.trim().split("\n").length === 2 })
    const [first, again] = listener
      .stdout()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(first).toMatchObject({
      type: "voucher.created",
      id: delivery.id,
      verified: true,
      verified_as: "raw",
      replay: false,
      fields: { voucher: "SPRING-7QX2" },
      delivery,
      forward: { status: 200 }
    })
    expect(again).toMatchObject({ id: delivery.id, replay: true, forward: { skipped: "replay" } })
  })
})

describe("vwh listen refuses what is not a delivery, saying why", () => {
  it("401 with the reason for a missing, malformed or wrong signature; 400 for a signed non-delivery", async () => {
    const listener = await start([])
    const { body } = genuine()
    const cases = [
      [{}, 401, "MissingSignature"],
      [{ "x-voucherify-signature": "abc" }, 401, "MalformedSignature"],
      [{ "x-voucherify-signature": signPayload(body, "whsec_another_secret") }, 401, "SignatureMismatch"]
    ] as const
    for (const [headers, status, reason] of cases) {
      const res = await post(`${listener.url}/in`, body, headers)
      expect(res.status).toBe(status)
      expect(await res.json()).toMatchObject({ error: reason })
    }
    const notADelivery = JSON.stringify({ id: "whs_1", type: "voucher.created", data: {} })
    const res = await post(`${listener.url}/in`, notADelivery, { "x-voucherify-signature": sign(notADelivery) })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: "NotAnEnvelope" })
    await waitFor("4 rejected lines from listen", listener.stderr, {
      until: (text) => text.split("\n").filter((l) => l.includes("rejected")).length === 4
    })
    expect(listener.stderr()).toContain("rejected POST /in (401 MissingSignature): missing x-voucherify-signature")
    expect(listener.stderr()).toContain("rejected POST /in (401 MalformedSignature)")
    expect(listener.stderr()).toContain("rejected POST /in (401 SignatureMismatch)")
    expect(listener.stderr()).toContain("rejected POST /in (400 NotAnEnvelope)")
    expect(listener.stderr()).not.toContain(secret)
    expect(listener.stdout()).toBe("")
  })

  it("answers a body over its limit with 413, not a reset", async () => {
    const listener = await start([])
    const big = JSON.stringify({ padding: "x".repeat(2 * 1024 * 1024) })
    const res = await post(listener.url, big, { "x-voucherify-signature": sign(big) })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: "TooLarge" })
    // Without a declared length too (chunked): read up to the limit, then answered.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode("x".repeat(64 * 1024)))
        controller.close()
      }
    })
    const res2 = await fetch(listener.url, {
      method: "POST",
      body: chunked,
      headers: { "x-voucherify-signature": sign("x") },
      duplex: "half"
    } as RequestInit)
    expect(res2.status).toBe(413)
    await waitFor("two 413 lines from listen", listener.stderr, {
      until: (text) => text.split("\n").filter((l) => l.includes("(413)")).length === 2
    })
    expect(listener.stderr()).toContain("rejected POST / (413): the body is over 1048576 bytes")
  })
})

describe("vwh listen --print-json", () => {
  it("prints each verified delivery alone on stdout, the lines for people on stderr", async () => {
    const listener = await start(["--print-json"])
    const one = genuine("redemption.succeeded")
    const two = genuine("voucher.published")
    for (const d of [one, two, one]) await post(listener.url, d.body, { "x-voucherify-signature": d.signature })
    await waitFor("replay on listener's stderr", listener.stderr, { until: (text) => text.includes("replay") })
    const lines = listener.stdout().trim().split("\n")
    // The replay is not printed again: stdout holds each delivery once.
    expect(lines).toEqual([one.body, two.body])
    expect(lines.map((l) => JSON.parse(l))).toEqual([one.delivery, two.delivery])
    expect(listener.stderr()).toContain(`✓ redemption.succeeded ${one.delivery.id}`)
    expect(listener.stderr()).toContain(`↻ replay of redemption.succeeded ${one.delivery.id}`)
  })

  it("prints the signed bytes' delivery, not the forged raw body", async () => {
    const listener = await start(["--print-json"])
    const { body, signature } = genuine()
    const forged = body.replace(
      '"type":"redemption.succeeded"',
      '"type":"voucher.deleted","type":"redemption.succeeded"'
    )
    await post(listener.url, forged, { "x-voucherify-signature": signature })
    await waitFor("a line on listener's stdout", listener.stdout, { until: (text) => text.includes("\n") })
    expect(listener.stdout()).toBe(`${body}\n`)
  })
})

describe("forwardHeaders", () => {
  it("keeps the delivery's headers, not the hop's", () => {
    expect(
      forwardHeaders({
        host: "x",
        connection: "keep-alive",
        "content-length": "3",
        "content-encoding": "gzip",
        "transfer-encoding": "chunked",
        "x-voucherify-signature": "s",
        "content-type": "application/json",
        "user-agent": "Voucherify"
      })
    ).toEqual({ "x-voucherify-signature": "s", "content-type": "application/json", "user-agent": "Voucherify" })
  })
})
