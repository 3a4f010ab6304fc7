import { isIPv6 } from "node:net"
import * as Effect from "effect/Effect"
import type { Answer, SharedState, SharedStateUnavailable } from "./SharedState.js"
import { type Budget, secondsToNextToken } from "./TokenBucket.js"

/**
 * Failed-login throttling, per source address and per claimed client id, that an attacker cannot turn against a
 * real client:
 * - Each failed login (no, wrong or unknown id or key) costs a token from its source address's bucket and, when the
 *   id is a configured one, from that id's bucket.
 * - An address whose bucket is empty gets 429 + Retry-After **before its key is even checked**, unless the same id
 *   logged in successfully from that address before: an attacker cannot throttle an address it does not send from
 *   (TCP), and a client that already works from an address keeps working there.
 * - An id whose bucket is empty still has every key checked: the right key is let in (no lockout by id, whoever
 *   floods it); a wrong one gets 429 + Retry-After instead of 401.
 * Keys are 256-bit random, so this is about noise and load, not guessing. Memory is bounded: at most
 * `maxTracked` addresses and known-good pairs, the oldest forgotten first. IPv6 addresses count per /64 (one host
 * usually has a whole /64).
 */
export type { Budget }

interface Bucket {
  tokens: number
  at: number
}

export const maxTracked = 10_000
/** How long a successful login keeps its (id, address) pair exempt from the address throttle. */
export const knownGoodMs = 24 * 3600 * 1000

/** What a throttle says about a request, before its key is checked. */
export type Verdict = { readonly refused: false } | { readonly refused: true; readonly retryAfterSeconds: number }

