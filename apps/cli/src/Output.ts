import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { redact } from "./Redact.js"
import { type Colour, colourFor, escapeControls, paint } from "./Style.js"

export const outputFormats = ["table", "json"] as const
export type OutputFormat = (typeof outputFormats)[number]

export interface OutputShape {
  readonly format: OutputFormat
  /** A line of the command's result (stdout), control characters escaped, in `colour` on a colour terminal. */
  readonly line: (text: string, colour?: Colour) => Effect.Effect<void>
  /** The command's result as one JSON document (stdout); JSON escapes control characters itself. */
  readonly json: (value: unknown) => Effect.Effect<void>
  /** Progress and notes (stderr), so stdout stays machine-readable. */
  readonly info: (text: string) => Effect.Effect<void>
  /** A warning (stderr). */
  readonly warn: (text: string) => Effect.Effect<void>
}

/**
 * Where results, progress and warnings go. A Context.Tag, not an Effect.Service: the implementation is picked per
 * command from its flags (text or JSON) and tests swap in a recording one, so there is no one default to declare.
 */
export class Output extends Context.Tag("@voucherify-webhooks/cli/Output")<Output, OutputShape>() {}

export interface Sink {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly colour: boolean
}

// process.stdout/stderr writes are synchronous for files and pipes on POSIX, so output is never lost at exit.
const processSink = (): Sink => ({
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  colour: colourFor(process.stdout)
})

/** Text for people: no secret, no control character. */
export const human = (text: string): string => escapeControls(redact(text))

export const make = (format: OutputFormat, sink: Sink = processSink()): OutputShape => ({
  format,
  line: (text, colour) => Effect.sync(() => sink.stdout(`${paint(human(text), colour, sink.colour)}\n`)),
  json: (value) => Effect.sync(() => sink.stdout(`${redact(JSON.stringify(value, null, 2))}\n`)),
  info: (text) => Effect.sync(() => sink.stderr(`${human(text)}\n`)),
  warn: (text) => Effect.sync(() => sink.stderr(`vwh: warning: ${human(text)}\n`))
})

export const layer = (format: OutputFormat, sink?: Sink): Layer.Layer<Output> =>
  Layer.sync(Output, () => make(format, sink))

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export const renderTable = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): ReadonlyArray<string> => {
  const cells = rows.map((r) => r.map(escapeControls))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)))
  const render = (row: ReadonlyArray<string>) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [render(headers), ...cells.map(render)]
}
