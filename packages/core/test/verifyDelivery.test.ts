import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import type { DeliveryErrorReason } from "../src/DeliveryError.js"
import { signPayload, verifySignature } from "../src/Signature.js"
import { type HeadersInput, verifyDelivery, verifyDeliveryEither } from "../src/VerifyDelivery.js"

const secret = "whsec_test_secret"
const genuine = {
  id: "whs_0e16e42bc6e0c65b57",
  project_id: "proj_5T4Rpl4T1nuM",
  created_at: "2026-03-02T10:15:00.000Z",
  type: "redemption.succeeded",
  data: { redemption: { id: "r_0f1a2b3c4d5e6f7a8b", amount: 100, customer_id: "cust_Ann" }, note: "Ä" },
  source: { id: "wh_AbC123", object: "webhook", target_url: "https://shop.example.com/hooks/voucherify" },
  event: {
    id: "evred_1f3611301g3127begb",
    type: "redemption.succeeded",
    created_at: "2026-03-02T10:15:00.000Z",
    entity_id: "r_0f1a2b3c4d5e6f7a8b",
    group_id: "v-1f36113948e50fc4ge",
    event_source: { channel: "API" }
  }
}
/** What Voucherify sends: the compact JSON, signed as it is. */
const body = JSON.stringify(genuine)
const signature = signPayload(body, secret)
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8")

const reasonOf = (raw: string | Uint8Array, headers: HeadersInput, key: string | Array<string> = secret) =>
  Either.match(verifyDeliveryEither(raw, headers, key), { onLeft: (e) => e.reason, onRight: () => "verified" })

