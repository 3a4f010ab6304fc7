import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { mergeUpdate, type RequestedUpdate } from "../src/webhooks/UpdateMerge.js"

const current = { id: "wh_1", target_url: "https://a", events: ["voucher.created", "voucher.deleted"], active: false }
const none: RequestedUpdate = {
  url: Option.none(),
  events: [],
  addEvents: [],
  removeEvents: [],
  active: Option.none(),
  allowUnknownEvents: false
}
const merge = (flags: Partial<RequestedUpdate>) => mergeUpdate(current, { ...none, ...flags })

describe("update merge", () => {
  it("keeps every field not named, and always sends active", () => {
    const result = merge({ url: Option.some("https://b") })
    expect(Either.getOrThrow(result).body).toEqual({
      target_url: "https://b",
      events: ["voucher.created", "voucher.deleted"],
      active: false
    })
  })

  it("adds and removes events, replaces them with --event", () => {
    expect(
      Either.getOrThrow(merge({ addEvents: ["redemption.failed"], removeEvents: ["voucher.created"] })).body.events
    ).toEqual(["voucher.deleted", "redemption.failed"])
    expect(Either.getOrThrow(merge({ events: ["redemption.failed"], active: Option.some(true) })).body).toEqual({
      target_url: "https://a",
      events: ["redemption.failed"],
      active: true
    })
  })

  it("warns about removing an event the webhook lacks", () => {
    expect(Either.getOrThrow(merge({ removeEvents: ["customer.created"] })).warnings).toHaveLength(1)
  })

  it("refuses no change, contradictions, an empty list and unknown events", () => {
    expect(Either.isLeft(merge({}))).toBe(true)
    expect(Either.isLeft(merge({ addEvents: ["voucher.created"], removeEvents: ["voucher.created"] }))).toBe(true)
    expect(Either.isLeft(merge({ removeEvents: ["voucher.created", "voucher.deleted"] }))).toBe(true)
    const unknown = merge({ addEvents: ["redemption.suceeded"] })
    expect(Either.isLeft(unknown) && unknown.left.message).toContain('did you mean "redemption.succeeded"')
    expect(Either.isRight(merge({ addEvents: ["loyalty.new_thing"], allowUnknownEvents: true }))).toBe(true)
  })

  it("marks a body that keeps unknown events the server sent", () => {
    const withUnknown = { ...current, events: ["voucher.created", "future.event"] }
    const merged = Either.getOrThrow(mergeUpdate(withUnknown, { ...none, addEvents: ["voucher.deleted"] }))
    expect(merged.keepsUnknownEvents).toBe(true)
  })
})
