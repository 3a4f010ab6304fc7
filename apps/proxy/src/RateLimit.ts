import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { Client, RateLimit } from "./ProxyConfig.js"

/**
 * Where a client stands with its bucket after a request, as the IETF RateLimit fields say it
 * (draft-ietf-httpapi-ratelimit-headers-06): the quota is the bucket (`limit` = burst, refilled over
 * `windowSeconds` at the configured rate), `remaining` whole requests are left now, and in `resetSeconds` the bucket
 * is full again. A refused request has 0 remaining and resets when the next request is allowed: its Retry-After.
 */
export interface Quota {
  readonly limit: number
  readonly remaining: number
  readonly resetSeconds: number
  readonly windowSeconds: number
}

/** The client used up its token bucket. */
export class ClientRateLimited extends Schema.TaggedError<ClientRateLimited>()("ClientRateLimited", {
  clientId: Schema.String,
  retryAfterSeconds: Schema.Int,
  limit: Schema.Int,
  windowSeconds: Schema.Int
}) {}

interface Bucket {
  tokens: number
  at: number
}

/** Per-client token buckets: `burst` at once, refilled at `perSecond`. State is in memory, per process. */
export class RateLimiter extends Effect.Tag("@voucherify-webhooks/proxy/RateLimiter")<
  RateLimiter,
  {
    /** Takes one token of the client's bucket; `defaults` applies to a client without its own `rateLimit`. */
    readonly take: (client: Client, defaults: RateLimit) => Effect.Effect<Quota, ClientRateLimited>
  }
>() {
  // Buckets are kept by client id across reloads: a reload neither refills nor empties them.
  static readonly layer = Layer.sync(RateLimiter, () => {
    const buckets = new Map<string, Bucket>()
    return {
      take: (client, defaults) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const { perSecond, burst } = client.rateLimit ?? defaults
          const bucket = buckets.get(client.id) ?? { tokens: burst, at: now }
          bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
          bucket.at = now
          buckets.set(client.id, bucket)
          // The time to refill the whole bucket, in whole seconds: the policy's window.
          const windowSeconds = Math.max(1, Math.ceil(burst / perSecond))
          if (bucket.tokens >= 1) {
            bucket.tokens -= 1
            return Effect.succeed({
              limit: burst,
              remaining: Math.floor(bucket.tokens),
              resetSeconds: Math.ceil((burst - bucket.tokens) / perSecond),
              windowSeconds
            })
          }
          const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
          return Effect.fail(
            new ClientRateLimited({ clientId: client.id, retryAfterSeconds, limit: burst, windowSeconds })
          )
        })
    }
  })
}
