import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { parseErrorBody } from "../src/ApiErrors.js"
import { errorFromResponse } from "../src/ErrorFromResponse.js"
import { knownEventTypes } from "../src/EventType.js"
import { ProjectId } from "../src/Ids.js"
import { verifySignature } from "../src/Signature.js"
import { targetUrlProblem, Webhook, WebhookCreate, WebhookList, WebhookUpdate } from "../src/Webhook.js"

const runs = { numRuns: 500 }

const targetUrl = fc
  .webUrl({ withQueryParameters: true, withFragments: true })
  .filter((u) => targetUrlProblem(u) === undefined)
const events = fc.uniqueArray(fc.constantFrom(...knownEventTypes), { minLength: 1, maxLength: 61 })
const createBody = fc.record({ target_url: targetUrl, events, active: fc.boolean() })

const jsonRoundTrip = <A, I>(schema: Schema.Schema<A, I>, value: A): A =>
  Schema.decodeUnknownSync(schema)(JSON.parse(JSON.stringify(Schema.encodeSync(schema)(value))))

describe("valid requests survive encode → JSON → decode unchanged", () => {
  it("WebhookCreate", () => {
    fc.assert(
      fc.property(createBody, (body) => {
        const decoded = Schema.decodeUnknownSync(WebhookCreate)(body)
        expect(decoded).toEqual(body)
        expect(jsonRoundTrip(WebhookCreate, decoded)).toEqual(body)
      }),
      runs
    )
  })

  it("WebhookUpdate", () => {
    fc.assert(
      fc.property(createBody, (body) => {
        expect(jsonRoundTrip(WebhookUpdate, Schema.decodeUnknownSync(WebhookUpdate)(body))).toEqual(body)
      }),
      runs
    )
  })

  it("Webhook responses, whatever their events and target_url", () => {
    const webhook = fc.record({
      id: fc.string(),
      object: fc.constant("webhook" as const),
      created_at: fc
        .date({ min: new Date(0), max: new Date(8.64e15 - 1), noInvalidDate: true })
        .map((d) => d.toISOString()),
      target_url: fc.string(),
      events: fc.array(fc.string()),
      active: fc.boolean()
    })
    fc.assert(
      fc.property(webhook, (wire) => {
        const decoded = Schema.decodeUnknownSync(Webhook)(wire)
        expect(Schema.encodeSync(Webhook)(decoded)).toEqual(wire)
      }),
      runs
    )
  })
})

describe("random junk never crashes a decoder", () => {
  const junk = fc.oneof(
    fc.anything(),
    fc.json().map((j) => JSON.parse(j) as unknown)
  )
  const decoders = [
    Schema.decodeUnknownEither(WebhookCreate),
    Schema.decodeUnknownEither(WebhookUpdate),
    Schema.decodeUnknownEither(Webhook),
    Schema.decodeUnknownEither(WebhookList),
    Schema.decodeUnknownEither(ProjectId)
  ]

  it("schemas answer Left or Right, never throw", () => {
    fc.assert(
      fc.property(junk, (value) => {
        for (const decode of decoders) expect(Either.isEither(decode(value))).toBe(true)
      }),
      runs
    )
  })

  it("error bodies of any text map to a typed error", () => {
    const text = fc.oneof(fc.string(), fc.json(), fc.constant("<html><h1>502</h1></html>"))
    fc.assert(
      fc.property(text, fc.integer({ min: 300, max: 599 }), (body, status) => {
        expect(typeof parseErrorBody(body)).toBe("object")
        const error = errorFromResponse(status, {}, body, { operation: "get", projectId: "p", webhookId: "w" })
        expect(["ValidationError", "AuthError", "NotFoundError", "RateLimitError", "HttpError"]).toContain(error._tag)
        expect(error.message.length).toBeGreaterThan(0)
      }),
      runs
    )
  })

  it("verifySignature answers a boolean for any body and header", () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (body, header) => {
        expect(typeof verifySignature(body, header, "secret")).toBe("boolean")
      }),
      runs
    )
  })
})
