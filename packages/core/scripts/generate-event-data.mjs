#!/usr/bin/env node
// Generates src/EventData.generated.ts: an effect Schema of each event's `data`, from Voucherify's published
// events document (../shared/voucherify/events.openapi.json beside the repository). Shapes only: property
// names and types; no descriptions, examples or titles are copied. Every schema is lenient, as deliveries must
// be read (Voucherify's own examples break its published schemas): each property optional and nullable, unknown properties kept, enums open.
//
//   node packages/core/scripts/generate-event-data.mjs [--check] [--spec <path>] [--out <path>]
//
// --check writes nothing and exits 1 when the committed file differs from what the spec generates.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const core = join(here, "..")
const repo = join(core, "..", "..")

/** Where the events document is looked for by default: `../shared/voucherify/` next to the checkout. */
export const defaultSpecPath = resolve(repo, "..", "shared", "voucherify", "events.openapi.json")
export const defaultOutPath = join(core, "src", "EventData.generated.ts")

/**
 * The event name of a `webhooks` entry of the document: `EVENTS.REDEMPTION.SUCCEEDED` → `redemption.succeeded`,
 * `EVENTS.BUS_VAL_RULE.CREATED` → `business_validation_rule.created`. The keys of each entry's `examples` are
 * not used: several are copy-paste slips (`rollback.failed`, a second `campaign.created`).
 */
export const eventName = (key) =>
  key
    .replace(/^EVENTS\./, "")
    .replace(/^BUS_VAL_RULE\./, "BUSINESS_VALIDATION_RULE.")
    .toLowerCase()

const refName = (ref) => {
  const match = /^#\/components\/schemas\/(.+)$/.exec(ref)
  if (!match) throw new Error(`unsupported $ref ${ref}`)
  return match[1]
}

// ---------------------------------------------------------------------------------------------------------------
// JSON Schema → a small intermediate form. Nullability and `required` are not kept: everything is nullable and
// optional when read. allOf is merged here, so the output has plain objects and unions only.
// ---------------------------------------------------------------------------------------------------------------

/** IR: {kind: "ref", name} | {kind: "object", fields, rest} | {kind: "union", members} | {kind: "array", item}
 *  | {kind: "string"|"number"|"boolean", values?} | {kind: "unknown"}. `rest` types extra keys of a map. */
const unknownIR = { kind: "unknown" }

const isOpenObject = (ir) => ir.kind === "object" && Object.keys(ir.fields).length === 0 && ir.rest === undefined

const toIR = (schema, spec) => {
  if (schema === true || schema === undefined || schema === null) return unknownIR
  if (schema.$ref !== undefined) {
    const ref = { kind: "ref", name: refName(schema.$ref) }
    // Siblings of a $ref (nullable, a repeated type) add nothing once everything is nullable.
    return schema.allOf || schema.oneOf || schema.anyOf || schema.properties
      ? merge([ref, toIR(without(schema, "$ref"), spec)], spec)
      : ref
  }
  const parts = []
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== "null") : schema.type
  if (schema.properties !== undefined || schema.additionalProperties !== undefined || type === "object") {
    const fields = {}
    for (const [name, property] of Object.entries(schema.properties ?? {})) fields[name] = toIR(property, spec)
    const extra = schema.additionalProperties
    const rest =
      extra !== undefined && typeof extra === "object" && Object.keys(fields).length === 0
        ? toIR(extra, spec)
        : undefined
    parts.push({ kind: "object", fields, ...(rest === undefined || rest.kind === "unknown" ? {} : { rest }) })
  } else if (type === "array") {
    parts.push({ kind: "array", item: toIR(schema.items, spec) })
  } else if (type === "string" || type === "integer" || type === "number" || type === "boolean") {
    const kind = type === "integer" ? "number" : type
    const values = Array.isArray(schema.enum) ? schema.enum.filter((v) => v !== null) : undefined
    parts.push(values && values.length > 0 ? { kind, values } : { kind })
  } else if (Array.isArray(type) && type.length > 0) {
    parts.push({ kind: "union", members: type.map((t) => toIR({ ...without(schema, "type"), type: t }, spec)) })
  }
  for (const part of schema.allOf ?? []) parts.push(toIR(part, spec))
  const alternatives = schema.oneOf ?? schema.anyOf
  if (alternatives) parts.push(union(alternatives.map((a) => toIR(a, spec))))
  return parts.length === 0 ? unknownIR : merge(parts, spec)
}

