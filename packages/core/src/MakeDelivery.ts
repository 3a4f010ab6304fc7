import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { DeliveryPayload } from "./Delivery.js"
import { deliveryFixtures } from "./DeliveryFixtures.js"

/** A delivery ("send-out") id as Voucherify mints them, e.g. `whs_0e16e42bc6e0c65b57`. */
export const deliveryId = (): string => `whs_${randomBytes(9).toString("hex")}`

/** An event id; the prefix names the resource like Voucherify's `evred_`, `evvou_`. */
export const eventId = (type: string): string => `ev${type.slice(0, 3)}_${randomBytes(9).toString("hex")}`

/** A request id in `event.group_id`, e.g. `v-1f36113948e50fc4ge`. */
export const groupId = (): string => `v-${randomBytes(9).toString("hex")}`

const webhookId = (): string => `wh_${randomBytes(12).toString("hex")}`

/**
 * The self-written, realistic `data` of an event (see DeliveryFixtures.ts), as a fresh copy the caller may
 * change; undefined for a name this release does not know.
 */
export const fixtureData = (type: string): Record<string, unknown> | undefined =>
  Object.hasOwn(deliveryFixtures, type)
    ? structuredClone(deliveryFixtures[type as keyof typeof deliveryFixtures] as Record<string, unknown>)
    : undefined

/** Why an override could not be applied; names the path and the fix. */
export class DeliveryOverrideError extends Schema.TaggedError<DeliveryOverrideError>()("DeliveryOverrideError", {
  path: Schema.String,
  message: Schema.String
}) {}

/**
 * One `path=value` override as a CLI takes it (`data.voucher.code=SPRING-1`, `data.order.amount=2500`). The value
 * is JSON when it parses as JSON (numbers, booleans, null, objects, arrays, "quoted strings"), else the text.
 */
export const parseOverride = (text: string): Effect.Effect<readonly [string, unknown], DeliveryOverrideError> => {
  const eq = text.indexOf("=")
  if (eq <= 0) {
    return Effect.fail(
      new DeliveryOverrideError({
        path: text,
        message: `"${text}" is not path=value: write e.g. data.voucher.code=SPRING-1 or data.order.amount=2500`
      })
    )
  }
  const raw = text.slice(eq + 1)
  let value: unknown = raw
  try {
    value = JSON.parse(raw)
  } catch {
    // Not JSON: the text itself, so data.voucher.code=SPRING-1 needs no quotes.
  }
  return Effect.succeed([text.slice(0, eq).trim(), value] as const)
}

const forbidden = new Set(["__proto__", "prototype", "constructor"])

/** Sets `value` at a dotted path (`data.order.items.0.quantity`), creating objects on the way. */
const setPath = (
  target: Record<string, unknown>,
  path: string,
  value: unknown
): Effect.Effect<void, DeliveryOverrideError> => {
  const keys = path.split(".")
  const fail = (message: string) => Effect.fail(new DeliveryOverrideError({ path, message }))
  if (keys.some((k) => k === "")) return fail(`"${path}" has an empty segment: write e.g. data.voucher.code`)
  if (keys.some((k) => forbidden.has(k))) return fail(`"${path}" may not name __proto__, prototype or constructor`)
  let node: unknown = target
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!
    const container = node as Record<string, unknown>
    if (Array.isArray(container) && !/^\d+$/.test(key)) {
      return fail(`${keys.slice(0, i).join(".")} is a list: index it with a number (${keys.slice(0, i).join(".")}.0)`)
    }
    const next = container[key]
    if (next === undefined || next === null) {
      container[key] = {}
    } else if (typeof next !== "object") {
      return fail(`${keys.slice(0, i + 1).join(".")} is a ${typeof next}, not an object: set it whole instead`)
    }
    node = container[key]
  }
  const last = keys[keys.length - 1]!
  if (Array.isArray(node) && !/^\d+$/.test(last)) {
    return fail(`${keys.slice(0, -1).join(".")} is a list: index it with a number`)
  }
  ;(node as Record<string, unknown>)[last] = value
  return Effect.void
}

/** Where each event's main entity is, for `event.entity_id` (first match wins). */
const entityPaths: ReadonlyArray<readonly [prefix: string, path: ReadonlyArray<string>]> = [
  ["redemption.rollback", ["redemption_rollback", "id"]],
  ["customer.redemption.rollback", ["redemption_rollback", "id"]],
  ["redemption.", ["redemption", "id"]],
  ["customer.redemption.", ["redemption", "id"]],
  ["campaign.promotion_tier.", ["promotion_tier", "id"]],
  ["campaign.loyalty_tier.", ["loyalty_tier", "id"]],
  ["campaign.earning_rule.", ["earning_rule", "id"]],
  ["campaign.promotion_stack.", ["promotion_stack", "id"]],
  ["campaign.referral_tier.", ["referral_tier", "id"]],
  ["campaign.reward.", ["reward_assignment", "id"]],
  ["campaign.", ["campaign", "id"]],
  ["business_validation_rule.assignment.", ["assignment", "id"]],
  ["business_validation_rule.", ["rule", "id"]],
  ["publication.", ["publication", "id"]],
  ["voucher.published", ["publication", "id"]],
  ["voucher.", ["voucher", "id"]],
  ["customer.order.", ["order", "id"]],
  ["customer.publication.", ["publication", "id"]],
  ["customer.voucher.", ["voucher", "id"]],
  ["customer.", ["customer", "id"]],
  ["distribution.", ["distribution", "id"]]
]

