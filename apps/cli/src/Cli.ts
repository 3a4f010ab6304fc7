import * as Command from "@effect/cli/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import { type Checked, check } from "./Argv.js"
import { apply } from "./apply/command.js"
import { UsageError } from "./CliErrors.js"
import { allPaths, type CommandNode, group, nodeAt } from "./CommandTree.js"
import { ExitCode, exitCodeFor, exitCodeHelp } from "./ExitCodes.js"
import { events } from "./events/command.js"
import { renderHelp } from "./Help.js"
import { listen } from "./listen/command.js"
import { human } from "./Output.js"
import { addSecretsFromEnvironment } from "./Redact.js"
import { describeError, reportLines } from "./Report.js"
import { globalKeys } from "./SharedOptions.js"
import { sandbox } from "./sandbox/command.js"
import { trigger } from "./trigger/command.js"
import { version } from "./Version.js"
import { webhooks } from "./webhooks/command.js"

export const root: CommandNode = group(
  "vwh",
  {
    summary: "manage Voucherify webhooks from a terminal.",
    examples: [
      "vwh webhooks list --project proj_x",
      "vwh apply -f webhooks.yaml --dry-run",
      "vwh listen --forward-to http://localhost:3000/webhooks",
      "vwh trigger redemption.succeeded --to http://localhost:4343/",
      "vwh sandbox",
      "vwh --completions bash > ~/.local/share/bash-completion/completions/vwh"
    ]
  },
  [webhooks, events, apply, listen, trigger, sandbox]
)

const environment: ReadonlyArray<readonly [string, string]> = [
  [
    "VOUCHERIFY_MANAGEMENT_ID, VOUCHERIFY_MANAGEMENT_TOKEN",
    "the Management API credentials; the token is never printed"
  ],
  ["VOUCHERIFY_CLUSTER", "eu (default), us1 or as1"],
  ["VOUCHERIFY_API_URL", "any base URL (a dedicated region, the sandbox, the proxy); wins over the cluster"],
  ["VOUCHERIFY_TIMEOUT", "how long a command may take, retries included, e.g. 30 seconds (the default)"],
  [
    "VOUCHERIFY_MAX_RETRIES, VOUCHERIFY_MAX_RETRY_AFTER",
    "retries (3) and the longest Retry-After vwh waits out (60 seconds)"
  ],
  ["VOUCHERIFY_WEBHOOK_SECRET", "the signing secret `vwh listen` verifies with and `vwh trigger --to` signs with"],
  ["NO_COLOR, FORCE_COLOR", "no colours, or colours even when stdout is not a terminal"]
]

/** The help of the command at `path`, as `vwh … --help` prints it. */
export const helpText = (path: ReadonlyArray<string>): string | undefined => {
  const node = nodeAt(root, path)
  return node && renderHelp(["vwh", ...path], node, globalKeys, { environment, exitCodes: exitCodeHelp })
}

/** Every command's help, keyed by its path (the build-time cache, see HelpCache.ts). */
export const allHelp = (): Record<string, string> =>
  Object.fromEntries(allPaths(root).map((path) => [path.join(" "), helpText(path)!]))

const cli = Command.run(root.command, { name: "vwh", version })

// Not used by any command (no file or prompt options), but @effect/cli requires them; the light versions keep
// start-up fast. Prompts read the terminal with node:readline (Prompt.ts).
const unusedTerminal: Terminal.Terminal = {
  columns: Effect.succeed(80),
  rows: Effect.succeed(24),
  isTTY: Effect.sync(() => process.stdout.isTTY === true),
  readInput: Effect.dieMessage("vwh reads no interactive input here"),
  readLine: Effect.dieMessage("vwh reads no interactive input here"),
  display: (text) => Effect.sync(() => void process.stdout.write(text))
}
// Logs (--log-level) go to stderr, so stdout stays the command's result.
const stderrLogger = Logger.replace(
  Logger.defaultLogger,
  Logger.map(Logger.logfmtLogger, (line) => void process.stderr.write(`${human(line)}\n`))
)
const platform = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  Layer.succeed(Terminal.Terminal, unusedTerminal),
  stderrLogger
)

/** The whole program for an argv (with node and the script); its failures are what `main` reports. */
export const program = (
  argv: ReadonlyArray<string>,
  checked: Checked = check(root, argv.slice(2), globalKeys)
): Effect.Effect<void, unknown> =>
  Effect.suspend((): Effect.Effect<void, unknown> => {
    switch (checked._tag) {
      case "Invalid":
        return Effect.fail(new UsageError({ message: checked.message }))
      case "Help":
        return Effect.sync(() => void process.stdout.write(helpText(checked.path) ?? ""))
      case "Version":
        return Effect.sync(() => void process.stdout.write(`${version}\n`))
      case "Run":
        // The tree's commands are typed loosely (CommandNode), so their requirements are asserted here: each
        // handler provides its own layers, and the platform is provided below.
        return Effect.consoleWith((console) =>
          // @effect/cli prints its parse errors as multi-line help docs; we print one line from the error instead.
          cli([...argv.slice(0, 2), ...checked.argv]).pipe(Effect.withConsole({ ...console, error: () => Effect.void }))
        ).pipe(Effect.provide(platform)) as Effect.Effect<void, unknown>
    }
  })

const signals = { SIGINT: 2, SIGTERM: 15 } as const
type Signal = keyof typeof signals

/** What a finished run reports on stderr, and its exit code: one line per failure, never a stack trace. */
const report = (exit: Exit.Exit<unknown, unknown>, signal: Signal | undefined, runsUntilStopped: boolean): number => {
  if (Exit.isSuccess(exit)) return ExitCode.ok
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    process.stderr.write(`${reportLines(failure.value).join("\n")}\n`)
    return exitCodeFor(failure.value)
  }
  if (Cause.isInterruptedOnly(exit.cause)) {
    // listen and sandbox run until stopped: a signal is their normal end.
    if (runsUntilStopped || signal === undefined) return ExitCode.ok
    process.stderr.write(`vwh: interrupted by ${signal}\n`)
    return 128 + signals[signal]
  }
  process.stderr.write(
    `${human(`vwh: unexpected error: ${describeError(Cause.squash(exit.cause))}; please report it`)}\n`
  )
  return ExitCode.unexpected
}

/**
 * Runs the CLI with the platform's runMain: SIGINT and SIGTERM interrupt the command, so its requests are
 * cancelled and its finalizers run. Our own listeners only note which signal came, for the exit code (130 or 143,
 * as shells report a process ended by it), and end at once on a second one.
 */
export const main = (argv: ReadonlyArray<string>): void => {
  addSecretsFromEnvironment()
  let signal: Signal | undefined
  for (const name of Object.keys(signals) as Array<Signal>) {
    process.on(name, () => {
      if (signal !== undefined) process.exit(128 + signals[name])
      signal = name
    })
  }
  const checked = check(root, argv.slice(2), globalKeys)
  const runsUntilStopped = checked._tag === "Run" && nodeAt(root, checked.path)?.runsUntilStopped === true
  NodeRuntime.runMain(program(argv, checked), {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(report(exit, signal, runsUntilStopped))
  })
}
