import { accessSync, constants, existsSync } from "node:fs"
import { availableParallelism } from "node:os"
import { dirname, resolve } from "node:path"
import { clusters } from "@voucherify-webhooks/core/Clusters"
import * as CoreConfig from "@voucherify-webhooks/core/Config"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { loadConfigFile } from "./ConfigFile.js"
import { configErrorLines, proxyEnvironment } from "./Env.js"
import { hashKey, mintKey } from "./Keys.js"
import { decodeConfig, type ProxyConfig, SharedStateConfig, type Workers } from "./ProxyConfig.js"
import { StartupRefused } from "./StartupErrors.js"
import { settings as tracingSettings } from "./TracingSettings.js"

/** Where requests go: Voucherify (or anything speaking its API) with the proxy's own credentials, or the sandbox. */
export type UpstreamChoice =
  | { readonly _tag: "Sandbox" }
  | { readonly _tag: "Remote"; readonly baseUrl: string; readonly credentials: CoreConfig.Credentials }

/** Everything decided before anything starts: what `serve` runs and what `check-config` reports. */
export interface StartupPlan {
  /** The config file, or undefined in demo mode. */
  readonly configPath: string | undefined
  /** The file's text as validated (reloads compare against it). */
  readonly configText: string | undefined
  /** The validated config with PORT and HOST applied. */
  readonly settings: ProxyConfig
  /** Applies PORT and HOST to a config (a reloaded file gets the same overrides as the one started with). */
  readonly withEnv: (config: ProxyConfig) => ProxyConfig
  /** Demo mode: the demo client's key, minted for this process. */
  readonly demoKey: Redacted.Redacted<string> | undefined
  readonly upstream: UpstreamChoice
  readonly logLevel: LogLevel.LogLevel
  /** How many processes serve (`workers`, "auto" resolved); 1 = a single process, no cluster. */
  readonly workers: number
}

/** The number of processes a `workers` setting means here. */
export const workerCount = (setting: Workers): number => (setting === "auto" ? availableParallelism() : setting)

/** `2` or `2 (auto: this machine's CPUs)`, for messages and check-config. */
export const describeWorkers = (setting: Workers): string =>
  setting === "auto" ? `${workerCount(setting)} (auto: the CPUs this process may use)` : String(setting)

/**
 * Several workers need their rate limits in Redis: each worker is a whole proxy with its own in-memory buckets, so N
 * of them would give every client N budgets (and N times its failed logins). Nor can they share an embedded sandbox:
 * each would run its own, and a webhook created through one worker would be missing from the next answer. Undefined
 * when the settings agree.
 */
const workersProblem = (settings: ProxyConfig, fromEnv: boolean): string | undefined => {
  const n = workerCount(settings.workers)
  if (n <= 1) return undefined
  const workers = `workers: ${describeWorkers(settings.workers)}${fromEnv ? " (from WORKERS)" : ""}`
  if (settings.sharedState === undefined) {
    return `${workers} without sharedState: each worker would keep its own rate limits, giving every client ${n} budgets; set sharedState.redisUrl (or REDIS_URL) so the workers share them, or workers: 1`
  }
  if (settings.upstream.sandbox) {
    return `${workers} with upstream.sandbox: each worker would run its own embedded sandbox, so a webhook created through one would be missing from the others; run one sandbox (vwh-sandbox) and set upstream.url to it, or workers: 1`
  }
  return undefined
}

const sharedStateDefaults = Schema.decodeSync(SharedStateConfig)({})

const refuse = (...problems: Array<string>) => Effect.fail(new StartupRefused({ problems }))

const present = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Config.map((o) => Option.isSome(o) && o.value.trim() !== "")
  )

/** Which of the upstream's variables are set (values are core's to read). */
const upstreamVariables = Config.all({
  id: present("VOUCHERIFY_MANAGEMENT_ID"),
  token: present("VOUCHERIFY_MANAGEMENT_TOKEN"),
  url: present("VOUCHERIFY_API_URL"),
  cluster: present("VOUCHERIFY_CLUSTER")
})

/** Why the audit file cannot be appended to, checked without creating it; undefined when it can. */
export const auditPathProblem = (path: string): string | undefined => {
  if (path === "-") return undefined
  const target = existsSync(path) ? path : dirname(resolve(path))
  try {
    accessSync(target, constants.W_OK)
    return undefined
  } catch (e) {
    return `audit.path: cannot append to ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`
  }
}

const demoConfig = (key: Redacted.Redacted<string>): ProxyConfig =>
  Either.getOrThrow(
    decodeConfig({ clients: [{ id: "demo", keyHash: hashKey(key), projects: "*", access: ["read", "write"] }] })
  )

/**
 * Decides how the proxy would start, from the `--config` flag and the environment (read through `Config`, so
 * `*_FILE` secrets and tests' providers apply), refusing what is unsafe or contradictory:
 * - no config and no upstream variables: demo mode (a demo client on the embedded sandbox);
 * - no config but upstream variables: refused (a demo client on a real account could change every project);
 * - a config: its upstream is the one the environment names, with credentials; without credentials only when the
 *   config says `upstream.sandbox: true` (a missing secret must not quietly turn production into a sandbox).
 */
