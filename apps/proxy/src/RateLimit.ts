import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Client, RateLimit } from "./ProxyConfig.js"
import { SharedState } from "./SharedState.js"
import { type Bucket, type Budget, type Step, secondsToNextToken, step } from "./TokenBucket.js"

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

/** Where a client stands after a step of its bucket, as the RateLimit fields say it. */
const quotaOf = (tokens: number, budget: Budget): Quota => ({
  limit: budget.burst,
  remaining: Math.floor(tokens),
  resetSeconds: Math.ceil((budget.burst - tokens) / budget.perSecond),
  // The time to refill the whole bucket, in whole seconds: the policy's window.
  windowSeconds: Math.max(1, Math.ceil(budget.burst / budget.perSecond))
})

const answer = (client: Client, budget: Budget, step: Step): Effect.Effect<Quota, ClientRateLimited> =>
  step.allowed
    ? Effect.succeed(quotaOf(step.tokens, budget))
    : Effect.fail(
        new ClientRateLimited({
          clientId: client.id,
          retryAfterSeconds: secondsToNextToken(step.tokens, budget),
          limit: budget.burst,
          windowSeconds: quotaOf(step.tokens, budget).windowSeconds
        })
      )

/**
 * Per-client token buckets: `burst` at once, refilled at `perSecond`. In this process's memory, or, with
 * `sharedState`, in Redis (one budget for every replica and worker; this process's buckets when Redis does not
 * answer, or SharedStateUnavailable under `onUnavailable: "deny"`).
 */
export class RateLimiter extends Effect.Service<RateLimiter>()("@voucherify-webhooks/proxy/RateLimiter", {
  // Buckets are kept by client id across reloads: a reload neither refills nor empties them.
  effect: Effect.gen(function* () {
    const shared = yield* Effect.serviceOption(SharedState)
    const buckets = new Map<string, Bucket>()
    const local = (client: Client, budget: Budget, now: number) => {
      let bucket = buckets.get(client.id)
      if (bucket === undefined) {
        bucket = { tokens: budget.burst, at: now }
        buckets.set(client.id, bucket)
      }
      return step(bucket, budget, "take", now)
    }
    if (Option.isNone(shared)) {
      return {
        /** Takes one token of the client's bucket; `defaults` applies to a client without its own `rateLimit`. */
        take: (client: Client, defaults: RateLimit) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const budget = client.rateLimit ?? defaults
            return answer(client, budget, local(client, budget, now))
          })
      }
    }
    const state = shared.value
    return {
      take: (client: Client, defaults: RateLimit) => {
        const budget = client.rateLimit ?? defaults
        return Effect.flatMap(
          state.orLocal(
            Effect.map(state.bucket(`rl:${client.id}`, budget, "take"), (a) =>
              a === "exempt" ? { allowed: true, tokens: budget.burst } : a
            ),
            () => local(client, budget, Date.now())
          ),
          (s) => answer(client, budget, s)
        )
      }
    }
  })
}) {}
