import * as Schema from "effect/Schema"
import { EventGroups } from "./EventNames.js"

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

const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}

/** The documented name closest to a mistyped one, when there is a plausible one. */
export const suggestEventType = (name: string): KnownEventType | undefined => {
  const fixed = specMisspellings[name]
  if (fixed !== undefined) return fixed
  let best: KnownEventType | undefined
  let bestDistance = Math.max(3, Math.floor(name.length / 5)) + 1
  for (const candidate of knownEventTypes) {
    const d = editDistance(name, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

const eventNamePattern = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/

/**
 * A well-formed event name (`resource.action`), known or not: the opt-out for names Voucherify adds
 * after this release.
 */
export const EventName = Schema.String.pipe(
  Schema.filter(
    (s) =>
      eventNamePattern.test(s) ||
      `"${s}" is not an event name: expected dot-separated lowercase words such as "redemption.succeeded"`
  )
).annotations({ identifier: "EventName" })

/** `unknown event "x"`, with the nearest documented name as a hint when there is one: the one wording of it. */
export const unknownEvent = (name: string): string => {
  const hint = suggestEventType(name)
  return `unknown event "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}`
}

/**
 * Why a name is refused where only documented events are accepted, and how to accept it anyway: `allow` is in
 * the words of where the name came from (an API field by default; the CLI names its flag or file setting).
 */
export const unknownEventMessage = (name: string, allow = "allow unknown events explicitly"): string =>
  `${unknownEvent(name)}; list the known ones with \`vwh events\`, or ${allow}`

/** A documented event name; unknown names are rejected with the nearest known one as a hint. */
export const KnownEvent = Schema.String.pipe(
  Schema.filter((s) => isKnownEventType(s) || unknownEventMessage(s))
).annotations({ identifier: "KnownEvent" })