const without = (schema, key) => {
  const { [key]: _, ...rest } = schema
  return rest
}

const union = (members) => {
  const flat = []
  for (const m of members)
    for (const x of m.kind === "union" ? m.members : [m]) if (!flat.some((f) => same(f, x))) flat.push(x)
  if (flat.some((m) => m.kind === "unknown")) return unknownIR
  return flat.length === 1 ? flat[0] : { kind: "union", members: flat }
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)

const deref = (ir, spec) => (ir.kind === "ref" ? toIR(spec.components.schemas[ir.name], spec) : ir)

/** allOf: what satisfies every part. Objects merge their fields; a union distributes; a lone ref stays named. */
const merge = (parts, spec) => {
  const meaningful = parts.filter((p) => p.kind !== "unknown" && !isOpenObject(p))
  if (meaningful.length === 0)
    return parts.some((p) => p.kind === "object") ? { kind: "object", fields: {} } : unknownIR
  if (meaningful.length === 1) return meaningful[0]
  const [first, ...others] = meaningful
  return others.reduce((a, b) => mergeTwo(a, b, spec), first)
}

const mergeTwo = (a, b, spec) => {
  if (same(a, b)) return a
  const x = deref(a, spec)
  const y = deref(b, spec)
  if (x.kind === "union") return union(x.members.map((m) => mergeTwo(m, b, spec)))
  if (y.kind === "union") return union(y.members.map((m) => mergeTwo(a, m, spec)))
  if (x.kind === "object" && y.kind === "object") {
    const fields = { ...x.fields }
    for (const [name, ir] of Object.entries(y.fields))
      fields[name] = name in fields ? mergeTwo(fields[name], ir, spec) : ir
    const rest = x.rest && y.rest ? mergeTwo(x.rest, y.rest, spec) : (x.rest ?? y.rest)
    return { kind: "object", fields, ...(rest === undefined ? {} : { rest }) }
  }
  if (x.kind === "unknown" || isOpenObject(x)) return b
  if (y.kind === "unknown" || isOpenObject(y)) return a
  if (x.kind === y.kind && x.kind !== "array") {
    // Two enums of one type: the values both allow; with one enum, that one.
    if (x.values && y.values) return { kind: x.kind, values: x.values.filter((v) => y.values.includes(v)) }
    return x.values ? x : y
  }
  // Contradictory parts (a string and an object): read either, as a lenient reader must.
  return union([a, b])
}

// ---------------------------------------------------------------------------------------------------------------
// IR → TypeScript source over ./LenientSchema.ts.
// ---------------------------------------------------------------------------------------------------------------

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const key = (name) => (identifier.test(name) ? name : JSON.stringify(name))
/** A component's name as a TypeScript identifier (some start with a digit: `4_obj_reward_…`). */
const constName = (name) => {
  const safe = name.replace(/[^A-Za-z0-9_$]/g, "_")
  return /^[0-9]/.test(safe) ? `_${safe}` : safe
}

const emit = (ir) => {
  switch (ir.kind) {
    case "ref":
      return constName(ir.name)
    case "unknown":
      return "Schema.Unknown"
    case "string":
      return ir.values ? `L.oneOf(${ir.values.map((v) => JSON.stringify(String(v))).join(", ")})` : "Schema.String"
    case "number":
      return ir.values ? `L.oneOfNumbers(${ir.values.map(Number).join(", ")})` : "Schema.Number"
    case "boolean":
      return "Schema.Boolean"
    case "array":
      return `Schema.Array(${emit(ir.item)})`
    case "union":
      return `Schema.Union(${ir.members.map(emit).join(", ")})`
    case "object": {
      const names = Object.keys(ir.fields)
      if (names.length === 0) return ir.rest ? `L.map(${emit(ir.rest)})` : "L.AnyObject"
      return `L.object({ ${names.map((n) => `${key(n)}: ${emit(ir.fields[n])}`).join(", ")} })`
    }
    default:
      throw new Error(`unknown IR ${JSON.stringify(ir)}`)
  }
}

