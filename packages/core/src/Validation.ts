import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type FieldIssue, ValidationError } from "./Errors.js"

/** Flattens a schema failure into one issue per field, with dotted paths (`events.2`). */
export const fieldIssues = (error: ParseResult.ParseError): ReadonlyArray<FieldIssue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message
  }))

/** One line naming every field and its problem, e.g. `events.1: "x" is listed twice: remove the duplicate`. */
export const describeIssues = (issues: ReadonlyArray<FieldIssue>): string =>
  issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`)).join("; ")

// A bare value (an id) has path-less issues that already name it; a body's issues get "Invalid <what>:".
export const validationError = (what: string, issues: ReadonlyArray<FieldIssue>): ValidationError =>
  new ValidationError({
    source: "client",
    issues,
    message: issues.every((i) => i.path === "") ? describeIssues(issues) : `Invalid ${what}: ${describeIssues(issues)}`
  })

/** Decodes input with `schema`, failing with a ValidationError that names every bad field (all errors, not the first). */
export const validate = <A, I>(schema: Schema.Schema<A, I, never>, what: string) => {
  const decode = Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })
  return (input: unknown): Effect.Effect<A, ValidationError> =>
    decode(input).pipe(Effect.mapError((e) => validationError(what, fieldIssues(e))))
}
