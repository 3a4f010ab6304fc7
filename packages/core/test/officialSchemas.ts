import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js"
import addFormatsModule from "ajv-formats"
import type { EventsSpec } from "./sharedSpec.js"

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020
) => Ajv2020

/**
 * OpenAPI 3.0's `nullable: true` in JSON Schema 2020-12 terms: null is allowed besides whatever else the schema
 * says (`anyOf: [null, …]`). Ajv's own `nullable` only widens `type`, so `{nullable, type: object, allOf: [$ref]}`
 * (Voucherify's way to say "this object or null") would still refuse null.
 */
const withNullable = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(withNullable)
  if (typeof schema !== "object" || schema === null) return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    // Examples, enums and defaults are data, not schemas: left as they are.
    out[key] =
      key === "example" || key === "examples" || key === "enum" || key === "default" ? value : withNullable(value)
  }
  if (out.nullable === undefined) return out
  const { nullable, ...rest } = out
  return nullable === true ? { anyOf: [{ type: "null" }, rest] } : rest
}

type Schemas = Record<string, Record<string, unknown>>

/**
 * `allOf` members with `additionalProperties: false` close each member over its own properties only, so an
 * object with the properties of two members matches neither: as written, Voucherify's OrderCalculated (the
 * order of the four customer.order.* events) accepts no object at all. Read as what it evidently means: the
 * union of the members' properties, closed (`unevaluatedProperties: false` on the allOf).
 */
export const closeAllOfTogether = (schemas: Schemas): Schemas => {
  const resolve = (s: Record<string, unknown>) =>
    typeof s.$ref === "string" ? (schemas[s.$ref.replace("#/components/schemas/", "")] ?? s) : s
  const out: Schemas = {}
  for (const [name, schema] of Object.entries(schemas)) {
    const members = schema.allOf as Array<Record<string, unknown>> | undefined
    if (!members?.some((m) => resolve(m).additionalProperties === false)) {
      out[name] = schema
      continue
    }
    out[name] = {
      ...schema,
      allOf: members.map((m) => {
        const { additionalProperties: _, ...open } = resolve(m)
        return open
      }),
      unevaluatedProperties: false
    }
  }
  return out
}

export interface OfficialValidator {
  /** Ajv's errors for `data` against the event's documented data schema; empty when it is valid. */
  readonly errors: (event: string, data: unknown) => ReadonlyArray<ErrorObject>
  readonly has: (event: string) => boolean
}

/**
 * A JSON Schema 2020-12 validator (ajv, formats checked) of each event's `data` in Voucherify's document, with
 * OpenAPI's `nullable` honoured and, unless `asWritten`, closed allOf members read together (see above).
 */
export const officialValidator = (
  spec: EventsSpec,
  options: { readonly asWritten?: boolean } = {}
): OfficialValidator => {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  const schemas = spec.document.components.schemas as Schemas
  const components = { ...spec.document.components, schemas: options.asWritten ? schemas : closeAllOfTogether(schemas) }
  ajv.addSchema({ $id: "events.json", components: withNullable(components) })
  const validators = new Map<string, ValidateFunction>()
  for (const event of spec.events) {
    validators.set(event.name, ajv.compile({ $ref: `events.json${event.schema.$ref}` }))
  }
  return {
    has: (event) => validators.has(event),
    errors: (event, data) => {
      const validate = validators.get(event)
      if (validate === undefined) throw new Error(`no documented schema for ${event}`)
      return validate(data) ? [] : (validate.errors ?? [])
    }
  }
}
