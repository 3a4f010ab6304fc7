import type { ValidationResult } from "@pactflow/swagger-mock-validator"

/**
 * Where Voucherify's published OpenAPI (management.json) is itself wrong or silent, and the contract follows the
 * documentation instead. Each entry says why, and matches one kind of finding as narrowly as it can: by code, by
 * the spec location, and by the offending value or the interaction. Nothing else is tolerated; a test also fails
 * when an entry stops matching anything, so the list cannot quietly outlive its reason.
 */
export interface AllowListEntry {
  readonly id: string
  readonly why: string
  readonly matches: (finding: ValidationResult, valueAt: (location: string) => unknown) => boolean
}

const enumMismatch = (f: ValidationResult) =>
  (f.code === "request.body.incompatible" || f.code === "response.body.incompatible") &&
  f.message.endsWith(": must be equal to one of the allowed values") &&
  f.specDetails.location.endsWith(".properties.events.items.enum")

/** The documented spellings the spec's enum lacks (its four misspelt `…added` names and `customer.updated`, which Voucherify's event list documents). */
export const specEnumGaps: ReadonlySet<string> = new Set([
  "campaign.vouchers.added",
  "voucher.gift.balance_added",
  "voucher.loyalty_card.pending_points.added",
  "voucher.loyalty_card.points_added",
  "customer.updated"
])

export const allowList: ReadonlyArray<AllowListEntry> = [
  {
    id: "spec-enum-misspells-added-and-lacks-customer-updated",
    why:
      "The spec's events enum spells four events `…aded` (commit feaa5138, 2025-03-20) and lacks `customer.updated` " +
      "(added 2025-11-25). The documentation, the event pages and the platform use `…added` and list customer.updated.",
    matches: (f, valueAt) => enumMismatch(f) && specEnumGaps.has(valueAt(f.mockDetails.location) as string)
  },
  {
    id: "spec-omits-429-on-webhook-operations",
    why:
      "Voucherify documents 429 with Retry-After for every API call (limits.mdx, api-overview.mdx), but the webhook " +
      "operations in management.json list only 200/204/400/401/402/404.",
    matches: (f) =>
      f.code === "response.status.unknown" &&
      f.message.endsWith(": 429") &&
      f.mockDetails.interactionDescription === "a request over the rate limit"
  }
]

/**
 * The value a finding points at, read from the pact itself: the validator reports locations such as
 * `[root].interactions[3].response.body.data.0.events.1` but leaves the value out for enum findings.
 */
export const valueInPact =
  (pact: { readonly interactions: ReadonlyArray<Record<string, unknown>> }) =>
  (location: string): unknown => {
    const m = /^\[root\]\.interactions\[(\d+)\]\.(request|response)\.body\.(.+)$/.exec(location)
    if (!m) return undefined
    const side = pact.interactions[Number(m[1])]?.[m[2]!] as { body?: unknown } | undefined
    // V4 pact files keep JSON bodies under body.content.
    let cur: unknown =
      side?.body && typeof side.body === "object" && "content" in side.body ? side.body.content : side?.body
    for (const key of m[3]!.split(".")) {
      cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined
    }
    return cur
  }