const entityId = (type: string, data: Record<string, unknown>): string | undefined => {
  const found = entityPaths.find(([prefix]) => type.startsWith(prefix))
  if (found === undefined) return undefined
  let node: unknown = data
  for (const key of found[1])
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined
  return typeof node === "string" ? node : undefined
}

export interface DeliveryEnvelopeOptions {
  /** `data` instead of the event's fixture (an unknown event has `{}`). */
  readonly data?: Record<string, unknown>
  readonly id?: string
  readonly projectId?: string
  /** `created_at` of the delivery and its event; now by default. */
  readonly createdAt?: Date | string
  /** The webhook configuration sending it (`source`). */
  readonly webhook?: { readonly id: string; readonly target_url: string }
  /** Parts of `event` to set instead of fresh ones. */
  readonly event?: {
    readonly id?: string
    readonly group_id?: string
    readonly entity_id?: string
    readonly event_source?: { readonly channel: string; readonly [key: string]: unknown }
  }
}

/**
 * A realistic delivery envelope (Voucherify's project-settings webhooks payload: https://docs.voucherify.io/api-reference/project-settings-webhooks) for any event name: the event's fixture as `data` (or the given
 * data, copied), fresh ids, `event.entity_id` read from the data, `source` a webhook (a distribution for
 * `distribution.*` events). See {@link makeDelivery} to also apply overrides.
 */
export const deliveryEnvelope = (type: string, options: DeliveryEnvelopeOptions = {}): DeliveryPayload => {
  const data = options.data === undefined ? (fixtureData(type) ?? {}) : structuredClone(options.data)
  const createdAt =
    options.createdAt === undefined
      ? new Date().toISOString()
      : typeof options.createdAt === "string"
        ? options.createdAt
        : options.createdAt.toISOString()
  const distribution = type.startsWith("distribution.")
  const source = options.webhook ?? {
    id: distribution ? "distr_TrJj0lHV44EMt6HvLa2pyNl" : webhookId(),
    target_url: "https://example.com/webhooks/voucherify"
  }
  const entity = options.event?.entity_id ?? entityId(type, data)
  return {
    id: options.id ?? deliveryId(),
    project_id: options.projectId ?? "proj_example",
    created_at: createdAt,
    type,
    data,
    source: { id: source.id, object: distribution ? "distribution" : "webhook", target_url: source.target_url },
    event: {
      id: options.event?.id ?? eventId(type),
      type,
      created_at: createdAt,
      ...(entity === undefined ? {} : { entity_id: entity }),
      group_id: options.event?.group_id ?? groupId(),
      event_source: options.event?.event_source ?? { channel: "API" }
    }
  }
}

export interface MakeDeliveryOptions extends DeliveryEnvelopeOptions {
  /**
   * Changes applied last, by dotted path into the whole delivery: `{ "data.voucher.code": "SPRING-1" }` or
   * pairs from {@link parseOverride}. Objects on the way are created; a list is indexed by number. Setting
   * `type` does not change `event.type`: set both to move a delivery to another event.
   */
  readonly overrides?: Readonly<Record<string, unknown>> | ReadonlyArray<readonly [string, unknown]>
}

/**
 * {@link deliveryEnvelope} with overrides: what `vwh trigger <event> data.path=value…` sends. Sign
 * `JSON.stringify` of the result with `signPayload` to send it.
 *
 * ```ts
 * const delivery = yield* makeDelivery("voucher.published", { overrides: { "data.voucher.code": "SPRING-1" } })
 * const body = JSON.stringify(delivery)
 * fetch(url, { method: "POST", body, headers: { "x-voucherify-signature": signPayload(body, secret) } })
 * ```
 */
export const makeDelivery = (
  type: string,
  options: MakeDeliveryOptions = {}
): Effect.Effect<DeliveryPayload, DeliveryOverrideError> =>
  Effect.gen(function* () {
    const delivery = deliveryEnvelope(type, options) as Record<string, unknown>
    const overrides =
      options.overrides === undefined
        ? []
        : Array.isArray(options.overrides)
          ? options.overrides
          : Object.entries(options.overrides)
    for (const [path, value] of overrides as ReadonlyArray<readonly [string, unknown]>) {
      yield* setPath(delivery, path, value)
    }
    return delivery as DeliveryPayload
  })
