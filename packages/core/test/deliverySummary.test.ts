import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { deliveryKeyFields } from "../src/DeliverySummary.js"
import { makeDelivery } from "../src/MakeDelivery.js"
import { deliveryTypes } from "../src/TypedDelivery.js"

describe("deliveryKeyFields", () => {
  it.effect("picks the entity and the key fields an event carries, no personal data", () =>
    Effect.gen(function* () {
      const redemption = yield* makeDelivery("redemption.succeeded")
      expect(Object.fromEntries(deliveryKeyFields(redemption))).toEqual({
        entity: "r_0e7a3c5b9d1f2a4c6e",
        voucher: "SPRING-7QX2",
        campaign: "Spring Sale 2026",
        customer: "cust_8mQw2RkT4vXn6bYp0LsE3aHd",
        order: "ord_5GhK2mNp8QrS4tVw6XyZ9aBc",
        amount: "2980",
        result: "SUCCESS"
      })
      const tier = yield* makeDelivery("customer.loyalty.tier.upgraded")
      expect(deliveryKeyFields(tier)).toContainEqual(["tier", "Gold"])
      for (const type of deliveryTypes) {
        const fields = deliveryKeyFields(yield* makeDelivery(type))
        expect(fields.length).toBeGreaterThan(0)
        expect(JSON.stringify(fields)).not.toMatch(/@|Lindqvist/)
      }
    })
  )

  it.effect("copes with anything in data: missing, wrong types, long strings", () =>
    Effect.gen(function* () {
      const odd = yield* makeDelivery("voucher.teleported", {
        data: { voucher: { code: "x".repeat(500) }, campaign: ["not", "an", "object"], order: null, amount: {} }
      })
      const fields = Object.fromEntries(deliveryKeyFields(odd))
      expect(fields.voucher).toHaveLength(80)
      expect(fields).not.toHaveProperty("campaign")
      expect(fields).not.toHaveProperty("order")
    })
  )
})
