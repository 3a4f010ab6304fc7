import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { DeliveryPayload } from "../src/Delivery.js"
import { deliveryFixtures } from "../src/DeliveryFixtures.js"
import { fixtureData, makeDelivery, parseOverride } from "../src/MakeDelivery.js"
import { signPayload } from "../src/Signature.js"
import { deliveryTypes, parseDelivery } from "../src/TypedDelivery.js"
import { officialValidator } from "./officialSchemas.js"
import { loadEventsSpec, skipWithoutSpec } from "./sharedSpec.js"

const show = (errors: ReadonlyArray<{ instancePath: string; message?: string }>) =>
  errors.map((e) => `${e.instancePath || "/"} ${e.message}`).slice(0, 5)

describe("the delivery fixtures", () => {
  it("cover every event this release knows: the 61 project-webhook events and the 28 others", () => {
    expect(Object.keys(deliveryFixtures).sort()).toEqual([...deliveryTypes].sort())
    expect(Object.keys(deliveryFixtures)).toHaveLength(89)
    for (const type of deliveryTypes) expect(Object.keys(fixtureData(type)!).length).toBeGreaterThan(0)
  })

  it("are each valid against Voucherify's JSON schema of the event (all 72 that have one)", (ctx) => {
    const spec = loadEventsSpec()
    if (spec === undefined) return ctx.skip(skipWithoutSpec)
    const validator = officialValidator(spec)
    const invalid: Record<string, Array<string>> = {}
    let checked = 0
    for (const type of deliveryTypes) {
      if (!validator.has(type)) continue
      checked++
      const errors = validator.errors(type, fixtureData(type))
      if (errors.length > 0) invalid[type] = show(errors)
    }
    expect(invalid).toEqual({})
    expect(checked).toBe(72)
  })

  it("the validator is a real check: a fixture missing a required field, or of the wrong type, fails", (ctx) => {
    const spec = loadEventsSpec()
    if (spec === undefined) return ctx.skip(skipWithoutSpec)
    const validator = officialValidator(spec)
    const data = fixtureData("voucher.published")!
    const publication = data.publication as Record<string, unknown>
    delete publication.customer_id
    expect(show(validator.errors("voucher.published", data))).toContain(
      "/publication must have required property 'customer_id'"
    )
    expect(validator.errors("redemption.succeeded", { redemption: { id: 1 } }).length).toBeGreaterThan(0)
    expect(validator.errors("campaign.created", { campaign: { created_at: "yesterday" } }).length).toBeGreaterThan(0)
  })

  it("as written, Voucherify's OrderCalculated accepts no order at all (why the validator reads closed allOf members together)", (ctx) => {
    const spec = loadEventsSpec()
    if (spec === undefined) return ctx.skip(skipWithoutSpec)
    const data = fixtureData("customer.order.paid")
    expect(officialValidator(spec).errors("customer.order.paid", data)).toEqual([])
    const asWritten = officialValidator(spec, { asWritten: true }).errors("customer.order.paid", data)
    expect(asWritten.some((e) => e.instancePath === "/order" && e.keyword === "additionalProperties")).toBe(true)
  })

  it("are our own: no id of Voucherify's 72 official examples appears in them", (ctx) => {
    const spec = loadEventsSpec()
    if (spec === undefined) return ctx.skip(skipWithoutSpec)
    const idsOf = (value: unknown, out = new Set<string>()): Set<string> => {
      if (typeof value === "string" && /^[a-z]+_(?=[A-Za-z0-9]*[0-9A-Z])[A-Za-z0-9]{8,}$/.test(value)) out.add(value)
      else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) idsOf(v, out)
      return out
    }
    const theirs = idsOf(spec.events.map((e) => e.example))
    const ours = idsOf(deliveryFixtures)
    expect(theirs.size).toBeGreaterThan(100)
    expect([...ours].filter((id) => theirs.has(id))).toEqual([])
  })

  it.effect("each decodes through our generated schemas without a mismatch or a lost byte", () =>
    Effect.gen(function* () {
      const secret = "whsec_fixtures"
      for (const type of deliveryTypes) {
        const body = JSON.stringify(yield* makeDelivery(type))
        const parsed = yield* parseDelivery(body, { "x-voucherify-signature": signPayload(body, secret) }, secret)
        expect({ type, mismatches: parsed.mismatches }).toEqual({ type, mismatches: [] })
        expect(parsed.delivery.data).toEqual(fixtureData(type))
      }
    })
  )
})

