import { withoutUserinfo } from "@voucherify-webhooks/core/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Redis } from "ioredis"
import type { SharedStateConfig } from "./ProxyConfig.js"
import { type Budget, luaStep, type Mode, type Step } from "./TokenBucket.js"

/**
 * Rate-limit state shared by replicas and workers through Redis. Why our own Lua script over ioredis rather than a
 * limiter library: the failed-login throttle needs three operations on one bucket (spend if possible, spend always
 * down to 0, look without spending) and an exemption key checked in the same atomic step; `rate-limiter-flexible`
 * counts points in fixed windows and `@effect/experimental`'s Redis RateLimiter only consumes — neither does the
 * other two, and both would still need the timeout and fallback below. ioredis's `defineCommand` gives EVALSHA with
 * the NOSCRIPT fallback (a Redis restart or SCRIPT FLUSH re-sends the script by itself).
 *
 * Redis trouble never takes the API down: every command is bounded by `timeoutMs`, nothing is queued while
 * disconnected (a command fails at once instead of waiting for a reconnect), and a failure falls back to the
 * caller's in-process state (`onUnavailable: "local"`) or refuses the request (`"deny"`). One WARN per
 * `warnIntervalMs` while it lasts, one INFO when Redis answers again; each fallback is counted for /metrics.
 */
export interface SharedStateOptions {
  readonly redisUrl: Redacted.Redacted<string>
  readonly onUnavailable: "local" | "deny"
  readonly timeoutMs: number
  readonly keyPrefix: string
  readonly warnIntervalMs?: number
}

/** Redis could not answer and `onUnavailable` is "deny": the request is refused (503). */
export class SharedStateUnavailable extends Schema.TaggedError<SharedStateUnavailable>()("SharedStateUnavailable", {
  reason: Schema.String
}) {}

/** What a shared bucket answered: a step, or "exempt" when the exemption key exists. */
export type Answer = Step | "exempt"

export interface SharedStatus {
  /** False while the last command failed (requests use local state or are refused). */
  readonly available: boolean
  /** Where, without credentials. */
  readonly url: string
  readonly onUnavailable: "local" | "deny"
  /** Why the last command failed, while unavailable. */
  readonly reason?: string
  /** Requests that could not use Redis, since start. */
  readonly fallbacks: number
}

/** What /readyz says about the shared state (it never fails readiness: see Server.ts). */
export const sharedStateDetail = (status: SharedStatus): string =>
  status.available
    ? `ok (${status.url})`
    : `degraded: ${status.url} does not answer (${status.reason ?? "unknown"}); ${
        status.onUnavailable === "local"
          ? "rate limits and failed-login throttles are per process until it does"
          : "requests are refused (503) until it does"
      }`

/** The shared state's lines of /metrics. */
export const sharedStateMetrics = (status: SharedStatus): string =>
  [
    "# HELP vwh_proxy_shared_state_up 1 while the shared state (Redis) answers, 0 while requests fall back.",
    "# TYPE vwh_proxy_shared_state_up gauge",
    `vwh_proxy_shared_state_up ${status.available ? 1 : 0}`,
    "# HELP vwh_proxy_shared_state_fallbacks_total Rate-limit or throttle steps that could not use Redis (local or denied).",
    "# TYPE vwh_proxy_shared_state_fallbacks_total counter",
    `vwh_proxy_shared_state_fallbacks_total{on_unavailable="${status.onUnavailable}"} ${status.fallbacks}`,
    ""
  ].join("\n")

class RedisTrouble extends Schema.TaggedError<RedisTrouble>()("RedisTrouble", { reason: Schema.String }) {}

interface BucketCommand {
  vwhBucket(bucket: string, exempt: string, burst: number, perSecond: number, mode: Mode): Promise<[number, string]>
}

/**
 * Buckets in Redis, shared by every replica and worker. A Context.Tag, not an Effect.Service: it is optional — present
 * only when `sharedState` is configured (`fromSettings`), and its users ask for it with `Effect.serviceOption`.
 */
export class SharedState extends Context.Tag("@voucherify-webhooks/proxy/SharedState")<
  SharedState,
  {
    /** `prefix` + `key`: every key this proxy writes is under the configured prefix. */
    readonly key: (key: string) => string
    /** One atomic bucket step in Redis; `exempt` is a key whose existence skips the bucket. */
    readonly bucket: (key: string, budget: Budget, mode: Mode, exempt?: string) => Effect.Effect<Answer, RedisTrouble>
    /** Sets `key` for `ttlMs` (a known-good login pair). */
    readonly mark: (key: string, ttlMs: number) => Effect.Effect<void, RedisTrouble>
    /**
     * Runs `remote`; on Redis trouble, `local()` (onUnavailable "local") or SharedStateUnavailable ("deny").
     * Counts, logs and recovers (see above).
     */
    readonly orLocal: <A, B>(
      remote: Effect.Effect<A, RedisTrouble>,
      local: () => B
    ) => Effect.Effect<A | B, SharedStateUnavailable>
    readonly status: () => SharedStatus
  }
