import * as Schema from "effect/Schema"
import { EventGroups } from "./EventNames.js"
import { closest, didYouMean } from "./Suggest.js"

export { EventGroups }

/** A documented event name, e.g. `redemption.succeeded`. */
export type KnownEventType = (typeof EventGroups)[keyof typeof EventGroups][number]

/** Every documented event name, in resource order. */
export const knownEventTypes: ReadonlyArray<KnownEventType> = Object.values(EventGroups).flat()

const known: ReadonlySet<string> = new Set(knownEventTypes)

export const isKnownEventType = (name: string): name is KnownEventType => known.has(name)

/**
 * The published OpenAPI enum spells four events `…aded`. Voucherify emits `…added`, so we send that,
 * and point anyone who copied the spec's spelling at the right one.
 */
export const specMisspellings: Readonly<Record<string, KnownEventType>> = {
  "campaign.vouchers.aded": "campaign.vouchers.added",
  "voucher.gift.balance_aded": "voucher.gift.balance_added",
  "voucher.loyalty_card.pending_points.aded": "voucher.loyalty_card.pending_points.added",
  "voucher.loyalty_card.points_aded": "voucher.loyalty_card.points_added"
}

/**
 * The longest event name accepted anywhere: documented names have at most 45 characters, so 128 leaves room for
 * names Voucherify adds while bounding what a name can cost (it is checked before anything else).
 */
export const maxEventNameLength = 128

/**
 * The most events one webhook may list: the list has no repeats, so with documented names it has at most 61;
 * 100 leaves room for events Voucherify adds, and bounds the work one request can cause (checked before any
 * per-name work).
 */
export const maxEventsPerWebhook = 100

/** Unknown names in one list that get a did-you-mean hint; the others are named without one. */
export const maxHintsPerList = 3

/**
 * The documented name closest to a mistyped one, when there is a plausible one. Names longer than
 * {@link maxEventNameLength} get none: the search is bounded by the name's length, never by what a caller sends.
 * `candidates` replaces the 61 webhook events where more names are accepted (e.g. every event with a fixture).
 */
export const suggestEventType = (
  name: string,
  candidates: ReadonlyArray<string> = knownEventTypes
): string | undefined => {
  const fixed = specMisspellings[name]
  if (fixed !== undefined) return fixed
  if (name.length > maxEventNameLength) return undefined
  return closest(name, candidates, Math.max(3, Math.floor(name.length / 5)))
}

/** What a well-formed event name looks like: dot-separated lowercase words. */
export const eventNamePattern = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/

/** Why `s` is not a well-formed event name, or undefined. The length is checked first, and a long name is not echoed. */
const eventNameProblem = (s: string): string | undefined => {
  if (s.length > maxEventNameLength) {
    return `is ${s.length} characters long: event names have at most ${maxEventNameLength}`
  }
  if (!eventNamePattern.test(s)) {
    return `"${s}" is not an event name: expected dot-separated lowercase words such as "redemption.succeeded"`
  }
  return undefined
}

// `unknown event "x"`, with a hint when one is given.
const unknownEventText = (name: string, hint: string | undefined): string =>
  `unknown event "${name}"${didYouMean(hint)}`

const howToAllow = (allow: string) => `list the known ones with \`vwh events\`, or ${allow}`

/**
 * `unknown event "x"`, with the nearest documented name (of `candidates`, see {@link suggestEventType}) as a
 * hint when there is one: the one wording of it.
 */
export const unknownEvent = (name: string, candidates?: ReadonlyArray<string>): string =>
  unknownEventText(name, suggestEventType(name, candidates))

/**
 * Why a name is refused where only documented events are accepted, and how to accept it anyway: `allow` is in
 * the words of where the name came from (an API field by default; the CLI names its flag or file setting).
 */
export const unknownEventMessage = (
  name: string,
  allow = "allow unknown events explicitly",
  candidates?: ReadonlyArray<string>
): string => `${unknownEvent(name, candidates)}; ${howToAllow(allow)}`

// A non-string never reaches the default message, which would print the value whole (a deeply nested value
// overflowed the stack while being printed, and a wide one made an answer as large as the request).
const eventNameString = Schema.String.annotations({ message: () => "must be a string (an event name)" })

/**
 * A well-formed event name (`resource.action`, at most {@link maxEventNameLength} characters), known or not:
 * the opt-out for names Voucherify adds after this release.
 */
export const EventName = eventNameString.pipe(Schema.filter((s) => eventNameProblem(s) ?? true)).annotations({
  identifier: "EventName",
  description: "A webhook event name such as redemption.succeeded",
  jsonSchema: { maxLength: maxEventNameLength, pattern: eventNamePattern.source }
})

/** A documented event name; unknown names are rejected with the nearest known one as a hint. */
export const KnownEvent = eventNameString
  .pipe(
    Schema.filter((s) => {
      if (isKnownEventType(s)) return true
      return eventNameProblem(s) ?? unknownEventMessage(s)
    })
  )
  .annotations({ identifier: "KnownEvent", jsonSchema: { enum: knownEventTypes } })

/**
 * The unknown names of a list, each with its index: hints for the first {@link maxHintsPerList} only, so a list
 * of unknown names costs little more than a list of known ones. Meant for lists already bounded by
 * {@link maxEventsPerWebhook} and made of well-formed names. `allow` as in {@link unknownEventMessage}.
 */
export const unknownEvents = (
  events: ReadonlyArray<string>,
  allow = "allow unknown events explicitly"
): ReadonlyArray<{ readonly index: number; readonly message: string }> => {
  const issues: Array<{ index: number; message: string }> = []
  for (const [index, name] of events.entries()) {
    if (isKnownEventType(name)) continue
    const hint = issues.length < maxHintsPerList ? suggestEventType(name) : undefined
    issues.push({ index, message: `${unknownEventText(name, hint)}; ${howToAllow(allow)}` })
  }
  return issues
}
