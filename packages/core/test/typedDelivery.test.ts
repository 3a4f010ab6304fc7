import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { knownEventTypes } from "../src/EventType.js"
import { signPayload } from "../src/Signature.js"
import {
  Delivery,
  decodeDelivery,
  deliveryTypes,
  isDeliveryOf,
  isDeliveryType,
  parseDelivery
} from "../src/TypedDelivery.js"
import { loadEventsSpec, skipWithoutSpec } from "./sharedSpec.js"

const secret = "whsec_typed"
const envelope = (type: string, data: Record<string, unknown>) => ({
  id: "whs_1a2b3c4d5e6f7a8b9c",
  project_id: "proj_Shop01",
  created_at: "2026-03-02T10:15:00.000Z",
  type,
  data,
  source: { id: "wh_Hooks01", object: "webhook", target_url: "https://shop.example.com/hooks" },
  event: {
    id: "evred_0a1b2c3d4e5f6a7b8c",
    type,
    created_at: "2026-03-02T10:15:00.000Z",
    group_id: "v-0a1b2c3d4e5f6a7b8c",
    event_source: { channel: "API" }
  }
})
const parse = (payload: object) => {
  const raw = JSON.stringify(payload)
  return parseDelivery(raw, { "x-voucherify-signature": signPayload(raw, secret) }, secret)
}

const redemption = {
  redemption: { id: "r_0f1a2b3c4d5e6f7a8b", amount: 2500, result: "SUCCESS", status: "SUCCEEDED" },
  voucher: { id: "v_Spring25", code: "SPRING-25", type: "DISCOUNT_VOUCHER" },
  customer: { id: "cust_Ann", email: "ann@example.com", object: "customer" },
  created_at: "2026-03-02T10:15:00.000Z"
}

describe("parseDelivery", () => {
  it.effect("types data by event: narrowed with isDeliveryOf, nothing lost", () =>
    Effect.gen(function* () {
      const parsed = yield* parse(envelope("redemption.succeeded", redemption))
      expect(parsed.mismatches).toEqual([])
      expect(parsed.delivery).toEqual(envelope("redemption.succeeded", redemption))
      const { delivery } = parsed
      if (!isDeliveryOf(delivery, "redemption.succeeded")) throw new Error("expected a redemption.succeeded")
      // Compile-time: data is the documented shape (a wrong property name or type here fails typecheck).
      const amount: number | null | undefined = delivery.data.redemption?.amount
      const code: string | null | undefined = delivery.data.voucher?.code
      expect([amount, code]).toEqual([2500, "SPRING-25"])
      expect(isDeliveryOf(delivery, "redemption.failed")).toBe(false)
    })
  )

  it.effect("an event this release does not know keeps data as it came", () =>
    Effect.gen(function* () {
      const data = { teleport: { to: "moon", at: [1, 2] } }
      const { delivery, mismatches } = yield* parse(envelope("voucher.teleported", data))
      expect(delivery.type).toBe("voucher.teleported")
      expect(delivery.data).toEqual(data)
      expect(mismatches).toEqual([])
    })
  )

  it.effect("a known event without a published schema keeps data as it came", () =>
    Effect.gen(function* () {
      const data = { earning_rule: { id: "ern_1", active: true }, anything: [null] }
      const { delivery } = yield* parse(envelope("campaign.earning_rule.assigned", data))
      expect(isDeliveryOf(delivery, "campaign.earning_rule.assigned") && delivery.data).toEqual(data)
    })
  )

  it.effect("a documented field with another type is left out of data and reported, never refused", () =>
    Effect.gen(function* () {
      const data = {
        voucher: { id: "v_1", code: 42, categories: [{ id: "cat_1" }, "oops", { id: "cat_2" }], gift: "x" },
        campaign: { id: "camp_1", name: "Spring" },
        extra: { kept: true }
      }
      const raw = envelope("voucher.created", data)
      const parsed = yield* parse(raw)
      expect(parsed.delivery.data).toEqual({
        voucher: { id: "v_1", categories: [{ id: "cat_1" }, { id: "cat_2" }] },
        campaign: { id: "camp_1", name: "Spring" },
        extra: { kept: true }
      })
      expect(parsed.mismatches).toEqual([
        { path: "voucher.code", expected: "string" },
        { path: "voucher.categories[1]", expected: "Category" },
        { path: "voucher.gift", expected: "object" }
      ])
      // The signed bytes are untouched: what was left out of the typed view is still there to read.
      expect(JSON.parse(Buffer.from(parsed.signedBody).toString())).toEqual(raw)
    })
  )

  it.effect("fails like verifyDelivery on a bad signature", () =>
    Effect.gen(function* () {
      const raw = JSON.stringify(envelope("redemption.succeeded", redemption))
      const error = yield* Effect.flip(parseDelivery(raw, { "x-voucherify-signature": "0".repeat(64) }, secret))
      expect(error.reason).toBe("SignatureMismatch")
    })
  )
})

describe("the Delivery schema and the event names", () => {
  it("knows the 61 project-webhook events and the documented customer-activity and distribution ones", () => {
    expect(deliveryTypes).toHaveLength(89)
    for (const name of knownEventTypes) expect(isDeliveryType(name)).toBe(true)
    expect(isDeliveryType("customer.segment.entered")).toBe(true)
    expect(isDeliveryType("distribution.manual_distribution_schedule")).toBe(true)
    expect(isDeliveryType("voucher.teleported")).toBe(false)
  })

  it("the event names match ../shared/voucherify (events.txt and the events document)", (ctx) => {
    const spec = loadEventsSpec()
    if (spec === undefined) return ctx.skip(skipWithoutSpec)
    const txt = readFileSync(new URL("../../../../shared/voucherify/events.txt", import.meta.url), "utf8")
    const names = new Set([...txt.split("\n").filter(Boolean), ...spec.events.map((e) => e.name)])
    expect([...deliveryTypes].sort()).toEqual([...names].sort())
  })

  it("decodes a known event strictly and any other name leniently", () => {
    const decode = Schema.decodeUnknownEither(Delivery)
    expect(Either.isRight(decode(envelope("redemption.succeeded", redemption)))).toBe(true)
    expect(Either.isRight(decode(envelope("voucher.teleported", { a: 1 })))).toBe(true)
    // Strict about documented types: the lenient path is decodeDelivery / parseDelivery.
    expect(Either.isLeft(decode(envelope("redemption.succeeded", { redemption: { amount: "lots" } })))).toBe(true)
    const lenient = decodeDelivery(envelope("redemption.succeeded", { redemption: { amount: "lots", id: "r_1" } }))
    expect(lenient.delivery.data).toEqual({ redemption: { id: "r_1" } })
    expect(lenient.mismatches).toEqual([{ path: "redemption.amount", expected: "number" }])
  })
})
