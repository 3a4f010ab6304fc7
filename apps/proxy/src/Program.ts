import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { type Handlers, run } from "./Cli.js"
import type { Checked } from "./CommandLine.js"
import { environmentProvider } from "./Env.js"
import { plan } from "./Startup.js"
import { StartupRefused, UsageError, WorkersFailed } from "./StartupErrors.js"
import { workerNumber } from "./WorkerLink.js"

// vwh-proxy as an Effect program, run by the platform's runMain: SIGINT and SIGTERM interrupt it, so serve
// drains. The environment is read through one ConfigProvider (with the *_FILE secrets); each command's
// implementation is loaded only when it runs — serve's is most of the bundle.

const handlers: Handlers<unknown, never> = {
  serve: ({ config }) =>
    Effect.flatMap(plan(config), (p) =>
      // `workers` > 1: this process is the primary (Primary.ts) and each worker it forks serves; else it serves.
      p.workers > 1 && workerNumber() === undefined
        ? Effect.flatMap(
            Effect.promise(() => import("./Primary.js")),
            (m) => m.supervise(p)
          )
        : Effect.flatMap(
            Effect.promise(() => import("./Serve.js")),
            (m) => m.serve(p)
          )
    ),
  checkConfig: ({ config }) =>
    Effect.flatMap(
      Effect.promise(() => import("./CheckConfig.js")),
      (m) => m.checkConfig(config)
    ),
  hashKey: ({ access, config, id, project, rotate }) =>
    Effect.flatMap(
      Effect.promise(() => import("./HashKey.js")),
      (m) => m.hashKeyCommand({ id, config, projects: project, access, rotate })
    ),
  removeKey: (options) =>
    Effect.flatMap(
      Effect.promise(() => import("./HashKey.js")),
      (m) => m.removeKeyCommand(options)
    )
}

/** The program for a checked command line. */
export const program = (checked: Extract<Checked, { _tag: "Run" }>): Effect.Effect<void, unknown> =>
  Effect.flatMap(environmentProvider(), (provider) => run(checked, handlers).pipe(Effect.withConfigProvider(provider)))

/** An error's message, or its cause's when it has none (the platform's ServeError wraps the listen error). */
const reason = (error: unknown): string =>
  error instanceof Error
    ? error.message !== "" || error.cause === undefined
      ? error.message
      : reason(error.cause)
    : String(error)

/** What a finished run says on stderr, and its exit status: 2 for usage and config errors, never a stack trace. */
const report = (exit: Exit.Exit<void, unknown>): number => {
  if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return 0
  const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
  if (failure instanceof UsageError) {
    process.stderr.write(`vwh-proxy: ${failure.message}\n`)
    return 2
  }
  if (failure instanceof WorkersFailed) {
    process.stderr.write(`${failure.message}\n`)
    return failure.exitCode
  }
  if (failure instanceof StartupRefused) {
    process.stderr.write(`${failure.problems.join("\n")}\n`)
    return 2
  }
  process.stderr.write(`vwh-proxy: cannot start: ${reason(Cause.squash(exit.cause))}\n`)
  return 1
}

export const main = (checked: Extract<Checked, { _tag: "Run" }>): void => {
  if (checked.command !== "serve") {
    // A one-shot command whose reader went away (`vwh-proxy hash-key | head -1`) ends quietly, as Unix tools do;
    // serve handles its own streams (it must outlive a dead log collector).
    process.stdout.on("error", (error: NodeJS.ErrnoException) => process.exit(error.code === "EPIPE" ? 141 : 1))
  }
  NodeRuntime.runMain(program(checked), {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(report(exit as Exit.Exit<void, unknown>))
  })
}
