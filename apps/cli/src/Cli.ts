import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { UsageError } from "./CliErrors.js"
import { apply } from "./commands/apply.js"
import { events } from "./commands/events.js"
import { listen } from "./commands/listen.js"
import { sandbox } from "./commands/sandbox.js"
import { webhooks } from "./commands/webhooks.js"
import { ExitCode, exitCodeFor, exitCodeHelp } from "./ExitCodes.js"
import { describe } from "./Help.js"
import { describeError, reportLines } from "./Report.js"

export const version = "0.1.0"

const root = Command.make("vwh", {}, () =>
  Effect.fail(new UsageError({ message: "no command given; try `vwh --help`" }))
).pipe(
  Command.withDescription(
    describe("Manage Voucherify webhooks from a terminal.", [
      "vwh webhooks list --project proj_x",
      "vwh apply -f webhooks.yaml --dry-run",
      "vwh listen --forward-to http://localhost:3000/webhooks",
      "vwh sandbox",
      "vwh --completions bash > /etc/bash_completion.d/vwh"
    ])
  ),
  Command.withSubcommands([webhooks, events, apply, listen, sandbox])
)

const footer = HelpDoc.blocks([
  HelpDoc.h1("ENVIRONMENT"),
  HelpDoc.p(
    "VOUCHERIFY_MANAGEMENT_ID, VOUCHERIFY_MANAGEMENT_TOKEN (credentials; a token is never printed); VOUCHERIFY_CLUSTER (eu|us1|as1) or VOUCHERIFY_API_URL; VOUCHERIFY_TIMEOUT, VOUCHERIFY_MAX_RETRIES, VOUCHERIFY_MAX_RETRY_AFTER; VOUCHERIFY_WEBHOOK_SECRET (listen). Flags override the environment."
  ),
  HelpDoc.h1("EXIT CODES"),
  ...exitCodeHelp.map(([code, text]) => HelpDoc.p(`  ${String(code).padStart(2)}  ${text}`))
])

const cli = Command.run(root, { name: "vwh", version, footer })

// Not used by any command (no file or prompt options), but @effect/cli requires them; the light versions keep
// start-up fast. The delete confirmation reads the terminal with node:readline.
const unusedTerminal: Terminal.Terminal = {
  columns: Effect.succeed(80),
  rows: Effect.succeed(24),
  isTTY: Effect.sync(() => process.stdout.isTTY === true),
  readInput: Effect.dieMessage("vwh reads no interactive input here"),
  readLine: Effect.dieMessage("vwh reads no interactive input here"),
  display: (text) => Effect.sync(() => void process.stdout.write(text))
}
const platform = Layer.mergeAll(FileSystem.layerNoop({}), Path.layer, Layer.succeed(Terminal.Terminal, unusedTerminal))

/** The whole program for an argv; its failures are what `main` reports. */
export const program = (argv: ReadonlyArray<string>) =>
  Effect.consoleWith((console) =>
    // @effect/cli prints its parse errors as multi-line help docs; we print one line from the error instead.
    cli(argv).pipe(Effect.withConsole({ ...console, error: () => Effect.void }))
  ).pipe(Effect.provide(platform))

/** Runs the CLI: one line on stderr per failure, no stack traces, and the documented exit code. */
export const main = (argv: ReadonlyArray<string>): void => {
  const fiber = Effect.runFork(program(argv))
  let stopping = false
  const stop = () => {
    // A second Ctrl-C exits at once, in case something refuses to close.
    if (stopping) process.exit(130)
    stopping = true
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  fiber.addObserver((exit) => {
    process.removeListener("SIGINT", stop)
    process.removeListener("SIGTERM", stop)
    if (Exit.isSuccess(exit)) {
      process.exitCode = ExitCode.ok
      return
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) {
      process.stderr.write(`${reportLines(failure.value).join("\n")}\n`)
      process.exitCode = exitCodeFor(failure.value)
      return
    }
    if (Cause.isInterruptedOnly(exit.cause)) {
      // Stopped by Ctrl-C or SIGTERM: the normal way to end `listen` and `sandbox`.
      process.exitCode = ExitCode.ok
      return
    }
    const defect = Cause.squash(exit.cause)
    process.stderr.write(`vwh: unexpected error: ${describeError(defect)}; please report it\n`)
    process.exitCode = ExitCode.unexpected
  })
}