const refsOf = (ir, out = new Set()) => {
  if (ir.kind === "ref") out.add(ir.name)
  else if (ir.kind === "array") refsOf(ir.item, out)
  else if (ir.kind === "union") for (const m of ir.members) refsOf(m, out)
  else if (ir.kind === "object") {
    for (const f of Object.values(ir.fields)) refsOf(f, out)
    if (ir.rest) refsOf(ir.rest, out)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Voucherify's examples look captured from the platform; where one contradicts its schema's types, real
// deliveries will too. So a node an example does not fit is widened to also accept what the
// example has, and the header of the output lists every widening.
// ---------------------------------------------------------------------------------------------------------------

const kindOf = (value) =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "object" ? "object" : typeof value

const accepts = (ir, value, irs) => {
  if (value === null || value === undefined) return true
  switch (ir.kind) {
    case "ref":
      return accepts(irs.get(ir.name), value, irs)
    case "unknown":
      return true
    case "union":
      return ir.members.some((m) => accepts(m, value, irs))
    case "array":
      return Array.isArray(value) && value.every((v) => accepts(ir.item, v, irs))
    case "object":
      return (
        kindOf(value) === "object" &&
        Object.entries(value).every(([k, v]) =>
          k in ir.fields ? accepts(ir.fields[k], v, irs) : ir.rest === undefined || accepts(ir.rest, v, irs)
        )
      )
    default:
      return kindOf(value) === ir.kind
  }
}

const sameKind = (ir, value, irs) => {
  if (ir.kind === "ref") return sameKind(irs.get(ir.name), value, irs)
  if (ir.kind === "union") return ir.members.some((m) => sameKind(m, value, irs))
  return ir.kind === "unknown" || ir.kind === kindOf(value)
}

const shapeOf = (value) => {
  const kind = kindOf(value)
  if (kind === "array") return { kind: "array", item: unknownIR }
  if (kind === "object") return { kind: "object", fields: {} }
  return { kind }
}

const describe = (ir) =>
  ir.kind === "ref"
    ? ir.name
    : ir.kind === "union"
      ? ir.members.map(describe).join(" | ")
      : ir.kind === "array"
        ? `${describe(ir.item)}[]`
        : ir.kind

/** Walks an example along its schema, widening (in place, in `irs`) each node the example does not fit. */
const fit = (ir, value, irs, where, replace, widened) => {
  if (value === null || value === undefined || accepts(ir, value, irs)) return
  // Into a named schema only when the example has its kind; a different kind is widened where it is used.
  if (ir.kind === "ref" && sameKind(irs.get(ir.name), value, irs)) {
    return fit(irs.get(ir.name), value, irs, ir.name, (next) => irs.set(ir.name, next), widened)
  }
  if (ir.kind === "object" && kindOf(value) === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k in ir.fields) fit(ir.fields[k], v, irs, `${where}.${k}`, (next) => (ir.fields[k] = next), widened)
    }
    return
  }
  if (ir.kind === "array" && Array.isArray(value)) {
    for (const v of value) fit(ir.item, v, irs, `${where}[]`, (next) => (ir.item = next), widened)
    return
  }
  // A list where one item is documented (or the reverse): accept both; otherwise add the example's type.
  const next =
    Array.isArray(value) && ir.kind !== "array" && value.every((v) => accepts(ir, v, irs))
      ? union([ir, { kind: "array", item: ir }])
      : union([ir, shapeOf(value)])
  widened.push(`${where}: ${describe(ir)} → ${describe(next)}`)
  replace(next)
}

