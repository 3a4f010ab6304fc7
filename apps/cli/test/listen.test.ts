import { signPayload } from "@voucherify-webhooks/core/Signature"
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "vitest"
import { forwardHeaders, judge } from "../src/listen/Listener.js"

const secret = Redacted.make("whsec_test")
const body = Buffer.from(JSON.stringify({ id: "whs_1", type: "redemption.succeeded", data: {} }))

describe("listen: judging a delivery", () => {
  it("accepts a good signature over the raw body", () => {
    const verdict = judge(body, { "x-voucherify-signature": signPayload(body, secret) }, secret, [])
    expect(verdict).toMatchObject({ _tag: "Accepted", type: "redemption.succeeded", wanted: true })
  })
  it("rejects a missing or bad signature with 401", () => {
    expect(judge(body, {}, secret, [])).toMatchObject({ _tag: "Rejected", status: 401 })
    expect(judge(body, { "x-voucherify-signature": signPayload(body, "other") }, secret, [])).toMatchObject({
      _tag: "Rejected",
      status: 401
    })
  })
  it("acknowledges but does not want events outside --event", () => {
    const verdict = judge(body, { "x-voucherify-signature": signPayload(body, secret) }, secret, ["voucher.created"])
    expect(verdict).toMatchObject({ _tag: "Accepted", wanted: false })
  })
  it("forwards the delivery's headers, not the hop's", () => {
    expect(
      forwardHeaders({
        host: "x",
        "content-length": "3",
        "x-voucherify-signature": "s",
        "content-type": "application/json"
      })
    ).toEqual({
      "x-voucherify-signature": "s",
      "content-type": "application/json"
    })
  })
})
