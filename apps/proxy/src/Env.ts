import { readFileSync } from "node:fs"
import { closest, didYouMean } from "@voucherify-webhooks/core/Suggest"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { StartupRefused } from "./StartupErrors.js"

/**
 * Secrets that may come from a file named by `<NAME>_FILE` instead (a mounted Kubernetes Secret, systemd's
 * LoadCredential, Docker secrets): read once, at start, so the value never sits in the process environment.
 */
export const secretFileVariables = ["VOUCHERIFY_MANAGEMENT_ID", "VOUCHERIFY_MANAGEMENT_TOKEN", "REDIS_URL"] as const

/**
 * The process environment as a ConfigProvider, with each `<NAME>_FILE` of {@link secretFileVariables} read into
 * `<NAME>` (surrounding whitespace and the final newline trimmed). Fails, one line per problem, when a file
 * cannot be read or is empty, or when both `<NAME>` and `<NAME>_FILE` are set.
 */
export const environmentProvider = (
  env: NodeJS.ProcessEnv = process.env
): Effect.Effect<ConfigProvider.ConfigProvider, StartupRefused> =>
  Effect.suspend(() => {
    const values = new Map<string, string>()
    for (const [name, value] of Object.entries(env)) if (value !== undefined) values.set(name, value)
    const problems: Array<string> = []
    for (const name of secretFileVariables) {
      const file = env[`${name}_FILE`]
      if (file === undefined || file === "") continue
      values.delete(`${name}_FILE`)
      if (env[name] !== undefined && env[name] !== "") {
        problems.push(`${name} and ${name}_FILE are both set: set one of them`)
        continue
      }
      let text: string
      try {
        text = readFileSync(file, "utf8").trim()
      } catch (e) {
        problems.push(`${name}_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
        continue
      }
      if (text === "") problems.push(`${name}_FILE: ${file} is empty`)
      else values.set(name, text)
    }
    return problems.length > 0
      ? Effect.fail(new StartupRefused({ problems: problems.map((p) => `environment: ${p}`) }))
      : Effect.succeed(ConfigProvider.fromMap(values))
  })

/** An unset or empty variable is None. */
const optionalString = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((s) => s.trim() !== "")))

const portConfig = optionalString("PORT").pipe(
  Config.mapOrFail((value) =>
    Option.match(value, {
      onNone: () => Either.right(Option.none<number>()),
      onSome: (text) => {
        const n = Number(text)
        return Number.isInteger(n) && n >= 0 && n <= 65535 && /^\d+$/.test(text.trim())
          ? Either.right(Option.some(n))
          : Either.left(
              ConfigError.InvalidData(
                ["PORT"],
                `must be an integer 0-65535 (0 picks a free port), got ${JSON.stringify(text)}`
              )
            )
      }
    })
  )
)

/** WORKERS: a positive integer or "auto", as in the config's `workers` (which it overrides). */
const workersConfig = optionalString("WORKERS").pipe(
  Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(Option.none<number | "auto">())
    const text = value.value.trim()
    if (text.toLowerCase() === "auto") return Either.right(Option.some("auto" as const))
    const n = Number(text)
    return /^\d+$/.test(text) && n >= 1
      ? Either.right(Option.some(n))
      : Either.left(
          ConfigError.InvalidData(
            ["WORKERS"],
            `must be a positive integer or "auto", got ${JSON.stringify(value.value)}`
          )
        )
  })
)

const logLevels = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None
} as const
const levelNames = Object.keys(logLevels) as Array<keyof typeof logLevels>

const logLevelConfig = optionalString("LOG_LEVEL").pipe(
  Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(LogLevel.Info)
    const name = value.value.trim().toLowerCase()
    return name in logLevels
      ? Either.right(logLevels[name as keyof typeof logLevels])
      : Either.left(
          ConfigError.InvalidData(
            ["LOG_LEVEL"],
            `use ${levelNames.join(", ")}; got ${JSON.stringify(value.value)}${didYouMean(closest(name, levelNames))}`
          )
        )
  })
)

/** What the proxy reads from its own environment (the upstream's variables are core's, see Startup). */
export const proxyEnvironment = Config.all({
  port: portConfig,
  host: optionalString("HOST"),
  workers: workersConfig,
  logLevel: logLevelConfig,
  configPath: optionalString("PROXY_CONFIG"),
  // Its password is a secret: Redacted from here on, and REDIS_URL_FILE may hold it instead.
  redisUrl: Config.redacted("REDIS_URL").pipe(
    // The message never includes the value: it may hold a password.
    Config.mapOrFail((url) =>
      /^rediss?:\/\/[^\s]+$/.test(Redacted.value(url))
        ? Either.right(url)
        : Either.left(
            ConfigError.InvalidData(["REDIS_URL"], "must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379")
          )
    ),
    Config.option
  )
})
export type ProxyEnvironment = Config.Config.Success<typeof proxyEnvironment>

/** One line per problem of a ConfigError: `NAME: what is wrong`. */
export const configErrorLines = (error: ConfigError.ConfigError): Array<string> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...configErrorLines(error.left), ...configErrorLines(error.right)]
    case "MissingData":
    case "InvalidData":
    case "SourceUnavailable":
    case "Unsupported":
      return [`environment: ${error.path.length > 0 ? `${error.path.join("_")}: ` : ""}${error.message}`]
  }
}
