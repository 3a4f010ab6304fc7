import * as CoreConfig from "@voucherify-webhooks/core/Config"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ProxySettings } from "./ProxyConfig.js"
import * as Readiness from "./Readiness.js"
import * as UpstreamClient from "./UpstreamClient.js"

/** Where the proxy forwards to, with the credentials it uses there (never the clients'). */
export interface UpstreamTargetShape {
  readonly baseUrl: string
  readonly credentials: CoreConfig.Credentials
  /** True for the embedded sandbox: nothing real is touched. */
  readonly sandbox: boolean
}

/** Where the proxy forwards to, and with which credentials: a value chosen at start-up (a Context.Tag). */
export class UpstreamTarget extends Context.Tag("@voucherify-webhooks/proxy/UpstreamTarget")<
  UpstreamTarget,
  UpstreamTargetShape
>() {}

/** A real upstream (a Voucherify cluster, or anything speaking its API). */
export const remote = (baseUrl: string, credentials: CoreConfig.Credentials) =>
  Layer.succeed(UpstreamTarget, { baseUrl: baseUrl.replace(/\/+$/, ""), credentials, sandbox: false })

export { Readiness } from "./Readiness.js"

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
    const webhooks = Webhooks.Default.pipe(Layer.provide(config))
    return Layer.provideMerge(Layer.effect(Readiness.Readiness, Readiness.make(target)), webhooks)
  })
).pipe(Layer.provide(UpstreamClient.layer()))
