import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import {
  EventName,
  eventNamePattern,
  knownEventTypes,
  maxEventNameLength,
  maxEventsPerWebhook,
  unknownEvents
} from "./EventType.js"

export const maxTargetUrlLength = 2048

const httpUrl = /^https?:$/

// What a WHATWG URL parser drops or rewrites silently, so that it and an RFC 3986 parser would read different
// hosts from one string: "https://good.example\@169.254.169.254/" is host good.example to one and the metadata
// address to the other; tabs and newlines vanish; invisible format characters (soft hyphen, zero-width space,
// bidi overrides) vanish or spoof what a terminal shows. None of them belongs in a URL unencoded.
const confusable = /[\\\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}]/u

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`

/** Why a string is not an acceptable webhook target, or undefined when it is. */
export const targetUrlProblem = (s: string): string | undefined => {
  if (s.length > maxTargetUrlLength) return `must be at most ${maxTargetUrlLength} characters (got ${s.length})`
  const odd = confusable.exec(s)
  if (odd !== null) {
    const what = odd[0] === "\\" ? "a backslash" : `${codePoint(odd[0])} (whitespace or a control character)`
    return `must not contain ${what} (at position ${odd.index + 1}): percent-encode it or remove it`
  }
  let url: URL
  try {
    url = new URL(s)
  } catch {
    return `"${s}" is not an absolute URL: use e.g. https://example.com/webhooks/voucherify`
  }
  if (!httpUrl.test(url.protocol)) return `must use http or https, not "${url.protocol.slice(0, -1)}"`
  if (url.username !== "" || url.password !== "") {
    return "must not embed a user name or password (user:password@host): use a secret path or header-free auth instead"
  }
  if (url.hostname === "") return "must name a host"
  return undefined
}

/**
 * The form of an accepted target URL that every consumer reads alike (WHATWG serialisation: lowercase host,
 * IDNA to punycode, dot segments resolved, odd IPv4 spellings made dotted). A server that checks a policy on the
 * parsed URL forwards this, never the raw string.
 */
export const normalizeTargetUrl = (s: string): string => new URL(s).href

/** Where deliveries go: an absolute http(s) URL with no credentials, whitespace, backslash or control character in it. */
export const TargetUrl = Schema.String.annotations({ message: () => "must be a string (an absolute http(s) URL)" })
  .pipe(Schema.filter((s) => targetUrlProblem(s) ?? true))
  .annotations({
    identifier: "TargetUrl",
    description: "An absolute http(s) URL without credentials, whitespace, backslashes or control characters",
    jsonSchema: { format: "uri", maxLength: maxTargetUrlLength }
  })

/**
 * A non-empty list of at most {@link maxEventsPerWebhook} well-formed names with no repeats; with `known`, every
 * name must be documented (hints for the first few unknown ones). The length is checked before any item is
 * decoded, so an oversized list costs nothing per item.
 */
const eventList = (known: boolean) => {
  const list = Schema.Array(EventName).pipe(
    Schema.filter((events) => {
      if (events.length === 0) return "must list at least one event (see `vwh events`)"
      const seen = new Set<string>()
      for (const [i, e] of events.entries()) {
        if (seen.has(e)) return { path: [i], message: `"${e}" is listed twice: remove the duplicate` }
        seen.add(e)
      }
      return known ? unknownEvents(events).map(({ index, message }) => ({ path: [index], message })) : true
    })
  )
  return Schema.declare(
    [list],
    {
      decode: (list) => (input, options, ast) => {
        // Named, never printed back: the value may be huge or deeply nested.
        if (!Array.isArray(input))
          return ParseResult.fail(new ParseResult.Type(ast, input, "must be an array of event names"))
        if (input.length > maxEventsPerWebhook) {
          return ParseResult.fail(
            new ParseResult.Type(
              ast,
              input,
              `must list at most ${maxEventsPerWebhook} events (got ${input.length}): a webhook subscribing to every documented event lists ${knownEventTypes.length}`
            )
          )
        }
        return ParseResult.decodeUnknown(list)(input, options)
      },
      encode: (list) => (input, options) => ParseResult.encodeUnknown(list)(input, options)
    },
    {
      identifier: known ? "KnownEventList" : "EventList",
      jsonSchema: {
        type: "array",
        minItems: 1,
        maxItems: maxEventsPerWebhook,
        uniqueItems: true,
        items: {
          type: "string",
          maxLength: maxEventNameLength,
          ...(known ? { enum: knownEventTypes } : { pattern: eventNamePattern.source })
        }
      }
    }
  )
}

