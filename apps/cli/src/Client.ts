import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { clusters } from "@voucherify-webhooks/core/Clusters"
import {
  managementIdConfig,
  managementTokenConfig,
  WebhooksConfig,
  type WebhooksConfigShape,
  webhooksConfig
} from "@voucherify-webhooks/core/Config"
import { Webhooks, withDeadline } from "@voucherify-webhooks/core/Webhooks"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { UsageError } from "./CliErrors.js"
import * as Output from "./Output.js"
import { addSecret } from "./Redact.js"
import type { ApiFlags, ConnectionFlags } from "./SharedOptions.js"

/** `10s`, `500ms`, `2m` or a bare number of seconds. */
export const parseTimeout = (text: string): Duration.Duration | undefined => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim())
  if (!m) return undefined
  const n = Number(m[1])
  if (!(n > 0)) return undefined
  return m[2] === "ms" ? Duration.millis(n) : m[2] === "m" ? Duration.minutes(n) : Duration.seconds(n)
}

const parseBaseUrl = (text: string): string | undefined => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:" ? url.href.replace(/\/+$/, "") : undefined
  } catch {
    return undefined
  }
}

/** Core's configuration read from the environment, then overridden by whatever flags were given. */
export const resolveConfig = (flags: ConnectionFlags) =>
  Effect.gen(function* () {
    const env = yield* webhooksConfig
    let baseUrl = Option.match(flags.cluster, { onNone: () => env.baseUrl, onSome: (c) => clusters[c] })
    if (Option.isSome(flags.baseUrl)) {
      const parsed = parseBaseUrl(flags.baseUrl.value)
      if (parsed === undefined) {
        return yield* new UsageError({
          message: `--base-url "${flags.baseUrl.value}" is not an http(s) URL; use e.g. http://127.0.0.1:4010`
        })
      }
      baseUrl = parsed
    }
    let timeout = env.timeout
    if (Option.isSome(flags.timeout)) {
      const parsed = parseTimeout(flags.timeout.value)
      if (parsed === undefined) {
        return yield* new UsageError({
          message: `--timeout "${flags.timeout.value}" is not a duration; use e.g. 10s, 500ms or 2m`
        })
      }
      timeout = parsed
    }
    if (Option.isSome(flags.token)) {
      addSecret(flags.token.value)
      const output = yield* Output.Output
      yield* output.warn("--token is visible in shell history and the process list; prefer VOUCHERIFY_MANAGEMENT_TOKEN")
    }
    // Each on its own: an id from the environment goes with a token from --token, and the other way round.
    const envId = yield* managementIdConfig
    const envToken = yield* managementTokenConfig
    const id = Option.orElse(flags.managementId, () => envId)
    const token = Option.orElse(flags.token, () => envToken)
    const credentials = Option.zipWith(id, token, (managementId, managementToken) => ({
      managementId,
      managementToken
    }))
    // Without this, a lone VOUCHERIFY_MANAGEMENT_TOKEN would surface later as "no credentials" with no hint why.
    if (Option.isNone(credentials) && (Option.isSome(id) || Option.isSome(token))) {
      return yield* new UsageError({
        message: Option.isSome(id)
          ? "a management id is set but no token: set VOUCHERIFY_MANAGEMENT_TOKEN"
          : "a management token is set but no id: set VOUCHERIFY_MANAGEMENT_ID (or pass --management-id)"
      })
    }
    return { ...env, baseUrl, timeout, credentials } satisfies WebhooksConfigShape
  })

/** The core Webhooks client and its configuration, from env + flags, over node:http. */
export const clientLayer = (flags: ConnectionFlags) =>
  Webhooks.Default.pipe(
    Layer.provideMerge(Layer.effect(WebhooksConfig, resolveConfig(flags))),
    Layer.provide(NodeHttpClient.layer)
  )

/**
 * Runs `effect` under one deadline, the command's --timeout (VOUCHERIFY_TIMEOUT, 30 s by default): every call,
 * retries and waits included. Called again after a prompt, since the time a person takes to answer is not the API's.
 */
export const withCommandDeadline = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(WebhooksConfig, (config) => withDeadline(config.timeout)(effect))

/** Runs an API command with its output, a client configured from env + flags, and its deadline. */
export const withApi =
  (flags: ApiFlags) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) => {
    const output = Output.layer(flags.output)
    return effect.pipe(
      withCommandDeadline,
      Effect.provide(Layer.provideMerge(clientLayer(flags), output))
    ) as Effect.Effect<
      A,
      E | Layer.Layer.Error<ReturnType<typeof clientLayer>>,
      Exclude<R, Webhooks | WebhooksConfig | Output.Output>
    >
  }
