import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { DeliveryData, type DeliveryPayload, envelopeFields } from "./Delivery.js"
import type { DeliveryError } from "./DeliveryError.js"
import { EventDataSchemas } from "./EventData.generated.js"
import { type KnownEventType, knownEventTypes } from "./EventType.js"
import type { Secret } from "./Signature.js"
import { type HeadersInput, type VerifiedDelivery, type VerifyOptions, verifyDelivery } from "./VerifyDelivery.js"

/** Events whose `data` Voucherify documents (events.openapi.json): 44 project-webhook events, 28 others. */
export type DocumentedEventType = keyof typeof EventDataSchemas

/**
 * Every event name this release knows: the 61 project-webhook events (some without a documented `data`), and
 * the customer-activity and distribution events Voucherify documents.
 */
export type DeliveryType = KnownEventType | DocumentedEventType

export const deliveryTypes: ReadonlyArray<DeliveryType> = [
  ...new Set<DeliveryType>([...knownEventTypes, ...(Object.keys(EventDataSchemas) as Array<DocumentedEventType>)])
].sort()

const known = new Set<string>(deliveryTypes)

export const isDeliveryType = (name: string): name is DeliveryType => known.has(name)

const isDocumented = (name: string): name is DocumentedEventType => Object.hasOwn(EventDataSchemas, name)

type DataSchemaOf<K extends string> = K extends DocumentedEventType ? (typeof EventDataSchemas)[K] : typeof DeliveryData

/** The `data` of an event, as its schema reads it (`{ readonly [key: string]: unknown }` when undocumented). */
export type DeliveryDataOf<K extends DeliveryType> = Schema.Schema.Type<DataSchemaOf<K>>

const Envelope = Schema.Struct(envelopeFields)
type Envelope = typeof Envelope.Type

/** A delivery of one known event: the envelope, `type` that event, and `data` typed by its documented shape. */
export type DeliveryOf<K extends DeliveryType> = Envelope & {
  readonly type: K
  readonly data: DeliveryDataOf<K>
  readonly [key: string]: unknown
}

/** A delivery of an event this release does not know (a later API version's), `data` as it came. */
export type OtherDelivery = Envelope & {
  readonly type: string
  readonly data: { readonly [key: string]: unknown }
  readonly [key: string]: unknown
}

/**
 * A delivery, discriminated on `type`. Because {@link OtherDelivery}'s `type` is any string, a `switch` on
 * `type` keeps it in every branch; narrow with {@link isDeliveryOf} to get the typed `data`.
 */
export type Delivery = { readonly [K in DeliveryType]: DeliveryOf<K> }[DeliveryType] | OtherDelivery

const Rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const dataSchema = (type: string): Schema.Schema<object, unknown> =>
  (isDocumented(type) ? EventDataSchemas[type] : DeliveryData) as unknown as Schema.Schema<object, unknown>

/**
 * The schema of {@link Delivery}: one member per known event (its `data` schema), and a member for any other
 * name. Decoding with it is strict about `data`'s documented types; `decodeDelivery` and `parseDelivery`
 * instead leave a mismatching field out and report it, so a delivery is never refused for Voucherify's drift.
 */
export const Delivery: Schema.Schema<Delivery> = Schema.Union(
  ...deliveryTypes.map((type) =>
    Schema.Struct({ ...envelopeFields, type: Schema.Literal(type), data: dataSchema(type) }, Rest)
  ),
  Schema.Struct(
    {
      ...envelopeFields,
      type: Schema.String.pipe(Schema.filter((t) => !known.has(t), { message: () => "a known event's data" })),
      data: DeliveryData
    },
    Rest
  )
) as unknown as Schema.Schema<Delivery>

/** Narrows a delivery to one event, so that `data` has that event's type. */
export const isDeliveryOf = <K extends DeliveryType>(delivery: Delivery, type: K): delivery is DeliveryOf<K> =>
  delivery.type === type

/** A documented field whose value did not have the documented type: left out of the typed `data`. */
export interface DataMismatch {
  /** Where, as `customer.referrals.campaigns[0]`. */
  readonly path: string
  /** What the documentation says it is. */
  readonly expected: string
}

type Path = ReadonlyArray<PropertyKey>

const showPath = (path: Path): string =>
  path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s === "" ? String(k) : `${s}.${String(k)}`), "")

const isPrefix = (a: Path, b: Path) => a.length < b.length && a.every((k, i) => b[i] === k)

