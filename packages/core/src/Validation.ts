import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type FieldIssue, ValidationError } from "./Errors.js"

/** Longest message kept for one issue: a default message prints the offending value, which may be huge. */
export const maxIssueMessageLength = 500

/** Issues named one by one in a description; the rest are counted, so an answer stays small whatever was sent. */
export const maxDescribedIssues = 10

/** `s` cut to `max` characters (an ellipsis marks the cut). */
export const clipMessage = (s: string, max: number = maxIssueMessageLength): string =>
  s.length <= max ? s : `${s.slice(0, max - 1)}…`

/** Flattens a schema failure into one issue per field, with dotted paths (`events.2`) and messages of bounded size. */
export const fieldIssues = (error: ParseResult.ParseError): ReadonlyArray<FieldIssue> => {
  let formatted: ReadonlyArray<ParseResult.ArrayFormatterIssue>
  try {
    formatted = ParseResult.ArrayFormatter.formatErrorSync(error)
  } catch {
    // Printing a value nested thousands of levels deep overflows the stack: say what is wrong without printing it.
    return [{ path: "", message: "the value is nested too deeply to be described" }]
  }
  return formatted.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: clipMessage(issue.message)
  }))
}

/**
 * One line naming each field and its problem, e.g. `events.1: "x" is listed twice: remove the duplicate`; after
 * {@link maxDescribedIssues} issues the rest are counted, not listed.
 */
export const describeIssues = (issues: ReadonlyArray<FieldIssue>): string => {
  const named = issues
    .slice(0, maxDescribedIssues)
    .map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`))
    .join("; ")
  const more = issues.length - maxDescribedIssues
  return more > 0 ? `${named}; and ${more} more problem${more === 1 ? "" : "s"}` : named
}

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
