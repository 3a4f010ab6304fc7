import * as Config from "effect/Config"
import type { ConfigError } from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { clusterNames, clusters } from "./Clusters.js"

export interface Credentials {
  readonly managementId: string
  readonly managementToken: Redacted.Redacted<string>
}

/** Everything the client needs to reach Voucherify (or anything speaking its API: the sandbox, the proxy). */
export interface WebhooksConfigShape {
  /** Base URL without a trailing slash, e.g. `https://api.voucherify.io`. */
  readonly baseUrl: string
  /** None when no credentials are configured: each call then fails with a clear AuthError. */
  readonly credentials: Option.Option<Credentials>
  /** Per attempt. */
  readonly timeout: Duration.Duration
  /** Retries after the first attempt, for calls that may be retried. */
  readonly maxRetries: number
  /** The longest Retry-After we are willing to sleep through; longer ones fail with RateLimitError at once. */
  readonly maxRetryAfter: Duration.Duration
}

/**
 * The client's settings. A Context.Tag, not an Effect.Service: a value with no implementation to build — `layerFromEnv`
 * reads it from `Config`, tests and apps supply their own.
 */
export class WebhooksConfig extends Context.Tag("@voucherify-webhooks/core/WebhooksConfig")<
  WebhooksConfig,
  WebhooksConfigShape
>() {}

const normaliseBaseUrl = (url: string): string => url.replace(/\/+$/, "")

/**
 * `url` without the user name and password it may embed (`http://user:TOKEN@host`), for anything printed: a
 * banner, a log line, an error message. Everything else is kept as written.
 */
export const withoutUserinfo = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1")

const baseUrlConfig = Config.url("VOUCHERIFY_API_URL").pipe(
  Config.validate({
    message: "VOUCHERIFY_API_URL must be an http(s) URL such as https://api.voucherify.io or http://localhost:4010",
    validation: (u) => u.protocol === "http:" || u.protocol === "https:"
  }),
  Config.map((u) => normaliseBaseUrl(u.href)),
  Config.option
)

const clusterConfig = Config.literal(...clusterNames)("VOUCHERIFY_CLUSTER").pipe(Config.withDefault("eu" as const))

/** VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN, each on its own (a tool may take one from a flag). */
export const managementIdConfig = Config.string("VOUCHERIFY_MANAGEMENT_ID").pipe(Config.option)
export const managementTokenConfig = Config.redacted("VOUCHERIFY_MANAGEMENT_TOKEN").pipe(Config.option)

/** The environment, read once: VOUCHERIFY_API_URL wins over VOUCHERIFY_CLUSTER (default `eu`). */
export const webhooksConfig: Config.Config<WebhooksConfigShape> = Config.all({
  apiUrl: baseUrlConfig,
  cluster: clusterConfig,
  managementId: managementIdConfig,
  managementToken: managementTokenConfig,
  timeout: Config.duration("VOUCHERIFY_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  maxRetries: Config.integer("VOUCHERIFY_MAX_RETRIES").pipe(
    Config.validate({
      message: "VOUCHERIFY_MAX_RETRIES must be between 0 and 10",
      validation: (n) => n >= 0 && n <= 10
    }),
    Config.withDefault(3)
  ),
  maxRetryAfter: Config.duration("VOUCHERIFY_MAX_RETRY_AFTER").pipe(Config.withDefault(Duration.seconds(60)))
}).pipe(
  Config.map(({ apiUrl, cluster, managementId, managementToken, ...rest }) => ({
    ...rest,
    baseUrl: Option.getOrElse(apiUrl, () => clusters[cluster]),
    credentials: Option.zipWith(managementId, managementToken, (id, token) => ({
      managementId: id,
      managementToken: token
    }))
  }))
)

/** Reads the configuration from the environment (or whichever ConfigProvider is current). */
export const layerFromEnv: Layer.Layer<WebhooksConfig, ConfigError> = Layer.effect(WebhooksConfig, webhooksConfig)

/** A fixed configuration, e.g. for tests or for the proxy's own upstream. */
export const layer = (config: Partial<WebhooksConfigShape> & Pick<WebhooksConfigShape, "baseUrl">) =>
  Layer.succeed(WebhooksConfig, {
    credentials: Option.none(),
    timeout: Duration.seconds(30),
    maxRetries: 3,
    maxRetryAfter: Duration.seconds(60),
    ...config,
    baseUrl: normaliseBaseUrl(config.baseUrl)
  })