// A request field we do not know is refused, naming it, wherever a body is decoded (the servers' HttpApi
// payloads included): silently dropping a misspelt "actvie" would create an active webhook.
const refuseUnknownFields = { parseOptions: { onExcessProperty: "error" } } as const

/** The request fields shared by create and update; `known`: only documented event names. */
const bodyFields = (known: boolean) => ({
  target_url: TargetUrl,
  events: eventList(known)
})

const active = Schema.Boolean.annotations({ message: () => "must be true or false" })

// A body that is not an object is named as such, never printed back (it may be huge or deeply nested). Problems
// with single fields keep their own messages (not overridden). With a defaulted field the struct is a
// transformation whose encoded side reports the "not an object" issue, hence the two cases.
const bodyMessage = (what: string) => ({
  message: (issue: ParseResult.ParseIssue) => ({
    message: `the ${what} body must be a JSON object with target_url, events and active`,
    override:
      issue._tag === "Type" ||
      (issue._tag === "Transformation" && issue.kind === "Encoded" && issue.issue._tag === "Type")
  })
})

/** Body of `POST …/webhooks`; `active` defaults to true, as Voucherify does. */
export const WebhookCreate = Schema.Struct({
  ...bodyFields(true),
  active: Schema.optionalWith(active, { default: () => true, exact: true })
}).annotations({ identifier: "WebhookCreate", ...refuseUnknownFields, ...bodyMessage("create") })
export type WebhookCreate = typeof WebhookCreate.Type

/** Like {@link WebhookCreate}, accepting well-formed event names this release does not know yet. */
export const WebhookCreateAnyEvent = Schema.Struct({
  ...bodyFields(false),
  active: Schema.optionalWith(active, { default: () => true, exact: true })
}).annotations({ identifier: "WebhookCreate", ...refuseUnknownFields, ...bodyMessage("create") })

/**
 * Body of `PUT …/webhooks/{id}`: a full replace. `active` is required here: Voucherify defaults a missing
 * `active` to true, so leaving it out could switch a disabled webhook back on.
 */
export const WebhookUpdate = Schema.Struct({
  ...bodyFields(true),
  active
}).annotations({ identifier: "WebhookUpdate", ...refuseUnknownFields, ...bodyMessage("update") })
export type WebhookUpdate = typeof WebhookUpdate.Type

/** Like {@link WebhookUpdate}, accepting well-formed event names this release does not know yet. */
export const WebhookUpdateAnyEvent = Schema.Struct({
  ...bodyFields(false),
  active
}).annotations({ identifier: "WebhookUpdate", ...refuseUnknownFields, ...bodyMessage("update") })

// Fields Voucherify adds later survive decode → encode (on the wire side and the transformation), so the proxy
// and `vwh --output json` pass them on instead of silently dropping them.
const keepUnknownFields = { parseOptions: { onExcessProperty: "preserve" } } as const
// The wire side also says so in the OpenAPI document the servers publish (as Voucherify's own spec does).
const wireKeepsUnknownFields = { ...keepUnknownFields, jsonSchema: { additionalProperties: true } } as const

/**
 * A webhook as Voucherify returns it. Decoding is lenient on purpose: an event name we do not know yet,
 * or a `target_url` that is no URL (the official examples say "your_url"), is kept as it came; so is a field
 * this release does not know.
 */
export class Webhook extends Schema.Class<Webhook>("Webhook")(
  {
    id: Schema.String,
    object: Schema.Literal("webhook"),
    created_at: Schema.Date,
    target_url: Schema.String,
    events: Schema.Array(Schema.String),
    active: Schema.Boolean
  },
  [undefined, keepUnknownFields, wireKeepsUnknownFields]
) {}

/** `GET …/webhooks`: every webhook of the project (the API has no pagination). */
export class WebhookList extends Schema.Class<WebhookList>("WebhookList")(
  {
    object: Schema.Literal("list"),
    data_ref: Schema.Literal("data"),
    data: Schema.Array(Webhook),
    total: Schema.Int.pipe(Schema.nonNegative())
  },
  [undefined, keepUnknownFields, wireKeepsUnknownFields]
) {}