>() {
  /**
   * The shared state a config asks for, or nothing: each process keeps its own, as without this module. Typed as
   * providing nothing, because it may not: its users look it up with `Effect.serviceOption`.
   */
  static readonly fromSettings = (config: SharedStateConfig | undefined): Layer.Layer<never> =>
    config?.redisUrl === undefined
      ? Layer.empty
      : SharedState.layer({
          redisUrl: config.redisUrl,
          onUnavailable: config.onUnavailable,
          timeoutMs: config.timeoutMs,
          keyPrefix: config.keyPrefix
        })

  /** Connects to Redis (waiting up to a second; never failing: the proxy starts degraded and recovers). */
  static readonly layer = (options: SharedStateOptions) =>
    Layer.scoped(
      SharedState,
      Effect.gen(function* () {
        const url = Redacted.value(options.redisUrl)
        const shown = withoutUserinfo(url)
        const warnIntervalMs = options.warnIntervalMs ?? 30_000
        const redis = new Redis(url, {
          // Fail, never wait: a command issued while disconnected is rejected at once (the default queues it until
          // the connection returns, so every request would hang).
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: options.timeoutMs,
          connectTimeout: Math.max(1000, options.timeoutMs),
          // Reconnect forever, backing off to 1 s: Redis coming back is noticed within a second.
          retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
          // Concurrent requests share one round trip.
          enableAutoPipelining: true,
          lazyConnect: true
        }) as Redis & BucketCommand
        redis.defineCommand("vwhBucket", { numberOfKeys: 2, lua: luaStep })
        // Connection errors are reported through failed commands; without a listener ioredis prints them.
        redis.on("error", () => {})
        yield* Effect.addFinalizer(() => Effect.sync(() => redis.disconnect()))
        const connected = yield* Effect.promise(() =>
          redis.connect().then(
            () => undefined,
            (e: unknown) => (e instanceof Error ? e.message : String(e))
          )
        ).pipe(Effect.timeoutTo({ duration: 1000, onSuccess: (r) => r, onTimeout: () => "no answer within 1 s" }))
        // The script is loaded before the first request: EVALSHA on a cold server answers NOSCRIPT and the command
        // is sent again with the script, two round trips and a compile that can miss the few-ms timeout — so each
        // fresh process (a worker, a restart) fell back to per-process limits on its first request. Best effort:
        // NOSCRIPT still re-sends it later (after a Redis restart or SCRIPT FLUSH).
        if (connected === undefined) {
          yield* Effect.promise(() =>
            redis.script("LOAD", luaStep).then(
              () => undefined,
              () => undefined
            )
          ).pipe(Effect.timeoutTo({ duration: 1000, onSuccess: () => undefined, onTimeout: () => undefined }))
        }

        let available = true
        let reason: string | undefined
        let fallbacks = 0
        let lastWarn = Number.NEGATIVE_INFINITY
        let since = 0
        let failedSince = 0
        const failed = (why: string) =>
          Effect.suspend(() => {
            fallbacks++
            failedSince++
            reason = why
            const now = Date.now()
            if (available) {
              available = false
              since = now
            }
            if (now - lastWarn < warnIntervalMs) return Effect.void
            lastWarn = now
            return Effect.logWarning(
              options.onUnavailable === "local"
                ? `shared state unavailable (${shown}): ${why}; rate limits and failed-login throttles are per process until it answers again`
                : `shared state unavailable (${shown}): ${why}; requests are refused (503) until it answers again (sharedState.onUnavailable: "deny")`
            ).pipe(Effect.annotateLogs({ redis: shown, fallbacks }))
          })
        const recovered = Effect.suspend(() => {
          if (available) return Effect.void
          available = true
          reason = undefined
          const seconds = Math.round((Date.now() - since) / 100) / 10
          const n = failedSince
          failedSince = 0
          lastWarn = Number.NEGATIVE_INFINITY
          return Effect.logInfo(
            `shared state available again (${shown}) after ${seconds} s; ${n} request${n === 1 ? "" : "s"} used ${options.onUnavailable === "local" ? "per-process state" : "no state (refused)"} meanwhile`
          )
        })
        if (connected !== undefined) yield* failed(`cannot connect: ${connected}`)

        const command = <A>(run: () => Promise<A>) =>
          Effect.tryPromise({
            try: run,
            catch: (e) => new RedisTrouble({ reason: e instanceof Error ? e.message : String(e) })
          })

        return {
          key: (key) => `${options.keyPrefix}${key}`,
          bucket: (key, budget, mode, exempt) =>
            Effect.map(
              command(() =>
                redis.vwhBucket(
                  `${options.keyPrefix}${key}`,
                  `${options.keyPrefix}${exempt ?? "none"}`,
                  budget.burst,
                  budget.perSecond,
                  mode
                )
              ),
              ([allowed, tokens]): Answer =>
                tokens === "exempt" ? "exempt" : { allowed: allowed === 1, tokens: Number(tokens) }
            ),
          mark: (key, ttlMs) =>
            Effect.asVoid(
              command(() => redis.set(`${options.keyPrefix}${key}`, "1", "PX", Math.max(1, Math.round(ttlMs))))
            ),
          orLocal: <A, B>(remote: Effect.Effect<A, RedisTrouble>, local: () => B) =>
            Effect.matchEffect(remote, {
              onSuccess: (a): Effect.Effect<A | B, SharedStateUnavailable> =>
                available ? Effect.succeed(a) : Effect.as(recovered, a),
              onFailure: (e) =>
                Effect.zipRight(
                  failed(e.reason),
                  options.onUnavailable === "local"
                    ? Effect.sync(local)
                    : Effect.fail(new SharedStateUnavailable({ reason: e.reason }))
                )
            }),
          status: () => ({
            available,
            url: shown,
            onUnavailable: options.onUnavailable,
            ...(reason === undefined ? {} : { reason }),
            fallbacks
          })
        }
      })
    )
}
