import { randomBytes, timingSafeEqual } from "node:crypto"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { ManagementAuth } from "@voucherify-webhooks/core/Api"
import { tooManyRequests, unauthorized } from "@voucherify-webhooks/core/ApiErrors"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { digest, fingerprint } from "./Keys.js"
import { LiveConfig } from "./LiveConfig.js"
import * as LoginThrottle from "./LoginThrottle.js"
import { operationOf } from "./Metrics.js"
import type { Client } from "./ProxyConfig.js"
import { maxKeysPerClient, ProxySettings } from "./ProxyConfig.js"
import { RateLimiter } from "./RateLimit.js"
import { RateLimitedTrail } from "./RateLimitedTrail.js"
import * as RequestState from "./RequestState.js"
import { SharedState, SharedStateUnavailable } from "./SharedState.js"

export { hashKey, mintKey } from "./Keys.js"

// Compared against when the client id is unknown, and in place of the keys a client does not have, so a miss costs
// the same as a wrong key and the time taken says nothing about how many keys a client has.
const decoy = digest(randomBytes(32).toString("hex"))
const hashBytes = new WeakMap<Client, ReadonlyArray<Buffer>>()
const expectedOf = (client: Client | undefined): ReadonlyArray<Buffer> => {
  if (client === undefined) return []
  let bytes = hashBytes.get(client)
  if (bytes === undefined) {
    bytes = client.keyHashes.map((h) => Buffer.from(h.slice("sha256:".length), "hex"))
    hashBytes.set(client, bytes)
  }
  return bytes
}

/**
 * Which of the client's keys `key` is (its index in `keyHashes`), or -1. Every slot is compared, in constant time,
 * whichever matches: the time depends neither on the key's content nor on which key or how many keys there are.
 */
export const verifyKey = (client: Client | undefined, key: string): number => {
  const presented = digest(key)
  const expected = expectedOf(client)
  let found = -1
  for (let i = 0; i < maxKeysPerClient; i++) {
    const candidate = expected[i]
    const equal = timingSafeEqual(presented, candidate ?? decoy)
    found = equal && candidate !== undefined && found < 0 ? i : found
  }
  return found
}

// The project of a webhook path, as sent (for the audit of a refused request: nothing was decoded yet).
const projectOf = (url: string): string => {
  const m = /^\/management\/v1\/projects\/([^/?]+)\/webhooks/.exec(url)
  try {
    return m ? decodeURIComponent(m[1]!) : ""
  } catch {
    return m![1]!
  }
}

/**
 * Redis did not answer and `sharedState.onUnavailable` is "deny": the request ends as a defect that Server.ts
 * answers 503 (ManagementAuth's declared failures are Voucherify's own 401 and 429; this refusal is the proxy's).
 */
const deny = <A, E>(
  effect: Effect.Effect<A, E | SharedStateUnavailable>
): Effect.Effect<A, Exclude<E, SharedStateUnavailable>> =>
  Effect.catchIf(
    effect,
    (e): e is SharedStateUnavailable => e instanceof SharedStateUnavailable,
    (e) => Effect.die(e)
  ) as Effect.Effect<A, Exclude<E, SharedStateUnavailable>>

/**
 * Core's ManagementAuth, implemented with proxy-issued keys: X-Management-Id names the client, X-Management-Token
 * carries its key. Anything wrong is Voucherify's plain 401, never saying which half was wrong. Failed logins are
 * throttled (LoginThrottle: 429 + Retry-After, never locking out a client that has its key), and a client's own
 * rate limit is taken here, before its request body is decoded: a flood of invalid bodies costs it like any other.
 */
export const ManagementAuthLive = Layer.effect(
  ManagementAuth,
  Effect.gen(function* () {
    const settings = yield* ProxySettings
    const limiter = yield* RateLimiter
    const trail = yield* RateLimitedTrail
    const live = yield* LiveConfig
    const shared = yield* Effect.serviceOption(SharedState)
    const throttle = Option.isSome(shared)
      ? LoginThrottle.shared(settings.limits.failedLogins, shared.value)
      : LoginThrottle.local(settings.limits.failedLogins)
    const tooMany = (key: "proxy_login_throttled" | "proxy_rate_limited", details: string, retryAfterSeconds: number) =>
      Effect.gen(function* () {
        yield* RequestState.update((state) => {
          state.headers["retry-after"] = String(retryAfterSeconds)
          RequestState.decided(state, key)
        })
        return yield* Effect.fail(tooManyRequests(details, yield* FiberRef.get(currentRequestId), { key }))
      })
    return {
      managementId: (id) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const token = request.headers["x-management-token"] ?? ""
          const clientId = Redacted.value(id)
          const state = yield* FiberRef.get(RequestState.currentRequest)
          // The client's address as `trustProxy` allows (Server.ts): behind a proxy you trust, each client's own.
          const source = LoginThrottle.sourceKey(state.address)
          const now = Date.now()
          const before = yield* deny(throttle.before(clientId, source))
          if (before.refused) {
            return yield* tooMany(
              "proxy_login_throttled",
              `too many failed logins from this address; retry in ${before.retryAfterSeconds} s`,
              before.retryAfterSeconds
            )
          }
          const config = live.current()
          const client = config.clients.get(clientId)
          const keyIndex = verifyKey(client, token)
          if (keyIndex < 0) {
            const after = yield* deny(throttle.failed(clientId, source, client !== undefined))
            if (after.refused) {
              return yield* tooMany(
                "proxy_login_throttled",
                `too many failed logins for this client id; retry in ${after.retryAfterSeconds} s`,
                after.retryAfterSeconds
              )
            }
            // Voucherify's 401 in shape and wording, but with the proxy's own key and marker: a caller can tell the
            // proxy refused its client key from Voucherify refusing the proxy's credentials (a 502 here).
            RequestState.decided(state, "proxy_unauthorized")
            return yield* Effect.fail(unauthorized(yield* FiberRef.get(currentRequestId), "proxy_unauthorized"))
          }
          yield* throttle.succeeded(clientId, source)
          const key = fingerprint(client!.keyHashes[keyIndex]!)
          state.client = clientId
          state.key = key
          state.entry = client!
          state.config = config
          const taken = yield* Effect.either(deny(limiter.take(client!, config.settings.limits.rateLimit)))
          state.quota =
            taken._tag === "Right"
              ? taken.right
              : {
                  limit: taken.left.limit,
                  remaining: 0,
                  resetSeconds: taken.left.retryAfterSeconds,
                  windowSeconds: taken.left.windowSeconds
                }
          if (taken._tag === "Left") {
            const limited = taken.left
            const operation = operationOf(request.method, request.url)
            if (operation === "create" || operation === "update" || operation === "delete") {
              yield* trail
                .record({
                  time: new Date(now).toISOString(),
                  request_id: yield* FiberRef.get(currentRequestId),
                  client: clientId,
                  ...(state.address === undefined ? {} : { client_address: state.address }),
                  key,
                  operation,
                  project: projectOf(request.url),
                  phase: "denied",
                  status: 429,
                  outcome: "error"
                })
                .pipe(Effect.catchAll((e) => Effect.logError("audit record of a rate-limited request lost", e.message)))
            }
            return yield* tooMany(
              "proxy_rate_limited",
              `client ${clientId} exceeded its rate limit; retry in ${limited.retryAfterSeconds} s`,
              limited.retryAfterSeconds
            )
          }
          return { managementId: clientId }
        })
    }
  })
)
