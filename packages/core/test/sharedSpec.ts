import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { eventName } from "../scripts/generate-event-data.mjs"

/** Voucherify's events document beside the checkout (its events OpenAPI document, reference/OpenAPIWebhooks.json in voucherifyio/voucherify-openapi); absent in a user's fresh clone. */
export const eventsSpecPath = fileURLToPath(
  new URL("../../../../shared/voucherify/events.openapi.json", import.meta.url)
)

export const skipWithoutSpec = `../shared/voucherify/events.openapi.json is absent (a fresh clone): nothing to check against`

export interface OfficialEvent {
  readonly name: string
  /** The JSON schema of `data`, as a $ref into the document's components. */
  readonly schema: { readonly $ref: string }
  readonly example: unknown
}

export interface EventsSpec {
  readonly document: { readonly components: { readonly schemas: Record<string, unknown> } }
  readonly events: ReadonlyArray<OfficialEvent>
}

interface RawSpec {
  readonly components: { readonly schemas: Record<string, unknown> }
  readonly webhooks: Record<
    string,
    {
      readonly post: {
        readonly requestBody: {
          readonly content: {
            readonly "application/json": {
              readonly schema: { readonly $ref: string }
              readonly examples: Record<string, { readonly value: unknown }>
            }
          }
        }
      }
    }
  >
}

let cached: EventsSpec | undefined

/** The document and its 72 events (name, data schema, official example), or undefined when it is absent. */
export const loadEventsSpec = (): EventsSpec | undefined => {
  if (cached !== undefined) return cached
  if (!existsSync(eventsSpecPath)) return undefined
  const document = JSON.parse(readFileSync(eventsSpecPath, "utf8")) as RawSpec
  const events = Object.entries(document.webhooks).map(([key, entry]) => {
    const body = entry.post.requestBody.content["application/json"]
    return { name: eventName(key), schema: body.schema, example: Object.values(body.examples)[0]?.value }
  })
  cached = { document, events }
  return cached
}