describe("makeDelivery", () => {
  it.effect("builds a realistic envelope around the fixture: fresh ids, the event's entity, now", () =>
    Effect.gen(function* () {
      const before = Date.now()
      const delivery = yield* makeDelivery("redemption.succeeded")
      expect(Schema.is(DeliveryPayload)(delivery)).toBe(true)
      expect(delivery).toMatchObject({
        id: expect.stringMatching(/^whs_[0-9a-f]{18}$/),
        type: "redemption.succeeded",
        source: { id: expect.stringMatching(/^wh_/), object: "webhook" },
        event: {
          id: expect.stringMatching(/^evred_[0-9a-f]{18}$/),
          type: "redemption.succeeded",
          entity_id: (fixtureData("redemption.succeeded")!.redemption as { id: string }).id,
          group_id: expect.stringMatching(/^v-/),
          event_source: { channel: "API" }
        }
      })
      expect(Date.parse(delivery.created_at)).toBeGreaterThanOrEqual(before - 1)
      expect(delivery.event.created_at).toBe(delivery.created_at)
      const again = yield* makeDelivery("redemption.succeeded")
      expect(again.id).not.toBe(delivery.id)
    })
  )

  it.effect("a distribution event comes from a distribution; an unknown event has empty data", () =>
    Effect.gen(function* () {
      const distribution = yield* makeDelivery("distribution.manual_distribution_schedule")
      expect(distribution.source).toMatchObject({ object: "distribution", id: expect.stringMatching(/^distr_/) })
      const unknown = yield* makeDelivery("voucher.teleported")
      expect(unknown.data).toEqual({})
      expect(unknown.event).not.toHaveProperty("entity_id")
    })
  )

  it.effect("takes fixed ids, time, webhook and data for reproducible deliveries", () =>
    Effect.gen(function* () {
      const fixed = {
        id: "whs_000000000000000001",
        projectId: "proj_test",
        createdAt: new Date("2026-01-01T00:00:00.000Z"),
        webhook: { id: "wh_fixed", target_url: "http://127.0.0.1:4343/hooks" },
        event: { id: "evvou_1", group_id: "v-1", event_source: { channel: "USER_PORTAL", user: { id: "user_1" } } },
        data: { voucher: { id: "v_1", code: "X" } }
      }
      const a = yield* makeDelivery("voucher.created", fixed)
      expect(JSON.stringify(a)).toBe(JSON.stringify(yield* makeDelivery("voucher.created", fixed)))
      expect(a).toMatchObject({
        id: fixed.id,
        project_id: "proj_test",
        created_at: "2026-01-01T00:00:00.000Z",
        data: { voucher: { id: "v_1", code: "X" } },
        source: { id: "wh_fixed", object: "webhook", target_url: "http://127.0.0.1:4343/hooks" },
        event: { id: "evvou_1", entity_id: "v_1", group_id: "v-1", event_source: { channel: "USER_PORTAL" } }
      })
    })
  )

  it.effect("applies path=value overrides: nested, list items, JSON values, new objects", () =>
    Effect.gen(function* () {
      const overrides = yield* Effect.all(
        [
          "data.voucher.code=SPRING-1",
          "data.order.amount=2500",
          "data.order.items.0.quantity=3",
          'data.redemption.metadata={"pos":"kiosk-7"}',
          'data.note="100"',
          "data.brand_new.deep.flag=true",
          "source.target_url=http://127.0.0.1:9/x=y"
        ].map(parseOverride)
      )
      const d = yield* makeDelivery("redemption.succeeded", { overrides })
      const data = d.data as Record<string, Record<string, unknown>>
      expect(data.voucher!.code).toBe("SPRING-1")
      expect(data.order!.amount).toBe(2500)
      expect((data.order!.items as Array<Record<string, unknown>>)[0]!.quantity).toBe(3)
      expect(data.redemption!.metadata).toEqual({ pos: "kiosk-7" })
      expect(data.note).toBe("100")
      expect(data.brand_new).toEqual({ deep: { flag: true } })
      expect(d.source.target_url).toBe("http://127.0.0.1:9/x=y")
      // The fixture itself is untouched.
      expect((fixtureData("redemption.succeeded")!.voucher as Record<string, unknown>).code).toBe("SPRING-7QX2")
    })
  )

  it.effect("refuses an override it cannot apply, naming the path and the fix", () =>
    Effect.gen(function* () {
      const failures = [
        ["data.voucher.code.x", 1, "data.voucher.code is a string, not an object"],
        ["data.order.items.first.quantity", 1, "data.order.items is a list: index it with a number"],
        ["data..code", 1, "empty segment"],
        ["data.__proto__.polluted", 1, "__proto__"]
      ] as const
      for (const [path, value, message] of failures) {
        const error = yield* Effect.flip(makeDelivery("redemption.succeeded", { overrides: [[path, value]] }))
        expect(error).toMatchObject({ _tag: "DeliveryOverrideError", path })
        expect(error.message).toContain(message)
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      const bad = yield* Effect.flip(parseOverride("data.voucher.code"))
      expect(bad.message).toContain("is not path=value")
      expect(Either.isLeft(yield* Effect.either(parseOverride("=x")))).toBe(true)
    })
  )
})
