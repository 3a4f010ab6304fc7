import * as Schema from "effect/Schema"
import { EventName, KnownEvent } from "./EventType.js"

export const maxTargetUrlLength = 2048

const httpUrl = /^https?:$/

/** Why a string is not an acceptable webhook target, or undefined when it is. */
export const targetUrlProblem = (s: string): string | undefined => {
  if (s.length > maxTargetUrlLength) return `must be at most ${maxTargetUrlLength} characters (got ${s.length})`
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

/** Where deliveries go: an absolute http(s) URL with no credentials in it. */
export const TargetUrl = Schema.String.pipe(Schema.filter((s) => targetUrlProblem(s) ?? true)).annotations({
  identifier: "TargetUrl"
})

/** A non-empty list of event names with no repeats; the issue names the first duplicate. */
const eventList = <A extends string, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Array(item).pipe(
    Schema.filter((events) => {
      if (events.length === 0) return "must list at least one event (see `vwh events`)"
      const seen = new Set<string>()
      for (const [i, e] of events.entries()) {
        if (seen.has(e)) return { path: [i], message: `"${e}" is listed twice: remove the duplicate` }
        seen.add(e)
      }
      return true
    })
  )

// A request field we do not know is refused, naming it, wherever a body is decoded (the servers' HttpApi
// payloads included): silently dropping a misspelt "actvie" would create an active webhook.
const refuseUnknownFields = { parseOptions: { onExcessProperty: "error" } } as const

/** The request fields shared by create and update, for a given rule on event names. */
const bodyFields = <R>(event: Schema.Schema<string, string, R>) => ({
  target_url: TargetUrl,
  events: eventList(event)
})

/** Body of `POST …/webhooks`; `active` defaults to true, as Voucherify does. */
export const WebhookCreate = Schema.Struct({
  ...bodyFields(KnownEvent),
  active: Schema.optionalWith(Schema.Boolean, { default: () => true, exact: true })
}).annotations({ identifier: "WebhookCreate", ...refuseUnknownFields })
export type WebhookCreate = typeof WebhookCreate.Type

/** Like {@link WebhookCreate}, accepting well-formed event names this release does not know yet. */
export const WebhookCreateAnyEvent = Schema.Struct({
  ...bodyFields(EventName),
  active: Schema.optionalWith(Schema.Boolean, { default: () => true, exact: true })
}).annotations({ identifier: "WebhookCreate", ...refuseUnknownFields })

/**
 * Body of `PUT …/webhooks/{id}`: a full replace. `active` is required here: Voucherify defaults a missing
 * `active` to true, so leaving it out could switch a disabled webhook back on.
 */
export const WebhookUpdate = Schema.Struct({
  ...bodyFields(KnownEvent),
  active: Schema.Boolean
}).annotations({ identifier: "WebhookUpdate", ...refuseUnknownFields })
export type WebhookUpdate = typeof WebhookUpdate.Type

/** Like {@link WebhookUpdate}, accepting well-formed event names this release does not know yet. */
export const WebhookUpdateAnyEvent = Schema.Struct({
  ...bodyFields(EventName),
  active: Schema.Boolean
}).annotations({ identifier: "WebhookUpdate", ...refuseUnknownFields })

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
