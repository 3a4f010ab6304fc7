import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

// The tracing settings alone (no exporter code): read by start-up to refuse bad values early, and by the server.

/**
 * Tracing is off unless an OTLP endpoint is configured, with the standard OpenTelemetry variables. Off, the tracer
 * is disabled: no span is created anywhere (they cost ~20 % of the proxy's throughput when nobody reads them).
 */
export type TracingSettings =
  | { readonly enabled: false }
  | {
      readonly enabled: true
      /** Where spans are POSTed (…/v1/traces). */
      readonly url: string
      readonly protocol: "http/protobuf" | "http/json"
      /** Extra headers for the collector (often an API key). */
      readonly headers: Redacted.Redacted<Record<string, string>>
      readonly serviceName: string
      readonly exportIntervalMs: number
      readonly maxBatchSize: number
      readonly timeoutMs: number
    }

// The OpenTelemetry specification reads an empty variable as unset.
const setting = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((s) => s.trim() !== "")))

// A ConfigError names the variable; main prints it as one line and exits 2.
const configError = (name: string, message: string) => ConfigError.InvalidData([name], message)

// (The variable's name is added to the error's path by Config itself.)
const checked = <A>(name: string, parse: (raw: string) => Either.Either<A, string>) =>
  Config.string(name).pipe(
    Config.mapOrFail((raw) => Either.mapLeft(parse(raw), (message) => ConfigError.InvalidData([], message)))
  )

const httpUrl = (raw: string): Either.Either<string, string> => {
  try {
    const url = new URL(raw)
    return url.protocol === "http:" || url.protocol === "https:"
      ? Either.right(url.href)
      : Either.left("must be an http(s) URL, e.g. http://localhost:4318")
  } catch {
    return Either.left("must be an absolute http(s) URL, e.g. http://localhost:4318")
  }
}

/** The generic endpoint is a base URL: traces go to its path + v1/traces (OTLP/HTTP's rule). */
const tracesUrl = (base: string) => {
  const url = new URL(base)
  url.pathname = `${url.pathname.replace(/\/*$/, "")}/v1/traces`
  return url.href
}

/** `key=value,key2=value2`, values percent-encoded (W3C baggage format), as OTEL_EXPORTER_OTLP_HEADERS. */
const headerList = (raw: string): Either.Either<Record<string, string>, string> => {
  const headers: Record<string, string> = {}
  for (const [i, entry] of raw.split(",").entries()) {
    if (entry.trim() === "") continue
    const at = entry.indexOf("=")
    const key = entry.slice(0, Math.max(0, at)).trim()
    if (at < 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key))
      return Either.left(`entry ${i + 1} is not key=value with a valid header name (values are not shown)`)
    try {
      headers[key.toLowerCase()] = decodeURIComponent(entry.slice(at + 1).trim())
    } catch {
      return Either.left(`entry ${i + 1} (${key}) is not valid percent-encoding`)
    }
  }
  return Either.right(headers)
}

const positiveInt = (raw: string): Either.Either<number, string> =>
  /^\d+$/.test(raw.trim()) && Number(raw) > 0 ? Either.right(Number(raw)) : Either.left("must be a positive integer")

/** The tracing settings from the environment (OTEL_*), checked: a bad value stops the start with its name. */
export const settings: Effect.Effect<TracingSettings, ConfigError.ConfigError> = Effect.gen(function* () {
  const sdkDisabled = Option.getOrElse(yield* setting("OTEL_SDK_DISABLED"), () => "false")
  const exporters = Option.getOrElse(yield* setting("OTEL_TRACES_EXPORTER"), () => "otlp")
    .split(",")
    .map((e) => e.trim().toLowerCase())
  const specific = yield* setting("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
  const generic = yield* setting("OTEL_EXPORTER_OTLP_ENDPOINT")
  if (sdkDisabled.trim().toLowerCase() === "true" || exporters.includes("none")) return { enabled: false } as const
  if (Option.isNone(specific) && Option.isNone(generic)) return { enabled: false } as const
  const unsupported = exporters.filter((e) => e !== "otlp")
  if (unsupported.length > 0) {
    return yield* Effect.fail(
      configError("OTEL_TRACES_EXPORTER", `only "otlp" (or "none") is supported, not ${unsupported.join(", ")}`)
    )
  }
  const url = Option.isSome(specific)
    ? yield* checked("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", httpUrl)
    : tracesUrl(yield* checked("OTEL_EXPORTER_OTLP_ENDPOINT", httpUrl))
  const protocolName = Option.isSome(yield* setting("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
    ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    : "OTEL_EXPORTER_OTLP_PROTOCOL"
  const protocol = Option.getOrElse(yield* setting(protocolName), () => "http/protobuf").trim()
  if (protocol !== "http/protobuf" && protocol !== "http/json") {
    return yield* Effect.fail(
      configError(
        protocolName,
        `"${protocol.slice(0, 20)}" is not supported: use http/protobuf (the default) or http/json, OTLP over HTTP (port 4318), not grpc`
      )
    )
  }
  const headersName = Option.isSome(yield* setting("OTEL_EXPORTER_OTLP_TRACES_HEADERS"))
    ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
    : "OTEL_EXPORTER_OTLP_HEADERS"
  const headers = Option.isSome(yield* setting(headersName)) ? yield* checked(headersName, headerList) : {}
  const number = (name: string, fallback: number) =>
    Effect.flatMap(setting(name), (value) =>
      Option.isSome(value) ? checked(name, positiveInt) : Effect.succeed(fallback)
    )
  const attributes = Option.getOrElse(yield* setting("OTEL_RESOURCE_ATTRIBUTES"), () => "")
  const fromAttributes = /(?:^|,)\s*service\.name\s*=\s*([^,]+)/.exec(attributes)?.[1]?.trim()
  return {
    enabled: true,
    url,
    protocol,
    headers: Redacted.make(headers),
    serviceName: Option.getOrElse(yield* setting("OTEL_SERVICE_NAME"), () => fromAttributes ?? "vwh-proxy"),
    exportIntervalMs: yield* number("OTEL_BSP_SCHEDULE_DELAY", 5_000),
    maxBatchSize: yield* number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512),
    timeoutMs: yield* number("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000)
  } as const
})
