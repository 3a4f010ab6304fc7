import * as HelpDoc from "@effect/cli/HelpDoc"
import { isValidationError } from "@effect/cli/ValidationError"
import { human } from "./Output.js"

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what we strip
const ansi = /\u001b\[[0-9;]*m/g

/** Collapses any text to one line: the promise is one line per error on stderr. */
export const oneLine = (text: string): string =>
  text
    .replace(ansi, "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join("; ")

const field = (error: object, name: string): unknown =>
  name in error ? (error as Record<string, unknown>)[name] : undefined

/** The one line that tells what failed, why and what to do; request_id included whenever Voucherify sent one. */
export const describeError = (error: unknown): string => {
  if (isValidationError(error)) {
    return `${oneLine(HelpDoc.toAnsiText(error.error)) || "invalid command line"} (see \`vwh --help\`)`
  }
  if (typeof error === "object" && error !== null) {
    const tag = field(error, "_tag")
    const message = field(error, "message")
    // effect's ConfigError: its toString names the variable and the problem.
    if (tag === "ConfigError") {
      return `invalid environment: ${oneLine(String(error)).replace(/^\((.*)\)$/, "$1")}; fix or unset it`
    }
    if (typeof message === "string" && message.length > 0) {
      const requestId = field(error, "request_id")
      const withId =
        typeof requestId === "string" && !message.includes(requestId) ? `${message} (request_id ${requestId})` : message
      return oneLine(withId)
    }
  }
  if (error instanceof Error) return oneLine(error.message)
  return oneLine(String(error))
}

/** What `vwh` prints on stderr for a failure: one line, or for an invalid apply file one line per problem first. */
export const reportLines = (error: unknown): ReadonlyArray<string> => lines(error).map(human)

const lines = (error: unknown): ReadonlyArray<string> => {
  const head = `vwh: ${describeError(error)}`
  if (typeof error === "object" && error !== null && field(error, "_tag") === "ApplyFileError") {
    const { file, problems } = error as { file: string; problems: ReadonlyArray<{ path: string; message: string }> }
    return [...problems.map((p) => `vwh: ${file}: ${oneLine(p.path ? `${p.path}: ${p.message}` : p.message)}`), head]
  }
  return [head]
}