/** A copy of `value` without what is at each path (array items spliced out, last index first). */
const withoutPaths = (value: unknown, paths: ReadonlyArray<Path>): unknown => {
  const copy = structuredClone(value) as Record<PropertyKey, unknown>
  const sorted = [...paths].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = a[i]
      const y = b[i]
      if (x !== y) return typeof x === "number" && typeof y === "number" ? y - x : String(x) < String(y) ? -1 : 1
    }
    return b.length - a.length
  })
  for (const path of sorted) {
    let parent: unknown = copy
    for (const k of path.slice(0, -1)) parent = (parent as Record<PropertyKey, unknown> | undefined)?.[k]
    const last = path[path.length - 1]!
    if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1)
    else if (typeof parent === "object" && parent !== null) delete (parent as Record<PropertyKey, unknown>)[last]
  }
  return copy
}

const decoders = new Map<string, ReturnType<typeof Schema.decodeUnknownEither<object, unknown>>>()
const decoderOf = (type: string) => {
  let decoder = decoders.get(type)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknownEither(dataSchema(type))
    decoders.set(type, decoder)
  }
  return decoder
}

/**
 * Types a verified envelope's `data` by its event. Never fails: an unknown event keeps `data` as it came; a
 * documented field whose value has another type than documented is left out of the typed `data` and listed in
 * `mismatches` (the signed bytes still have it). Unknown fields are kept; key order is the wire's.
 */
export const decodeDelivery = (
  payload: DeliveryPayload
): { readonly delivery: Delivery; readonly mismatches: ReadonlyArray<DataMismatch> } => {
  if (!isDocumented(payload.type)) return { delivery: payload as Delivery, mismatches: [] }
  const decode = decoderOf(payload.type)
  const mismatches = new Map<string, DataMismatch>()
  let data: unknown = payload.data
  // Each round leaves out every innermost mismatch, so a few rounds at most; the bound only guards the loop.
  for (let round = 0; round < 64; round++) {
    const result = decode(data, { errors: "all" })
    if (Either.isRight(result)) {
      // The lenient schemas transform nothing (a test holds every fixture and official example to that), so
      // what passed is itself the typed value: kept as parsed, in the wire's key order, with no copy.
      return { delivery: { ...payload, data } as Delivery, mismatches: [...mismatches.values()] }
    }
    const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
    // NullOr puts an "Expected null" issue on every ancestor of a mismatch: only the innermost paths count.
    const innermost = issues.filter((i) => !issues.some((j) => isPrefix(i.path, j.path)))
    const paths = new Map<string, Path>()
    const expected = new Map<string, Set<string>>()
    for (const issue of innermost) {
      const at = showPath(issue.path)
      paths.set(at, issue.path)
      const what = issue.message.replace(/, actual [\s\S]*$/, "").replace(/^Expected /, "")
      if (what === "null") continue
      const all = expected.get(at) ?? new Set()
      all.add(what.startsWith("{") ? "object" : what)
      expected.set(at, all)
    }
    for (const [at, all] of expected) {
      const what = [...all].join(" | ")
      if (!mismatches.has(at))
        mismatches.set(at, { path: at, expected: what.length > 120 ? `${what.slice(0, 119)}…` : what })
    }
    if (paths.size === 0 || paths.has("")) break
    data = withoutPaths(data, [...paths.values()])
  }
  return { delivery: { ...payload, data: {} } as Delivery, mismatches: [...mismatches.values()] }
}

/** A verified delivery with `data` typed by its event. */
export interface ParsedDelivery extends VerifiedDelivery<Delivery> {
  /** Documented fields left out of `delivery.data` because their value had another type (see decodeDelivery). */
  readonly mismatches: ReadonlyArray<DataMismatch>
}

/**
 * Verifies a delivery (see `verifyDelivery`: exact bytes first, the compact form as a fallback, constant time)
 * and types its `data` by event (see {@link decodeDelivery}). Read `delivery`; forward `signedBody`.
 *
 * ```ts
 * const { delivery } = yield* parseDelivery(rawBody, request.headers, secret)
 * if (isDeliveryOf(delivery, "redemption.succeeded")) console.log(delivery.data.redemption?.amount)
 * ```
 */
export const parseDelivery = (
  rawBody: string | Uint8Array,
  headers: HeadersInput,
  secret: Secret | ReadonlyArray<Secret>,
  options: VerifyOptions = {}
): Effect.Effect<ParsedDelivery, DeliveryError> =>
  Effect.map(verifyDelivery(rawBody, headers, secret, options), (verified) => ({
    ...verified,
    ...decodeDelivery(verified.delivery)
  }))
