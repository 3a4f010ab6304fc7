import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { SandboxError } from "./Errors.js"

export interface SandboxCredentials {
  readonly managementId: string
  readonly managementToken: Redacted.Redacted<string>
}

export interface SandboxOptions {
  /** Default 0 (an ephemeral port); the bin defaults to PORT or 4010. */
  readonly port?: number
  /** Default 127.0.0.1: a sandbox has no business listening on other interfaces unless asked. */
  readonly host?: string
  /** Projects that exist from the start; `proj_sandbox` is always one of them. */
  readonly projects?: ReadonlyArray<string>
  /** Default: VOUCHERIFY_MANAGEMENT_ID/TOKEN when both are set, else {@link demoCredentials}. */
  readonly credentials?: SandboxCredentials
  /** Multiplies Voucherify's retry schedule (1 min … 24 h). Default 1/600: one minute becomes 100 ms. */
  readonly deliveryTimeScale?: number
  /** How long a receiver may take to answer a delivery. Voucherify's is 10 s. */
  readonly deliveryTimeoutMs?: number
}

/** Works with no configuration at all; printed in the start banner. */
export const demoCredentials: SandboxCredentials = {
  managementId: "sandbox-management-id",
  managementToken: Redacted.make("sandbox-management-token")
}

export const defaultProject = "proj_sandbox"

export interface ResolvedOptions {
  readonly port: number
  readonly host: string
  readonly projects: ReadonlyArray<string>
  readonly credentials: SandboxCredentials
  /** True when the demo pair is in use: only then is the token printed. */
  readonly demo: boolean
  readonly deliveryTimeScale: number
  readonly deliveryTimeoutMs: number
}

/**
 * One sandbox's resolved options, which its services read. A Context.Tag, not an Effect.Service: it is a value the
 * caller supplies (`layer(options)`), with no implementation of its own to build.
 */
export class SandboxSettings extends Context.Tag("@voucherify-webhooks/sandbox/SandboxSettings")<
  SandboxSettings,
  ResolvedOptions
>() {}

const envCredentials = Config.all({
  managementId: Config.string("VOUCHERIFY_MANAGEMENT_ID"),
  managementToken: Config.redacted("VOUCHERIFY_MANAGEMENT_TOKEN")
}).pipe(
  Config.option,
  // An empty value means "unset" to a shell user; do not start with credentials no one can type.
  Config.map(Option.filter((c) => c.managementId !== "" && Redacted.value(c.managementToken) !== ""))
)

/** Fills the defaults; credentials come from the environment (or the current ConfigProvider) when not given. */
export const resolveOptions = (options: SandboxOptions = {}): Effect.Effect<ResolvedOptions, SandboxError> =>
  Effect.gen(function* () {
    const fromEnv = options.credentials ? Option.none() : yield* envCredentials
    const credentials = options.credentials ?? Option.getOrElse(fromEnv, () => demoCredentials)
    const scale = options.deliveryTimeScale ?? 1 / 600
    if (!(scale > 0) || !Number.isFinite(scale)) {
      return yield* new SandboxError({ reason: "invalid", message: `deliveryTimeScale must be > 0, got ${scale}` })
    }
    return {
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1",
      projects: [...new Set([defaultProject, ...(options.projects ?? [])])],
      credentials,
      demo: credentials === demoCredentials,
      deliveryTimeScale: scale,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000
    }
  }).pipe(
    Effect.catchTag("ConfigError", (e) =>
      Effect.fail(new SandboxError({ reason: "startup", message: `Invalid configuration: ${e.message}` }))
    )
  )
