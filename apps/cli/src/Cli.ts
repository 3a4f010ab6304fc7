import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { apply } from "./apply/command.js"
import { UsageError } from "./CliErrors.js"
import { ExitCode, exitCodeFor, exitCodeHelp } from "./ExitCodes.js"
import { events } from "./events/command.js"
import { describe } from "./Help.js"
import { listen } from "./listen/command.js"
import { describeError, reportLines } from "./Report.js"
import { sandbox } from "./sandbox/command.js"
import { webhooks } from "./webhooks/command.js"

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

/** What a finished run reports on stderr, and its exit code: one line per failure, never a stack trace. */
const report = (exit: Exit.Exit<unknown, unknown>): ExitCode => {
  if (Exit.isSuccess(exit)) return ExitCode.ok
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    process.stderr.write(`${reportLines(failure.value).join("\n")}\n`)
    return exitCodeFor(failure.value)
  }
  // Stopped by Ctrl-C or SIGTERM: the normal way to end `listen` and `sandbox`.
  if (Cause.isInterruptedOnly(exit.cause)) return ExitCode.ok
  process.stderr.write(`vwh: unexpected error: ${describeError(Cause.squash(exit.cause))}; please report it\n`)
  return ExitCode.unexpected
}

/**
 * Runs the CLI with the platform's runMain (Ctrl-C and SIGTERM interrupt the command, so its finalizers run);
 * errors are reported by `report`, not by runMain's logger.
 */
export const main = (argv: ReadonlyArray<string>): void =>
  NodeRuntime.runMain(program(argv), {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(report(exit))
  })