export const plan = (configFlag: Option.Option<string>): Effect.Effect<StartupPlan, StartupRefused> =>
  Effect.gen(function* () {
    const env = yield* proxyEnvironment
    // Checked here so that a bad OTEL_* value refuses to start (the server reads the same settings).
    yield* tracingSettings
    const vars = yield* upstreamVariables
    const configPath = Option.getOrUndefined(Option.orElse(configFlag, () => env.configPath))

    if (vars.id !== vars.token) {
      const [set, unset] = vars.id
        ? ["VOUCHERIFY_MANAGEMENT_ID", "VOUCHERIFY_MANAGEMENT_TOKEN"]
        : ["VOUCHERIFY_MANAGEMENT_TOKEN", "VOUCHERIFY_MANAGEMENT_ID"]
      return yield* refuse(
        `vwh-proxy: refusing to start: ${set} is set but ${unset} is not (nor ${unset}_FILE): set both for a real upstream, or neither`
      )
    }
    const credentialsSet = vars.id && vars.token
    const named = [
      ...(credentialsSet ? ["VOUCHERIFY_MANAGEMENT_ID", "VOUCHERIFY_MANAGEMENT_TOKEN"] : []),
      ...(vars.url ? ["VOUCHERIFY_API_URL"] : []),
      ...(vars.cluster ? ["VOUCHERIFY_CLUSTER"] : [])
    ]

    const withEnv = (config: ProxyConfig): ProxyConfig => ({
      ...config,
      port: Option.getOrElse(env.port, () => config.port),
      host: Option.getOrElse(env.host, () => config.host),
      workers: Option.getOrElse(env.workers, () => config.workers),
      ...(Option.isSome(env.redisUrl)
        ? { sharedState: { ...(config.sharedState ?? sharedStateDefaults), redisUrl: env.redisUrl.value } }
        : {})
    })

    if (configPath === undefined) {
      if (named.length > 0) {
        return yield* refuse(
          `vwh-proxy: refusing to start: ${named.join(", ")} ${named.length === 1 ? "is" : "are"} set but no config was given (--config FILE or PROXY_CONFIG).`,
          "  Without a config the proxy runs a demo client that may read and change every project: it will not do that against a real account.",
          "  For the real account: vwh-proxy hash-key --config proxy.json --id <client> --project <project id> --access read   (then --config proxy.json)",
          `  For the offline demo: unset ${named.join(" ")}`
        )
      }
      const demoKey = mintKey()
      const demo = withEnv(demoConfig(demoKey))
      if (workerCount(demo.workers) > 1) {
        return yield* refuse(
          `vwh-proxy: refusing to start: WORKERS=${describeWorkers(demo.workers)} without a config: the demo runs as one process (its key is minted per process); unset WORKERS, or give a config (--config FILE) with sharedState`
        )
      }
      return {
        configPath,
        configText: undefined,
        settings: demo,
        withEnv,
        demoKey,
        upstream: { _tag: "Sandbox" },
        logLevel: env.logLevel,
        workers: 1
      } satisfies StartupPlan
    }

    const loaded = yield* loadConfigFile(configPath)
    const settings = withEnv(loaded.config)
    const audit = auditPathProblem(settings.audit.path)
    if (audit !== undefined) return yield* refuse(`config error: ${configPath}: ${audit}`)
    if (settings.sharedState !== undefined && settings.sharedState.redisUrl === undefined) {
      return yield* refuse(
        `config error: ${configPath}: sharedState.redisUrl: is missing: give the Redis URL there, or in REDIS_URL (or REDIS_URL_FILE)`
      )
    }
    const workers = workersProblem(settings, Option.isSome(env.workers))
    if (workers !== undefined) return yield* refuse(`config error: ${configPath}: ${workers}`)
    const base = {
      configPath,
      configText: loaded.text,
      settings,
      withEnv,
      demoKey: undefined,
      logLevel: env.logLevel,
      workers: workerCount(settings.workers)
    }
    if (settings.upstream.sandbox) {
      if (named.length > 0) {
        return yield* refuse(
          `vwh-proxy: refusing to start: ${configPath} says upstream.sandbox: true but ${named.join(", ")} ${named.length === 1 ? "is" : "are"} set: remove one or the other`
        )
      }
      return { ...base, upstream: { _tag: "Sandbox" } } satisfies StartupPlan
    }
    if (!credentialsSet) {
      return yield* refuse(
        "vwh-proxy: refusing to start: no upstream credentials: set VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN (or VOUCHERIFY_MANAGEMENT_TOKEN_FILE …),",
        `  or set "upstream": {"sandbox": true} in ${configPath} to try this config against the embedded sandbox`
      )
    }
    const core = yield* CoreConfig.webhooksConfig
    const baseUrl =
      vars.url || vars.cluster ? core.baseUrl : (settings.upstream.url ?? clusters[settings.upstream.cluster ?? "eu"])
    const credentials = Option.getOrThrow(core.credentials)
    return {
      ...base,
      upstream: { _tag: "Remote", baseUrl: baseUrl.replace(/\/+$/, ""), credentials }
    } satisfies StartupPlan
  }).pipe(
    Effect.catchIf(ConfigError.isConfigError, (error) =>
      Effect.fail(new StartupRefused({ problems: configErrorLines(error).map((l) => `config error: ${l}`) }))
    )
  )
