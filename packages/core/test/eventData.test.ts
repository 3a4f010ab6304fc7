import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import { describe, expect, it } from "vitest"
import { DeliveryPayload } from "../src/Delivery.js"
import { EventDataSchemas } from "../src/EventData.generated.js"
import { eventsSpecPath, loadEventsSpec, skipWithoutSpec } from "./sharedSpec.js"

const generator = fileURLToPath(new URL("../scripts/generate-event-data.mjs", import.meta.url))
const committed = fileURLToPath(new URL("../src/EventData.generated.ts", import.meta.url))
const runGenerator = (...args: Array<string>) =>
  spawnSync(process.execPath, [generator, ...args], { encoding: "utf8", timeout: 60_000 })

describe("the generated event-data schemas", () => {
  it("are what the generator makes from ../shared/voucherify/events.openapi.json", (ctx) => {
    if (loadEventsSpec() === undefined) return ctx.skip(skipWithoutSpec)
    const run = runGenerator("--check", "--spec", eventsSpecPath)
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
  })

  it("--check notices a hand edit of the output", (ctx) => {
    if (loadEventsSpec() === undefined) return ctx.skip(skipWithoutSpec)
    const dir = mkdtempSync(join(tmpdir(), "event-data-"))
    try {
      const edited = join(dir, "EventData.generated.ts")
      writeFileSync(edited, readFileSync(committed, "utf8").replace("Schema.String", "Schema.Number"))
      const run = runGenerator("--check", "--spec", eventsSpecPath, "--out", edited)
      expect(run.status).toBe(1)
      expect(run.stderr).toContain("is out of date")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("the generator says where to put the document when it is missing", () => {
    const run = runGenerator("--spec", join(tmpdir(), "no-such-events.openapi.json"))
    expect(run.status).toBe(2)
    expect(run.stderr).toContain("no events document at")
  })

  it("cover every event of the document, by its event name", (ctx) => {
    const spec = loadEventsSpec()
    if (spec === undefined) return ctx.skip(skipWithoutSpec)
    expect(spec.events).toHaveLength(72)
    expect(Object.keys(EventDataSchemas).sort()).toEqual(spec.events.map((e) => e.name).sort())
  })

  it("decode every one of Voucherify's 72 official examples and keep every byte of it", (ctx) => {
    const spec = loadEventsSpec()
    if (spec === undefined) return ctx.skip(skipWithoutSpec)
    const failures: Array<string> = []
    for (const { name, example } of spec.events) {
      const schema = EventDataSchemas[name as keyof typeof EventDataSchemas] as Schema.Schema<unknown, unknown>
      const decoded = Schema.decodeUnknownEither(schema)(example, { errors: "all", propertyOrder: "original" })
      if (Either.isLeft(decoded)) {
        failures.push(`${name}: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`)
      } else if (JSON.stringify(decoded.right) !== JSON.stringify(example)) {
        failures.push(`${name}: decoded differs from the example`)
      }
    }
    expect(failures).toEqual([])
  })
})

/** Every node of a schema that changes a value when decoding it. */
const transformations = (ast: SchemaAST.AST, seen = new Set<SchemaAST.AST>()): Array<string> => {
  if (seen.has(ast)) return []
  seen.add(ast)
  switch (ast._tag) {
    case "Transformation":
      return [String(ast)]
    case "TypeLiteral":
      return [
        ...ast.propertySignatures.flatMap((p) => transformations(p.type, seen)),
        ...ast.indexSignatures.flatMap((i) => transformations(i.type, seen))
      ]
    case "Union":
      return ast.types.flatMap((t) => transformations(t, seen))
    case "TupleType":
      return [...ast.elements.map((e) => e.type), ...ast.rest.map((r) => r.type)].flatMap((t) =>
        transformations(t, seen)
      )
    case "Refinement":
      return transformations(ast.from, seen)
    case "Suspend":
      return transformations(ast.f(), seen)
    default:
      return []
  }
}

describe("lenient reading", () => {
  it("transforms nothing: a value that decodes is its own typed value (parseDelivery returns the parsed JSON)", () => {
    expect(transformations(DeliveryPayload.ast)).toEqual([])
    for (const [name, schema] of Object.entries(EventDataSchemas)) {
      expect({ name, found: transformations(schema.ast) }).toEqual({ name, found: [] })
    }
    // The guard sees one when there is one.
    expect(transformations(Schema.Struct({ n: Schema.NumberFromString }).ast)).toHaveLength(1)
  })

  const Voucher = EventDataSchemas["voucher.created"]
  const decode = Schema.decodeUnknownEither(Voucher)

  it("keeps fields it does not know, accepts null and absence, and enum values a later version adds", () => {
    const data = { voucher: { code: "X", type: "BRAND_NEW_KIND", active: null, gift: null, shiny: { a: 1 } }, extra: 1 }
    expect(decode(data, { propertyOrder: "original" })).toEqual(Either.right(data))
    expect(decode({})).toEqual(Either.right({}))
  })

  it("still refuses a documented field of the wrong kind, naming it", () => {
    const result = decode({ voucher: { code: 42 } })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(ParseResult.TreeFormatter.formatErrorSync(result.left)).toContain('["code"]')
  })
})
