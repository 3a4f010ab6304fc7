import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { Client } from "./ProxyConfig.js"
import { ProxySettings } from "./ProxyConfig.js"

/** The client used up its token bucket. */
export class ClientRateLimited extends Schema.TaggedError<ClientRateLimited>()("ClientRateLimited", {
  clientId: Schema.String,
  retryAfterSeconds: Schema.Int
}) {}

interface Bucket {
  tokens: number
  at: number
}

/** Per-client token buckets: `burst` at once, refilled at `perSecond`. State is in memory, per process. */
export class RateLimiter extends Effect.Tag("@voucherify-webhooks/proxy/RateLimiter")<
  RateLimiter,
  { readonly take: (client: Client) => Effect.Effect<void, ClientRateLimited> }
>() {
  static readonly layer = Layer.effect(
    RateLimiter,
    Effect.gen(function* () {
      const settings = yield* ProxySettings
      const buckets = new Map<string, Bucket>()
      return {
        take: (client) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const { perSecond, burst } = client.rateLimit ?? settings.limits.rateLimit
            const bucket = buckets.get(client.id) ?? { tokens: burst, at: now }
            bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
            bucket.at = now
            buckets.set(client.id, bucket)
            if (bucket.tokens >= 1) {
              bucket.tokens -= 1
              return Effect.void
            }
            const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
            return Effect.fail(new ClientRateLimited({ clientId: client.id, retryAfterSeconds }))
          })
      }
    })
  )
}
