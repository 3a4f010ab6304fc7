import * as Schema from "effect/Schema"

/** `source`: which webhook configuration sent the delivery. */
export const DeliverySource = Schema.Struct({
  id: Schema.String,
  object: Schema.String,
  target_url: Schema.String
})

/** `event.event_source`: who caused the event. */
export const EventSource = Schema.Struct({
  channel: Schema.String,
  user: Schema.optional(Schema.Struct({ id: Schema.String })),
  api_key: Schema.optional(
    Schema.Struct({ name: Schema.optional(Schema.String), app_id: Schema.optional(Schema.String) })
  )
})

export const DeliveryEvent = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  created_at: Schema.String,
  entity_id: Schema.optional(Schema.String),
  group_id: Schema.String,
  event_source: EventSource
})

/**
 * The body of a delivery POSTed to a webhook's target_url (project-settings webhooks, API.md §6.3).
 * `type` is kept as a plain string: Voucherify adds events over time and a receiver must not reject them.
 */
export const DeliveryPayload = Schema.Struct({
  id: Schema.String,
  project_id: Schema.String,
  created_at: Schema.String,
  type: Schema.String,
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  source: DeliverySource,
  event: DeliveryEvent
})
export type DeliveryPayload = typeof DeliveryPayload.Type
