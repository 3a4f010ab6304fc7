import * as HttpClient from "@effect/platform/HttpClient"
import * as CoreConfig from "@voucherify-webhooks/core/Config"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ProxySettings } from "./ProxyConfig.js"
import * as UpstreamClient from "./UpstreamClient.js"

/** Where the proxy forwards to, with the credentials it uses there (never the clients'). */
export interface UpstreamTargetShape {
  readonly baseUrl: string
  readonly credentials: CoreConfig.Credentials
  /** True for the embedded sandbox: nothing real is touched. */
  readonly sandbox: boolean
}

export class UpstreamTarget extends Context.Tag("@voucherify-webhooks/proxy/UpstreamTarget")<
  UpstreamTarget,
  UpstreamTargetShape
>() {}

/** A real upstream (a Voucherify cluster, or anything speaking its API). */
export const remote = (baseUrl: string, credentials: CoreConfig.Credentials) =>
  Layer.succeed(UpstreamTarget, { baseUrl: baseUrl.replace(/\/+$/, ""), credentials, sandbox: false })

/** Whether the upstream answers: a cheap GET of its base URL, cached so probes cannot hammer it. */
export class Readiness extends Context.Tag("@voucherify-webhooks/proxy/Readiness")<
  Readiness,
  { readonly check: Effect.Effect<{ readonly ready: boolean; readonly detail: string }> }
>() {}

const readinessLayer = Layer.effect(
  Readiness,
  Effect.gen(function* () {
    const settings = yield* ProxySettings
    const target = yield* UpstreamTarget
    const client = yield* HttpClient.HttpClient
    let cached: { at: number; ready: boolean; detail: string } | undefined
    const probe = client.get(`${target.baseUrl}/`).pipe(
      Effect.map((res) => ({
        // Any answer below 500 means the upstream is up; no credentials are sent to the probe.
        ready: res.status < 500,
        detail: `upstream answered ${res.status}`
      })),
      Effect.scoped,
      Effect.timeoutFail({ duration: Duration.millis(settings.readiness.timeoutMs), onTimeout: () => "timeout" }),
      Effect.catchAll((e) =>
        Effect.succeed({
          ready: false,
          detail: e === "timeout" ? "upstream did not answer in time" : "upstream unreachable"
        })
      )
    )
    return {
      check: Effect.suspend(() => {
        const now = Date.now()
        if (cached && now - cached.at < settings.readiness.cacheMs) return Effect.succeed(cached)
        return Effect.tap(probe, (r) => {
          cached = { at: Date.now(), ...r }
        })
      })
    }
  })
)

/** Core's Webhooks client aimed at the upstream, plus readiness; undici keeps connections alive. */
export const layer = Layer.unwrapEffect(
  Effect.gen(function* () {
    const settings = yield* ProxySettings
    const target = yield* UpstreamTarget
    const config = CoreConfig.layer({
      baseUrl: target.baseUrl,
      credentials: Option.some(target.credentials),
      timeout: Duration.millis(settings.upstream.timeoutMs),
      maxRetries: settings.upstream.maxRetries,
      // A client behind the proxy waits for its own Retry-After; the proxy must not sit on its connection.
      maxRetryAfter: Duration.zero
    })
    return Layer.merge(Webhooks.Default.pipe(Layer.provide(config)), readinessLayer)
  })
).pipe(Layer.provide(UpstreamClient.layer()))
