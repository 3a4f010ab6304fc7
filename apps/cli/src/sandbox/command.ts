import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { SandboxFailed, UsageError } from "../CliErrors.js"
import { about, leaf } from "../CommandTree.js"
import { bindOptions, checkPort } from "../SharedOptions.js"

// A separate bundle beside this one (see build.mjs). dist/cli.cjs runs in the CommonJS wrapper dist/vwh.js gives
// it (CodeCache.ts), so `require` and `__dirname` are those of dist/ (the standalone executable serves it, sea.ts).
const loadSandbox = () =>
  Promise.resolve().then(() => require(`${__dirname}/sandbox.cjs`) as typeof import("./main.js"))

export const sandboxOptions = {
  ...bindOptions(4010),
  projects: Options.text("project").pipe(
    Options.withAlias("p"),
    Options.withPseudoName("ID"),
    Options.repeated,
    about("a project to serve besides proj_sandbox, e.g. -p proj_demo; repeatable")
  )
}
export type SandboxFlags = Command.Command.ParseConfig<typeof sandboxOptions>

export const sandbox = leaf(
  "sandbox",
  sandboxOptions,
  {
    summary: "Run an offline Voucherify webhook API, to try everything without an account.",
    details: [
      "It prints its URL, the credentials to use (VOUCHERIFY_MANAGEMENT_ID/TOKEN when both are set, else a demo pair) and each project's signing secret, and sends signed deliveries when events are raised through its control API. Ctrl-C stops it."
    ],
    examples: [
      "vwh sandbox --port 4010 --project proj_demo",
      "export VOUCHERIFY_API_URL=http://127.0.0.1:4010 VOUCHERIFY_MANAGEMENT_ID=sandbox-management-id VOUCHERIFY_MANAGEMENT_TOKEN=sandbox-management-token"
    ]
  },
  (flags) =>
    Effect.gen(function* () {
      yield* checkPort(flags.port)
      // Runs until interrupted (Ctrl-C aborts the signal, which stops the sandbox).
      const result = yield* Effect.tryPromise({
        try: (signal) => loadSandbox().then((m) => m.runSandbox(flags, signal)),
        catch: (e) =>
          new SandboxFailed({ message: `could not load the sandbox: ${e instanceof Error ? e.message : String(e)}` })
      })
      if (!result.ok) {
        // A taken port is a bad --port, like any other bad flag (exit 2).
        return yield* result.code === "EADDRINUSE"
          ? new UsageError({ message: result.message })
          : new SandboxFailed({ message: result.message })
      }
    }),
  { runsUntilStopped: true }
)
