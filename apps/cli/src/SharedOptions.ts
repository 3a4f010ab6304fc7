import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { clusterNames } from "@voucherify-webhooks/core/Clusters"
import * as Effect from "effect/Effect"
import { UsageError } from "./CliErrors.js"
import { type OutputFormat, outputFormats } from "./Output.js"

// Options more than one command takes. @effect/cli reads a command's options before its subcommand, so they are
// attached to every leaf command that uses them: `vwh webhooks list --project p --output json` then works as
// people type it.

export const output = Options.choice("output", outputFormats).pipe(
  Options.withAlias("o"),
  Options.withDefault("table" as OutputFormat),
  Options.withDescription("table for people, json for scripts (JSON alone on stdout; progress and errors on stderr)")
)

// Not `Options.withFallbackConfig`: these override single fields of core's `webhooksConfig`, which stays the one
// reader of the VOUCHERIFY_* variables (the proxy uses it too) and decides between them (VOUCHERIFY_API_URL wins
// over VOUCHERIFY_CLUSTER, a lone id or token is an error); a fallback per flag would read them a second time.
const connection = {
  cluster: Options.choice("cluster", clusterNames).pipe(
    Options.optional,
    Options.withDescription("Voucherify region: eu (api.voucherify.io), us1 or as1; overrides VOUCHERIFY_CLUSTER")
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.optional,
    Options.withDescription(
      "API base URL (a dedicated region, the sandbox or the proxy), e.g. http://127.0.0.1:4010; overrides VOUCHERIFY_API_URL and --cluster"
    )
  ),
  timeout: Options.text("timeout").pipe(
    Options.optional,
    Options.withDescription("per-request timeout, e.g. 10s, 500ms or 2m (default 30s; VOUCHERIFY_TIMEOUT)")
  ),
  managementId: Options.text("management-id").pipe(
    Options.optional,
    Options.withDescription("management API id; prefer VOUCHERIFY_MANAGEMENT_ID")
  ),
  token: Options.redacted("token").pipe(
    Options.optional,
    Options.withDescription(
      "management API token; prefer VOUCHERIFY_MANAGEMENT_TOKEN: a flag lands in shell history and the process list"
    )
  )
}

/** Options every API command takes. */
export const apiOptions = { output, ...connection }

export type ConnectionFlags = Command.Command.ParseConfig<typeof connection>
export type ApiFlags = Command.Command.ParseConfig<typeof apiOptions>

/** `--port` and `--host` for the commands that listen (listen, sandbox). */
export const bindOptions = (defaultPort: number) => ({
  port: Options.integer("port").pipe(
    Options.withDefault(defaultPort),
    Options.withDescription("port; 0 picks a free one")
  ),
  host: Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("address to bind"))
})

export const checkPort = (port: number): Effect.Effect<void, UsageError> =>
  port < 0 || port > 65535 ? Effect.fail(new UsageError({ message: `--port ${port}: use 0 to 65535` })) : Effect.void
