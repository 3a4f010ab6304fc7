import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import {
  EventGroups,
  EventName,
  KnownEvent,
  knownEventTypes,
  maxEventNameLength,
  maxEventsPerWebhook,
  suggestEventType,
  unknownEvents
} from "../src/EventType.js"
import { ProjectId, WebhookId } from "../src/Ids.js"
import { jsonDeeperThan } from "../src/ServerErrors.js"
import { describeIssues, fieldIssues, maxDescribedIssues } from "../src/Validation.js"
import {
  maxTargetUrlLength,
  normalizeTargetUrl,
  Webhook,
  WebhookCreate,
  WebhookCreateAnyEvent,
  WebhookList,
  WebhookUpdate
} from "../src/Webhook.js"

const problems = <A, I>(schema: Schema.Schema<A, I>, input: unknown): string => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input)
  if (Either.isRight(result)) return ""
  return describeIssues(fieldIssues(result.left))
}

const ok = { target_url: "https://example.com/hooks/voucherify", events: ["redemption.succeeded"] }

describe("EventType", () => {
  it("knows exactly the 61 documented events, grouped by resource", () => {
    expect(knownEventTypes).toHaveLength(61)
    expect(new Set(knownEventTypes).size).toBe(61)
    expect(Object.keys(EventGroups)).toEqual([
      "business_validation_rule",
      "campaign",
      "customer",
      "publication",
      "redemption",
      "voucher"
    ])
    for (const [group, names] of Object.entries(EventGroups)) {
      for (const name of names) expect(name.startsWith(`${group}.`)).toBe(true)
    }
  })

  it("matches ../shared/voucherify/events.txt when it is present", (ctx) => {
    let text: string
    try {
      text = readFileSync(new URL("../../../../shared/voucherify/events.txt", import.meta.url), "utf8")
    } catch {
      ctx.skip("../shared/voucherify/events.txt is absent (a fresh clone): nothing to compare against")
      return
    }
    const documented = text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .sort()
    expect([...knownEventTypes].sort()).toEqual(documented)
  })

  it("accepts every documented name and the corrected spellings, not the spec's `aded` ones", () => {
    for (const name of knownEventTypes) expect(problems(KnownEvent, name)).toBe("")
    expect(problems(KnownEvent, "customer.updated")).toBe("")
    expect(problems(KnownEvent, "voucher.gift.balance_aded")).toContain('did you mean "voucher.gift.balance_added"')
    expect(problems(KnownEvent, "campaign.vouchers.aded")).toContain('did you mean "campaign.vouchers.added"')
  })

  it("suggests the nearest documented name for a typo, and nothing for nonsense", () => {
    expect(suggestEventType("redemption.suceeded")).toBe("redemption.succeeded")
    expect(suggestEventType("vocher.created")).toBe("voucher.created")
    expect(suggestEventType("zzzzzzzzzzzz")).toBeUndefined()
    expect(problems(KnownEvent, "order.created")).toMatch(/unknown event "order.created".*vwh events/)
  })

  it("the opt-out accepts well-formed future names but not junk", () => {
    expect(problems(EventName, "loyalty.tier.upgraded")).toBe("")
    expect(problems(EventName, "Not An Event")).toContain("is not an event name")
    expect(problems(EventName, "voucher")).toContain("is not an event name")
  })
})

describe("ProjectId / WebhookId", () => {
  it("accepts ordinary ids", () => {
    expect(problems(ProjectId, "proj_TrlkLiH4")).toBe("")
    expect(problems(WebhookId, "wh_Fk1HzL9lqC1lpuIFxp3TShB4")).toBe("")
  })

  it.each([
    ["", "must not be empty"],
    ["   ", "must not be empty"],
    [" proj_x", "must not start or end with whitespace"],
    ["proj x", "must not contain whitespace"],
    ["proj_x/../other", 'must not contain "/"'],
    ["p".repeat(201), "is too long"]
  ])("rejects %j: %s", (input, reason) => {
    expect(problems(ProjectId, input)).toContain(`project id ${reason}`)
    expect(problems(WebhookId, input)).toContain(`webhook id ${reason}`)
  })
})