describe("verifyDelivery", () => {
  it.effect("verifies the exact bytes and reads the delivery from them", () =>
    Effect.gen(function* () {
      const verified = yield* verifyDelivery(Buffer.from(body), { "x-voucherify-signature": signature }, secret)
      expect(verified.verifiedAs).toBe("raw")
      expect(text(verified.signedBody)).toBe(body)
      expect(verified.delivery).toEqual(genuine)
      // Fields this release does not know are kept, in the wire's order.
      expect(Object.keys(verified.delivery)).toEqual(Object.keys(genuine))
    })
  )

  it.effect("keeps envelope fields a later API version adds", () =>
    Effect.gen(function* () {
      const later = { ...genuine, api_version: "v2027-01-01", event: { ...genuine.event, trace: { id: "t1" } } }
      const raw = JSON.stringify(later)
      const { delivery } = yield* verifyDelivery(raw, { "x-voucherify-signature": signPayload(raw, secret) }, secret)
      expect(delivery).toEqual(later)
    })
  )

  it("reads the header from web Headers, a Node record, or a record in any case; takes a Redacted secret", () => {
    for (const headers of [
      new Headers({ "X-Voucherify-Signature": signature }),
      { "x-voucherify-signature": signature },
      { "X-Voucherify-Signature": ` ${signature.toUpperCase()} ` },
      { "x-voucherify-signature": [signature] }
    ]) {
      expect(Either.isRight(verifyDeliveryEither(body, headers, Redacted.make(secret)))).toBe(true)
    }
  })

  it("accepts any of several secrets, for rotation", () => {
    expect(reasonOf(body, { "x-voucherify-signature": signature }, ["old-secret", secret])).toBe("verified")
    expect(reasonOf(body, { "x-voucherify-signature": signature }, ["old-secret", "newer"])).toBe("SignatureMismatch")
  })

  it("refuses with a typed reason: 401 for the signature, 400 for the body", () => {
    const cases: Array<[string, string | Uint8Array, HeadersInput, DeliveryErrorReason]> = [
      ["no header", body, {}, "MissingSignature"],
      ["an empty header", body, { "x-voucherify-signature": "  " }, "MissingSignature"],
      ["a short header", body, { "x-voucherify-signature": signature.slice(0, 63) }, "MalformedSignature"],
      ["a non-hex header", body, { "x-voucherify-signature": `${signature.slice(0, 63)}z` }, "MalformedSignature"],
      ["two headers", body, { "x-voucherify-signature": [signature, signature] }, "MalformedSignature"],
      [
        "a joined list",
        body,
        new Headers([["x-voucherify-signature", `${signature}, ${signature}`]]),
        "MalformedSignature"
      ],
      ["a changed body", body.replace("100", "900"), { "x-voucherify-signature": signature }, "SignatureMismatch"],
      ["a signed non-JSON body", "hello", { "x-voucherify-signature": signPayload("hello", secret) }, "NotJson"],
      ["a signed JSON array", "[1]", { "x-voucherify-signature": signPayload("[1]", secret) }, "NotAnEnvelope"]
    ]
    for (const [what, raw, headers, reason] of cases) {
      const result = verifyDeliveryEither(raw, headers, secret)
      expect({ what, reason: Either.isLeft(result) ? result.left.reason : "verified" }).toEqual({ what, reason })
      if (Either.isLeft(result)) {
        expect(result.left.status).toBe(reason === "NotJson" || reason === "NotAnEnvelope" ? 400 : 401)
        expect(result.left.message).not.toContain(secret)
      }
    }
    expect(reasonOf(body, { "x-voucherify-signature": signature }, "wrong")).toBe("SignatureMismatch")
  })

  it("names the field when signed JSON is not a delivery, without echoing values", () => {
    const { group_id: _, ...event } = genuine.event
    const cases: Array<[unknown, string]> = [
      [{ ...genuine, event }, "event.group_id: is missing"],
      [{ ...genuine, id: 42 }, "id: expected string"],
      [{ ...genuine, data: "x" }, "data: expected an object"],
      [{ ...genuine, source: null }, "source: expected an object"]
    ]
    for (const [payload, detail] of cases) {
      const raw = JSON.stringify(payload)
      const result = verifyDeliveryEither(raw, { "x-voucherify-signature": signPayload(raw, secret) }, secret)
      expect(Either.isLeft(result) && result.left.reason).toBe("NotAnEnvelope")
      if (Either.isLeft(result)) expect(result.left.message).toContain(detail)
    }
  })

  it("an empty secret verifies nothing, even a body signed with the empty key", () => {
    const forged = signPayload(body, "")
    expect(reasonOf(body, { "x-voucherify-signature": forged }, "")).toBe("SignatureMismatch")
    expect(verifySignature(body, forged, "")).toBe(false)
    const exit = Effect.runSyncExit(verifyDelivery(body, { "x-voucherify-signature": forged }, Redacted.make("")))
    expect(Exit.isFailure(exit) && Exit.isInterrupted(exit) === false).toBe(true)
    expect(String(exit)).toContain("the webhook secret is empty")
  })

  it("survives hostile bodies with a typed error: deep nesting, huge numbers, invalid UTF-8", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`
    expect(reasonOf(deep, { "x-voucherify-signature": signature })).toBe("SignatureMismatch")
    expect(reasonOf(deep, { "x-voucherify-signature": signPayload(deep, secret) })).toBe("NotAnEnvelope")
    const bad = Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])
    expect(reasonOf(bad, { "x-voucherify-signature": signPayload(bad, secret) })).toBe("NotJson")
  })
})

describe("the compact-form fallback answers with the signed bytes, never the raw ones", () => {
  const verify = (raw: string, options = {}) =>
    verifyDeliveryEither(raw, { "x-voucherify-signature": signature }, secret, options)
  const expectSigned = (raw: string) => {
    expect(raw).not.toBe(body)
    const result = verify(raw)
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) {
      expect(result.right.verifiedAs).toBe("compact")
      expect(text(result.right.signedBody)).toBe(body)
      expect(result.right.delivery).toEqual(genuine)
    }
    expect(Either.isLeft(verify(raw, { compactFallback: false }))).toBe(true)
  }

  it("re-indentation", () => expectSigned(JSON.stringify(genuine, null, 2)))
  it("1e2 for 100", () => expectSigned(body.replace('"amount":100', '"amount":1e2')))
  it("\\u escapes", () => expectSigned(body.replace('"r_0f1a', '"\\u0072_0f1a').replace("Ä", "\\u00c4")))

  it("the duplicate-key forgery: a second `type` in a genuine delivery does not yield data nobody signed", () => {
    // Built from the genuine delivery: JSON.parse keeps the last "type", so the compact form is the genuine one
    // and the signature verifies; a first-wins parser of these raw bytes would read "voucher.deleted".
    const forged = body.replace(
      '"type":"redemption.succeeded"',
      '"type":"voucher.deleted","type":"redemption.succeeded"'
    )
    expect(forged).toContain('"type":"voucher.deleted"')
    expectSigned(forged)
    const result = verify(forged)
    if (Either.isRight(result)) {
      expect(text(result.right.signedBody)).not.toContain("voucher.deleted")
      expect(result.right.delivery.type).toBe("redemption.succeeded")
    }
  })

  it("a body whose compact form is not the signed one still fails", () => {
    expect(Either.isLeft(verify(JSON.stringify({ ...genuine, type: "voucher.deleted" }, null, 2)))).toBe(true)
  })
})