/** The address a throttle counts: an IPv4 address as is, an IPv6 one by its /64 (IPv4-mapped ones as IPv4). */
export const sourceKey = (address: string | undefined): string => {
  if (address === undefined || address === "") return "unknown"
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return mapped[1]!
  if (!isIPv6(address)) return address
  // Expand "::" so the first four groups are the /64.
  const [head, tail = ""] = address.split("::")
  const left = head === "" ? [] : head!.split(":")
  const right = tail === "" ? [] : tail.split(":")
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`
}

const refill = (bucket: Bucket, budget: Budget, now: number) => {
  bucket.tokens = Math.min(budget.burst, bucket.tokens + ((now - bucket.at) / 1000) * budget.perSecond)
  bucket.at = now
}

const waitFor = (bucket: Bucket, budget: Budget) => Math.max(1, Math.ceil((1 - bucket.tokens) / budget.perSecond))

// A map that forgets its oldest entries past `max` (Map keeps insertion order; a refreshed entry moves last).
const remember = <V>(map: Map<string, V>, key: string, value: V) => {
  map.delete(key)
  map.set(key, value)
  if (map.size > maxTracked) map.delete(map.keys().next().value!)
}

export const make = (options: { readonly perAddress: Budget; readonly perClient: Budget }) => {
  const addresses = new Map<string, Bucket>()
  const clients = new Map<string, Bucket>()
  const knownGood = new Map<string, number>()
  const pair = (id: string, source: string) => `${id}\u0000${source}`
  const bucket = (map: Map<string, Bucket>, key: string, budget: Budget, now: number) => {
    const b = map.get(key) ?? { tokens: budget.burst, at: now }
    refill(b, budget, now)
    return b
  }
  return {
    /** Before the key is checked: refuse an address out of budget, unless this id logged in from it before. */
    before: (id: string, source: string, now: number): Verdict => {
      const seen = knownGood.get(pair(id, source))
      if (seen !== undefined && now - seen < knownGoodMs) return { refused: false }
      const b = addresses.get(source)
      if (b === undefined) return { refused: false }
      refill(b, options.perAddress, now)
      return b.tokens >= 1 ? { refused: false } : { refused: true, retryAfterSeconds: waitFor(b, options.perAddress) }
    },
    /** The key was right: this (id, address) pair is exempt from the address throttle for a day. */
    succeeded: (id: string, source: string, now: number): void => remember(knownGood, pair(id, source), now),
    /** The key was wrong: charge the address and, for a configured id, the id; 429 when the id is out of budget. */
    failed: (id: string, source: string, configured: boolean, now: number): Verdict => {
      const a = bucket(addresses, source, options.perAddress, now)
      a.tokens = Math.max(0, a.tokens - 1)
      remember(addresses, source, a)
      if (!configured) return { refused: false }
      const c = bucket(clients, id, options.perClient, now)
      const refused = c.tokens < 1
      c.tokens = Math.max(0, c.tokens - 1)
      clients.set(id, c)
      return refused ? { refused: true, retryAfterSeconds: waitFor(c, options.perClient) } : { refused: false }
    },
    /** How many addresses and pairs are remembered (bounded by {@link maxTracked}). */
    size: () => ({ addresses: addresses.size, knownGood: knownGood.size, clients: clients.size })
  }
}

export type LoginThrottle = ReturnType<typeof make>

/** The throttle as the server uses it: each step an Effect, so it may ask Redis (see {@link shared}). */
export interface Throttle {
  readonly before: (id: string, source: string) => Effect.Effect<Verdict, SharedStateUnavailable>
  readonly succeeded: (id: string, source: string) => Effect.Effect<void>
  readonly failed: (id: string, source: string, configured: boolean) => Effect.Effect<Verdict, SharedStateUnavailable>
}

/** This process's throttle ({@link make}) on the wall clock. */
export const local = (options: { readonly perAddress: Budget; readonly perClient: Budget }): Throttle => {
  const throttle = make(options)
  return {
    before: (id, source) => Effect.sync(() => throttle.before(id, source, Date.now())),
    succeeded: (id, source) => Effect.sync(() => throttle.succeeded(id, source, Date.now())),
    failed: (id, source, configured) => Effect.sync(() => throttle.failed(id, source, configured, Date.now()))
  }
}

const refusedAfter = (answer: Answer, budget: Budget): Verdict =>
  answer === "exempt" || answer.allowed
    ? { refused: false }
    : { refused: true, retryAfterSeconds: secondsToNextToken(answer.tokens, budget) }

/**
 * The same rules with the buckets and known-good pairs in Redis, so every replica and worker counts the same
 * failures. Redis trouble falls back to this process's throttle (or refuses, per `sharedState.onUnavailable`); a
 * success is remembered locally too, so a fallback still knows who logged in from where.
 */
export const shared = (
  options: { readonly perAddress: Budget; readonly perClient: Budget },
  state: SharedState["Type"]
): Throttle => {
  const fallback = make(options)
  const address = (source: string) => `login:addr:${source}`
  const pair = (id: string, source: string) => `login:ok:${id}:${source}`
  return {
    before: (id, source) =>
      state.orLocal(
        Effect.map(state.bucket(address(source), options.perAddress, "peek", pair(id, source)), (a) =>
          refusedAfter(a, options.perAddress)
        ),
        () => fallback.before(id, source, Date.now())
      ),
    succeeded: (id, source) =>
      Effect.zipRight(
        Effect.sync(() => fallback.succeeded(id, source, Date.now())),
        // Best effort: without Redis the local record above still exempts the pair in this process.
        Effect.ignore(state.orLocal(state.mark(pair(id, source), knownGoodMs), () => undefined))
      ),
    failed: (id, source, configured) =>
      state.orLocal(
        Effect.map(
          Effect.all(
            [
              state.bucket(address(source), options.perAddress, "charge"),
              configured
                ? state.bucket(`login:id:${id}`, options.perClient, "charge")
                : Effect.succeed("exempt" as const)
            ],
            { concurrency: 2 }
          ),
          ([, client]) => refusedAfter(client, options.perClient)
        ),
        () => fallback.failed(id, source, configured, Date.now())
      )
  }
}