export const generate = (spec) => {
  const events = Object.entries(spec.webhooks)
    .map(([webhookKey, entry]) => {
      const schema = entry.post?.requestBody?.content?.["application/json"]?.schema
      if (!schema?.$ref) throw new Error(`${webhookKey}: no request body schema`)
      const examples = Object.values(entry.post.requestBody.content["application/json"].examples ?? {})
      return { name: eventName(webhookKey), root: refName(schema.$ref), example: examples[0]?.value }
    })
    .sort((a, b) => a.name.localeCompare(b.name))

  // Every component reachable from an event's data schema, emitted after what it refers to (the graph has no
  // cycles; a cycle would need Schema.suspend and is refused rather than emitted wrong).
  const irs = new Map()
  const order = []
  const visiting = new Set()
  const visit = (name) => {
    if (irs.has(name)) return
    if (visiting.has(name)) throw new Error(`reference cycle through ${name}`)
    const schema = spec.components.schemas[name]
    if (schema === undefined) throw new Error(`missing component ${name}`)
    visiting.add(name)
    const ir = toIR(schema, spec)
    for (const ref of [...refsOf(ir)].sort()) visit(ref)
    visiting.delete(name)
    irs.set(name, ir)
    order.push(name)
  }
  for (const { root } of events) visit(root)

  const widened = []
  for (const { root, example } of events) {
    if (example !== undefined) fit({ kind: "ref", name: root }, example, irs, root, () => {}, widened)
  }

  const lines = [
    "// Generated by packages/core/scripts/generate-event-data.mjs from Voucherify's events document",
    "// (events.openapi.json: reference/OpenAPIWebhooks.json in voucherifyio/voucherify-openapi). Do not edit: change the generator and run it again.",
    "// Shapes only (property names and types); every property optional and nullable, unknown properties kept,",
    "// enums open, because real deliveries carry more and less than the document says.",
    ...(widened.length === 0
      ? []
      : [
          "// Widened where Voucherify's own examples (captured deliveries) contradict the documented type:",
          ...[...new Set(widened)].map((w) => `//   ${w}`)
        ]),
    'import * as Schema from "effect/Schema"',
    'import * as L from "./LenientSchema.js"',
    ""
  ]
  const taken = new Map()
  for (const name of order) {
    const other = taken.get(constName(name))
    if (other !== undefined) throw new Error(`components ${other} and ${name} map to one identifier`)
    taken.set(constName(name), name)
  }
  // Each schema gets a named type (an interface for objects) and is declared as Schema<Name>: a reference to it
  // then prints as its name in a declaration file instead of its whole expanded structure (6.5 MB of .d.ts).
  for (const name of order) {
    const id = constName(name)
    const ir = irs.get(name)
    lines.push(
      `const ${id}_ = ${emit(ir)}`,
      ir.kind === "object"
        ? `export interface ${id} extends Schema.Schema.Type<typeof ${id}_> {}`
        : `export type ${id} = Schema.Schema.Type<typeof ${id}_>`,
      `export const ${id}: Schema.Schema<${id}> = ${id}_.annotations({ identifier: ${JSON.stringify(name)} })`
    )
  }
  lines.push(
    "",
    "/** The schema of `data` for each event Voucherify documents, by event name. */",
    // Typed by name: the inferred type of this object is too large for a declaration file (TS7056).
    "export const EventDataSchemas: {",
    ...events.map(({ name, root }) => `  readonly ${JSON.stringify(name)}: typeof ${constName(root)}`),
    "} = {",
    ...events.map(({ name, root }) => `  ${JSON.stringify(name)}: ${constName(root)},`),
    "}",
    ""
  )
  return lines.join("\n")
}

/** Formats TypeScript source with the repository's Biome, so the output passes lint as committed. */
export const format = (source, path) => {
  const biome = join(repo, "node_modules", ".bin", process.platform === "win32" ? "biome.cmd" : "biome")
  const result = spawnSync(biome, ["format", `--stdin-file-path=${path}`], {
    input: source,
    encoding: "utf8",
    cwd: repo
  })
  if (result.status !== 0)
    throw new Error(`biome format failed: ${(result.stderr || String(result.error)).slice(0, 2000)}`)
  return result.stdout
}

const main = () => {
  const args = process.argv.slice(2)
  const option = (name, fallback) => {
    const i = args.indexOf(name)
    return i === -1 ? fallback : resolve(args[i + 1])
  }
  const specPath = option("--spec", defaultSpecPath)
  const outPath = option("--out", defaultOutPath)
  if (!existsSync(specPath)) {
    console.error(
      `no events document at ${specPath}: put Voucherify's events.openapi.json there, or pass --spec <path>`
    )
    process.exit(2)
  }
  // Formatted as the committed file, whatever --out says (Biome formats only paths inside the repository).
  const source = format(generate(JSON.parse(readFileSync(specPath, "utf8"))), defaultOutPath)
  if (args.includes("--check")) {
    const current = existsSync(outPath) ? readFileSync(outPath, "utf8") : ""
    if (current !== source) {
      console.error(`${outPath} is out of date: run node packages/core/scripts/generate-event-data.mjs`)
      process.exit(1)
    }
    console.log(`${outPath} is up to date`)
    return
  }
  writeFileSync(outPath, source)
  console.log(`wrote ${outPath}`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
