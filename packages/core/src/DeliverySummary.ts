import type { DeliveryPayload } from "./Delivery.js"

/*
 * The few fields of a delivery a person looks for first, for one-line logs (`vwh listen`, an app's own log).
 * Read from the untyped payload, so it needs none of the generated schemas. Personal data (names, emails) is
 * left out on purpose: logs travel further than deliveries.
 */

/** Where each key field may be, first present wins. */
const keyFields: ReadonlyArray<readonly [label: string, paths: ReadonlyArray<ReadonlyArray<string>>]> = [
  [
    "voucher",
    [
      ["voucher", "code"],
      ["redemption", "voucher", "code"],
      ["publication", "voucher", "code"]
    ]
  ],
  [
    "campaign",
    [
      ["campaign", "name"],
      ["campaign", "id"]
    ]
  ],
  [
    "customer",
    [
      ["customer", "id"],
      ["holder", "id"],
      ["redemption", "customer_id"]
    ]
  ],
  [
    "order",
    [
      ["order", "id"],
      ["redemption", "order", "id"]
    ]
  ],
  [
    "amount",
    [
      ["redemption", "amount"],
      ["order", "amount"],
      ["balance", "amount"]
    ]
  ],
  ["points", [["balance", "points"], ["pending_points", "points"], ["points"]]],
  [
    "result",
    [
      ["redemption", "result"],
      ["redemption_rollback", "result"]
    ]
  ],
  [
    "tier",
    [
      ["loyalty_tier", "name"],
      ["loyalty_tier_to", "name"]
    ]
  ]
]

const at = (data: unknown, path: ReadonlyArray<string>): unknown => {
  let node = data
  for (const key of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

const printable = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value.length > 80
      ? `${value.slice(0, 79)}…`
      : value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : undefined

/**
 * `[label, value]` pairs of the key fields present in a delivery: its entity (`event.entity_id`), then voucher
 * code, campaign, customer id, order id, amount, points, result, loyalty tier — whichever the event carries.
 * Control characters are left to the printer to escape.
 */
export const deliveryKeyFields = (delivery: DeliveryPayload): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  const entity = printable(delivery.event?.entity_id)
  if (entity !== undefined) out.push(["entity", entity])
  for (const [label, paths] of keyFields) {
    for (const path of paths) {
      const value = printable(at(delivery.data, path))
      if (value !== undefined) {
        out.push([label, value])
        break
      }
    }
  }
  return out
}