describe("WebhookCreate", () => {
  it("refuses a field it does not know, naming it, even with default parse options (as HttpApi decodes)", () => {
    for (const decode of [Schema.decodeUnknownEither(WebhookCreate), Schema.decodeUnknownEither(WebhookUpdate)]) {
      const result = decode({ ...ok, active: true, actvie: false })
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(describeIssues(fieldIssues(result.left))).toContain("actvie")
    }
  })

  it("defaults active to true and keeps an explicit false", () => {
    expect(Schema.decodeUnknownSync(WebhookCreate)(ok)).toEqual({ ...ok, active: true })
    expect(Schema.decodeUnknownSync(WebhookCreate)({ ...ok, active: false }).active).toBe(false)
  })

  it.each([
    ["your_url", "is not an absolute URL"],
    ["/relative/path", "is not an absolute URL"],
    ["ftp://example.com/hook", 'must use http or https, not "ftp"'],
    ["https://user:secret@example.com/hook", "must not embed a user name or password"],
    [`https://example.com/${"a".repeat(maxTargetUrlLength)}`, `at most ${maxTargetUrlLength} characters`]
  ])("rejects target_url %j", (target_url, reason) => {
    const message = problems(WebhookCreate, { ...ok, target_url })
    expect(message).toContain("target_url: ")
    expect(message).toContain(reason)
  })

  it("rejects an empty events list", () => {
    expect(problems(WebhookCreate, { ...ok, events: [] })).toBe(
      "events: must list at least one event (see `vwh events`)"
    )
  })

  it("names the duplicate event and where it is", () => {
    const message = problems(WebhookCreate, {
      ...ok,
      events: ["voucher.created", "voucher.updated", "voucher.created"]
    })
    expect(message).toBe('events.2: "voucher.created" is listed twice: remove the duplicate')
  })

  it("reports every bad field at once, by path", () => {
    const message = problems(WebhookCreate, {
      target_url: "nope",
      events: ["voucher.created", "bogus.event"],
      active: "yes"
    })
    expect(message).toContain("target_url:")
    expect(message).toContain('events.1: unknown event "bogus.event"')
    expect(message).toContain("active:")
  })

  it("rejects unknown fields rather than dropping them silently", () => {
    expect(problems(WebhookCreate, { ...ok, activ: false })).toContain("activ")
  })

  it("the any-event variant accepts names this release does not know", () => {
    expect(problems(WebhookCreate, { ...ok, events: ["loyalty.tier.upgraded"] })).toContain("unknown event")
    expect(problems(WebhookCreateAnyEvent, { ...ok, events: ["loyalty.tier.upgraded"] })).toBe("")
  })
})

describe("WebhookUpdate", () => {
  it("requires active: update is a full replace and a missing active may re-enable the webhook", () => {
    expect(problems(WebhookUpdate, ok)).toContain("active")
    expect(Schema.decodeUnknownSync(WebhookUpdate)({ ...ok, active: false })).toEqual({ ...ok, active: false })
  })
})

