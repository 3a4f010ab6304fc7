import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { clusterNames } from "@voucherify-webhooks/core/Clusters"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import { UsageError } from "./CliErrors.js"
import { about } from "./CommandTree.js"
import { type OutputFormat, outputFormats } from "./Output.js"

// Options more than one command takes. The API commands' ones are "global": they may stand before or after the
// command (Argv.ts moves them after it, where @effect/cli reads a command's options).

export const output = Options.choice("output", outputFormats).pipe(
  Options.withAlias("o"),
  Options.withDefault("table" as OutputFormat),
  about("table for people; json for scripts: one JSON document on stdout, progress and errors on stderr")
)

// Not `Options.withFallbackConfig`: these override single fields of core's `webhooksConfig`, which stays the one
// reader of the VOUCHERIFY_* variables (the proxy uses it too) and decides between them (VOUCHERIFY_API_URL wins
// over VOUCHERIFY_CLUSTER, a lone id or token is an error); a fallback per flag would read them a second time.
const connection = {
  cluster: Options.choice("cluster", clusterNames).pipe(
    Options.optional,
    about("the Voucherify region: eu (api.voucherify.io, the default), us1 or as1; instead of VOUCHERIFY_CLUSTER")
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.withPseudoName("URL"),
    Options.optional,
    about(
      "talk to this API instead (a dedicated region, the sandbox, the proxy), e.g. --base-url http://127.0.0.1:4010; instead of VOUCHERIFY_API_URL and --cluster"
    )
  ),
  timeout: Options.text("timeout").pipe(
    Options.withPseudoName("DURATION"),
    Options.optional,
    about(
      "how long the whole command may take, retries and waits included, e.g. --timeout 10s, 500ms or 2m (default 30s; VOUCHERIFY_TIMEOUT)"
    )
  ),
  managementId: Options.text("management-id").pipe(
    Options.withPseudoName("ID"),
    Options.optional,
    about("the Management API id; prefer VOUCHERIFY_MANAGEMENT_ID")
  ),
  token: Options.redacted("token").pipe(
    Options.withPseudoName("TOKEN"),
    Options.optional,
    about(
      "the Management API token; prefer VOUCHERIFY_MANAGEMENT_TOKEN: a flag lands in shell history and the process list"
    )
  )
}

/** Options every API command takes. */
export const apiOptions = { output, ...connection }

/** The keys of the options that may stand anywhere on the command line. */
export const globalKeys: ReadonlySet<string> = new Set(Object.keys(apiOptions))

export type ConnectionFlags = Command.Command.ParseConfig<typeof connection>
export type ApiFlags = Command.Command.ParseConfig<typeof apiOptions>

/** `--secret`, the project's webhook signing secret, else VOUCHERIFY_WEBHOOK_SECRET (listen verifies, trigger signs). */
export const webhookSecret = (description: string) =>
  Options.redacted("secret").pipe(
    Options.withPseudoName("SECRET"),
    Options.withFallbackConfig(Config.redacted("VOUCHERIFY_WEBHOOK_SECRET")),
    Options.optional,
    about(description)
  )

/** `--port` and `--host` for the commands that listen (listen, sandbox). */
export const bindOptions = (defaultPort: number) => ({
  port: Options.integer("port").pipe(
    Options.withPseudoName("PORT"),
    Options.withDefault(defaultPort),
    about(`the port to listen on (default ${defaultPort}; 0 picks a free one), e.g. --port 0`)
  ),
  host: Options.text("host").pipe(
    Options.withPseudoName("ADDRESS"),
    Options.withDefault("127.0.0.1"),
    about("the address to listen on (default 127.0.0.1, this machine only), e.g. --host 0.0.0.0")
  )
})

export const checkPort = (port: number): Effect.Effect<void, UsageError> =>
  port < 0 || port > 65535 ? Effect.fail(new UsageError({ message: `--port ${port}: use 0 to 65535` })) : Effect.void
