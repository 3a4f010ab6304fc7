// The few fields of a delivery's `data` a person looks for first (which voucher, how much, whose), as
// `name=value` pairs for one line of `vwh listen` or `vwh trigger`. Read from whatever the data holds: a field
// that is missing or not a plain value is left out, never guessed.

/** How each kind of object is best named: a voucher by its code, a customer by your id for her, most by name. */
const namers: Readonly<Record<string, ReadonlyArray<string>>> = {
  voucher: ["code", "id"],
  customer: ["source_id", "email", "id"],
  holder: ["source_id", "email", "id"],
  referrer: ["source_id", "email", "id"],
  order: ["source_id", "id"],
  publication: ["id"],
  redemption: ["id"],
  redemption_rollback: ["id"],
  transaction: ["id"]
}
const byName = ["name", "code", "source_id", "id"]

// After the object the event is about, these come first, in this order; then the rest as the data has them.
const priority = ["redemption", "redemption_rollback", "voucher", "campaign", "customer", "order", "publication"]

/** Extra plain values worth a glance: `result` and `amount` of a redemption or an order. */
const extras: ReadonlyArray<readonly [label: string, path: ReadonlyArray<ReadonlyArray<string>>]> = [
  [
    "result",
    [
      ["redemption_rollback", "result"],
      ["redemption", "result"]
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
  ["count", [["count"]]]
]

const maxObjects = 4
const maxValueLength = 40

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const plain = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined

const at = (data: Record<string, unknown>, path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), data)

/** A value as it reads on one line: shortened, quoted when it holds blanks, quotes or `=`. */
const show = (value: string): string => {
  const short = value.length > maxValueLength ? `${value.slice(0, maxValueLength - 1)}…` : value
  return /[\s"'=]/.test(short) || short === "" ? JSON.stringify(short) : short
}

/** The key fields of `data` for an event `type`, e.g. `[["voucher", "SPRING-1"], ["amount", "2500"]]`. */
export const keyFields = (type: string, data: unknown): ReadonlyArray<readonly [string, string]> => {
  if (!isObject(data)) return []
  const objects = Object.keys(data).filter((k) => isObject(data[k]))
  // The object the event names, deepest first: campaign.promotion_tier.created is about its promotion_tier.
  const named = type
    .split(".")
    .reverse()
    .filter((segment) => objects.includes(segment))
  const order = [...new Set([...named, ...priority.filter((k) => objects.includes(k)), ...objects])]
  const fields: Array<readonly [string, string]> = []
  for (const key of order) {
    const object = data[key] as Record<string, unknown>
    const value = (namers[key] ?? byName).map((f) => plain(object[f])).find((v) => v !== undefined)
    if (value !== undefined) fields.push([key, show(value)])
    if (fields.length === maxObjects) break
  }
  for (const [label, paths] of extras) {
    const value = paths.map((p) => plain(at(data, p))).find((v) => v !== undefined)
    if (value !== undefined) fields.push([label, show(value)])
  }
  return fields
}

/** `voucher=SPRING-1 amount=2500`: the key fields as they read on a line. */
export const keyFieldsText = (type: string, data: unknown): string =>
  keyFields(type, data)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ")