describe("Webhook and WebhookList (responses)", () => {
  // Verbatim from the published spec's examples, "your_url" included.
  const created = {
    object: "webhook",
    created_at: "2024-04-30T08:13:55.789Z",
    id: "wh_ekFHVL6lqC4lDuIFxpETSGa3",
    events: ["redemption.succeeded"],
    target_url: "your_url",
    active: true
  }

  it("decodes the documented example leniently, created_at as a Date", () => {
    const webhook = Schema.decodeUnknownSync(Webhook)(created)
    expect(webhook.target_url).toBe("your_url")
    expect(webhook.created_at).toBeInstanceOf(Date)
    expect(webhook.created_at.toISOString()).toBe("2024-04-30T08:13:55.789Z")
  })

  it("keeps event names it does not know, and misspelled ones, as they came", () => {
    const webhook = Schema.decodeUnknownSync(Webhook)({
      ...created,
      events: ["voucher.gift.balance_aded", "loyalty.tier.upgraded"]
    })
    expect(webhook.events).toEqual(["voucher.gift.balance_aded", "loyalty.tier.upgraded"])
  })

  it("encodes back to the wire shape", () => {
    expect(Schema.encodeSync(Webhook)(Schema.decodeUnknownSync(Webhook)(created))).toEqual(created)
  })

  it("keeps fields it does not know through decode and encode (Voucherify adds fields over time)", () => {
    const later = { ...created, description: "added by a later API version", metadata: { team: "growth" } }
    const list = { object: "list", data_ref: "data", data: [later], total: 1, has_more: false }
    const decoded = Schema.decodeUnknownSync(Schema.parseJson(WebhookList))(JSON.stringify(list))
    expect(decoded.data[0]).toBeInstanceOf(Webhook)
    expect(Schema.encodeSync(WebhookList)(decoded)).toEqual(list)
    expect(Schema.encodeSync(Webhook)(Schema.decodeUnknownSync(Webhook)(later))).toEqual(later)
  })

  it("decodes the documented list", () => {
    const list = Schema.decodeUnknownSync(WebhookList)({
      object: "list",
      data_ref: "data",
      data: [created, { ...created, id: "wh_x2YxoHtQdBlP7zfk5KZ8m5WX", active: false }],
      total: 2
    })
    expect(list.data.map((w) => w.active)).toEqual([true, false])
    expect(list.total).toBe(2)
  })

  it("rejects a body that is not a webhook", () => {
    expect(problems(Webhook, { ...created, created_at: "yesterday" })).toContain("created_at")
    expect(problems(Webhook, { ...created, object: "list" })).toContain("object")
  })
})

describe("bounds: what one value can cost and how long its error can be", () => {
  it("an event name over the limit is refused by its length first, and not echoed", () => {
    const long = `a.${"b".repeat(65_000)}`
    for (const schema of [EventName, KnownEvent]) {
      const message = problems(schema, long)
      expect(message).toBe(`is 65002 characters long: event names have at most ${maxEventNameLength}`)
    }
    expect(suggestEventType(long)).toBeUndefined()
    expect(problems(EventName, `a.${"b".repeat(maxEventNameLength - 2)}`)).toBe("")
  })

  it("an events list over the limit is refused as a whole, for known and any-event bodies", () => {
    const events = Array.from({ length: maxEventsPerWebhook + 1 }, (_, i) => `a.b${i}`)
    for (const schema of [WebhookCreate, WebhookCreateAnyEvent]) {
      expect(problems(schema, { ...ok, events })).toBe(
        `events: must list at most ${maxEventsPerWebhook} events (got ${maxEventsPerWebhook + 1}): a webhook subscribing to every documented event lists 61`
      )
    }
    expect(problems(WebhookCreate, { ...ok, events: knownEventTypes })).toBe("")
  })

  it("unknown names: hints for the first three, and every one is named with its index", () => {
    const issues = unknownEvents([
      "redemption.succeeded",
      "redemption.suceeded",
      "vocher.created",
      "x.y",
      "voucher.creatd",
      "voucher.updatd"
    ])
    expect(issues.map((i) => i.index)).toEqual([1, 2, 3, 4, 5])
    // The first three unknown names are looked up (x.y has no near match); later ones are only named.
    expect(issues.filter((i) => i.message.includes("did you mean")).map((i) => i.index)).toEqual([1, 2])
    expect(issues[4]!.message).toBe(
      'unknown event "voucher.updatd"; list the known ones with `vwh events`, or allow unknown events explicitly'
    )
  })

  it("describeIssues names the first ten and counts the rest; each message is clipped", () => {
    const issues = Array.from({ length: 25 }, (_, i) => ({ path: `events.${i}`, message: "x".repeat(10) }))
    const text = describeIssues(issues)
    expect(text.split("; ")).toHaveLength(maxDescribedIssues + 1)
    expect(text.endsWith("; and 15 more problems")).toBe(true)
    const wide = problems(Webhook, {
      id: "x",
      object: "webhook",
      created_at: "2024-01-01T00:00:00Z",
      target_url: Array.from({ length: 10_000 }, () => 1),
      events: [],
      active: true
    })
    expect(wide.length).toBeLessThan(600)
  })

  it("a value nested thousands of levels deep is described without printing it (no stack overflow)", () => {
    let deep: unknown = 1
    for (let i = 0; i < 10_000; i++) deep = [deep]
    expect(problems(WebhookCreate, { ...ok, target_url: deep })).toBe(
      "target_url: must be a string (an absolute http(s) URL)"
    )
    expect(problems(WebhookCreate, { ...ok, events: [deep] })).toBe("events.0: must be a string (an event name)")
    expect(problems(WebhookCreate, deep)).toBe(
      "the create body must be a JSON object with target_url, events and active"
    )
    expect(problems(WebhookUpdate, deep)).toBe(
      "the update body must be a JSON object with target_url, events and active"
    )
    // Response schemas keep the default messages; a deep value there is still described, not a crash.
    expect(
      problems(Webhook, {
        id: "x",
        object: "webhook",
        created_at: "2024-01-01T00:00:00Z",
        target_url: deep,
        events: [],
        active: true
      })
    ).toBe("the value is nested too deeply to be described")
  })

  it("jsonDeeperThan counts brackets outside strings only, escapes included", () => {
    expect(jsonDeeperThan("[[[1]]]", 3)).toBe(false)
    expect(jsonDeeperThan("[[[[1]]]]", 3)).toBe(true)
    expect(jsonDeeperThan('{"a":"[[[[[[\\"}', 1)).toBe(false)
    expect(jsonDeeperThan('{"a":"\\"[[[[ "}', 1)).toBe(false)
    expect(jsonDeeperThan('{"a":"\\\\","b":[[1]]}', 2)).toBe(true)
  })
})

