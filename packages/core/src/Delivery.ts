import * as Schema from "effect/Schema"

// Every object of the envelope keeps the properties this release does not know: a later API version may add
// some, and a receiver must neither reject nor silently drop them (its events document already omits some of what deliveries carry).
const Rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** `source`: which webhook configuration sent the delivery. */
export const DeliverySource = Schema.Struct(
  {
    id: Schema.String,
    object: Schema.String,
    target_url: Schema.String
  },
  Rest
)

/** `event.event_source`: who caused the event. */
export const EventSource = Schema.Struct(
  {
    channel: Schema.String,
    user: Schema.optional(Schema.Struct({ id: Schema.String }, Rest)),
    api_key: Schema.optional(
      Schema.Struct({ name: Schema.optional(Schema.String), app_id: Schema.optional(Schema.String) }, Rest)
    )
  },
  Rest
)

export const DeliveryEvent = Schema.Struct(
  {
    id: Schema.String,
    type: Schema.String,
    created_at: Schema.String,
    entity_id: Schema.optional(Schema.String),
    group_id: Schema.String,
    event_source: EventSource
  },
  Rest
)

/** The fields of the envelope other than `type` and `data`, which the typed deliveries narrow. */
export const envelopeFields = {
  id: Schema.String,
  project_id: Schema.String,
  created_at: Schema.String,
  source: DeliverySource,
  event: DeliveryEvent
}

/** `data` when nothing more is known of it: any JSON object, kept as it came. */
export const DeliveryData = Rest

/**
 * The body of a delivery POSTed to a webhook's target_url (project-settings webhooks: https://docs.voucherify.io/api-reference/project-settings-webhooks), with `data`
 * as it came. `type` is a plain string: Voucherify adds events over time and a receiver must not reject them.
 * For `data` typed by event, see `Delivery` in TypedDelivery.ts.
 */
export const DeliveryPayload = Schema.Struct(
  {
    ...envelopeFields,
    type: Schema.String,
    data: DeliveryData
  },
  Rest
)
export type DeliveryPayload = typeof DeliveryPayload.Type
