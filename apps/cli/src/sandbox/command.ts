import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { SandboxFailed } from "../CliErrors.js"
import { describe } from "../Help.js"
import { bindOptions, checkPort } from "../SharedOptions.js"

// A separate bundle next to this one (see build.mjs); the URL keeps esbuild from inlining it.
const loadSandbox = () => import(new URL("./sandbox.js", import.meta.url).href) as Promise<typeof import("./main.js")>

export const sandboxOptions = {
  ...bindOptions(4010),
  projects: Options.text("project").pipe(
    Options.withAlias("p"),
    Options.repeated,
    Options.withDescription("a project besides proj_sandbox; repeatable")
  )
}

export const sandbox = Command.make("sandbox", sandboxOptions, (flags) =>
  Effect.gen(function* () {
    yield* checkPort(flags.port)
    // Runs until interrupted (Ctrl-C aborts the signal, which stops the sandbox).
    const result = yield* Effect.tryPromise({
      try: (signal) => loadSandbox().then((m) => m.runSandbox(flags, signal)),
      catch: (e) =>
        new SandboxFailed({ message: `could not load the sandbox: ${e instanceof Error ? e.message : String(e)}` })
    })
    if (!result.ok) return yield* new SandboxFailed({ message: result.message })
  })
).pipe(
  Command.withDescription(
    describe(
      "Run an offline Voucherify webhook API to try everything without an account: it prints the URL, credentials and each project's signing secret, and sends signed deliveries when events are raised.",
      [
        "vwh sandbox --port 4010 --project proj_demo",
        "export VOUCHERIFY_API_URL=http://127.0.0.1:4010 VOUCHERIFY_MANAGEMENT_ID=sandbox-management-id VOUCHERIFY_MANAGEMENT_TOKEN=sandbox-management-token"
      ],
      ["Credentials: VOUCHERIFY_MANAGEMENT_ID/TOKEN when both are set, else the demo pair it prints. Ctrl-C stops it."]
    )
  )
)
