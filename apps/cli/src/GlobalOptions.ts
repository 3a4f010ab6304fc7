import * as Options from "@effect/cli/Options"
import { type Cluster, clusterNames } from "@voucherify-webhooks/core/Clusters"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { type OutputFormat, outputFormats } from "./Output.js"

// @effect/cli reads a command's options before its subcommand, so "global" options are attached to every leaf
// command instead: `vwh webhooks list --project p --output json` then works as people type it.

export const output = Options.choice("output", outputFormats).pipe(
  Options.withAlias("o"),
  Options.withDefault("table" as OutputFormat),
  Options.withDescription("table for people, json for scripts (JSON alone on stdout; progress and errors on stderr)")
)

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

export interface ConnectionFlags {
  readonly cluster: Option.Option<Cluster>
  readonly baseUrl: Option.Option<string>
  readonly timeout: Option.Option<string>
  readonly managementId: Option.Option<string>
  readonly token: Option.Option<Redacted.Redacted<string>>
}

export interface ApiFlags extends ConnectionFlags {
  readonly output: OutputFormat
}