describe("target_url: nothing two URL parsers would read differently", () => {
  it.each([
    ["https://x.example.com\\@169.254.169.254/latest", "a backslash"],
    ["https://example.com/\tx", "U+0009"],
    ["https://example.com/\nx", "U+000A"],
    ["https://example.com/\u0000", "U+0000"],
    ["https://example.com/\u007f", "U+007F"],
    ["https://example.com/\u0085", "U+0085"],
    ["https://example.com/\u00a0", "U+00A0"],
    ["https://ex\u200bample.com/", "U+200B"],
    ["https://example.com/\u2028", "U+2028"],
    ["https://example.com/\ufeff", "U+FEFF"]
  ])("refuses %j, naming %s by code point", (target_url, what) => {
    const message = problems(WebhookCreate, { ...ok, target_url })
    expect(message).toContain(`target_url: must not contain ${what}`)
    expect(message).not.toMatch(/\p{Cc}/u)
  })

  it.each([
    ["https://EXAMPLE.com:443/a/./b/../c", "https://example.com/a/c"],
    ["https://example.com/%2e%2e/x", "https://example.com/x"],
    ["https://exa%6Dple.com/", "https://example.com/"],
    ["https://\uff45xample.com/", "https://example.com/"],
    ["https://b\u00fccher.example/", "https://xn--bcher-kva.example/"],
    ["https://0x7f.1/", "https://127.0.0.1/"],
    ["https://example.com./", "https://example.com./"],
    ["https://example.com", "https://example.com/"]
  ])("accepts %j; what the policy checks and forwards is %j", (input, href) => {
    const raw = input
    expect(problems(WebhookCreate, { ...ok, target_url: raw })).toBe("")
    expect(normalizeTargetUrl(raw)).toBe(href)
  })
})

describe("ids: control characters are refused, never echoed", () => {
  it("an id with ESC is refused with a message free of it", () => {
    expect(problems(WebhookId, "wh_\u001b[31m")).toBe("webhook id must not contain control characters")
  })
})
