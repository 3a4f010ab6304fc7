/**
 * One token bucket step, defined twice on purpose: in TypeScript for the in-process buckets, and in Lua for the
 * buckets shared through Redis (run atomically by Redis, so replicas and workers cannot both spend the last token).
 * test/token-bucket.test.ts runs the same steps through both and compares.
 */
export interface Budget {
  readonly perSecond: number
  readonly burst: number
}

export interface Bucket {
  tokens: number
  at: number
}

/**
 * - `take`: allowed when a whole token is left, which is then spent (a client's rate limit).
 * - `charge`: allowed when a whole token is left; one is spent either way, never below 0 (failed logins: every
 *   failure costs, and the wait stays bounded).
 * - `peek`: allowed when a whole token is left; nothing is spent (before a key is checked).
 */
export type Mode = "take" | "charge" | "peek"

export interface Step {
  readonly allowed: boolean
  /** Tokens left after the step (fractional: refill is continuous). */
  readonly tokens: number
}

/** Refills `bucket` up to `now`, then applies `mode`. Mutates `bucket`. */
export const step = (bucket: Bucket, budget: Budget, mode: Mode, now: number): Step => {
  bucket.tokens = Math.min(budget.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * budget.perSecond)
  bucket.at = now
  const allowed = bucket.tokens >= 1
  if (mode === "take" && allowed) bucket.tokens -= 1
  else if (mode === "charge") bucket.tokens = Math.max(0, bucket.tokens - 1)
  return { allowed, tokens: bucket.tokens }
}

/** Whole seconds until the next token, at least 1: the Retry-After of a refused request. */
export const secondsToNextToken = (tokens: number, budget: Budget): number =>
  Math.max(1, Math.ceil((1 - tokens) / budget.perSecond))

/** A bucket not seen for this long is full again, so it may be forgotten (Redis keys expire after it). */
export const idleMs = (budget: Budget): number => Math.ceil((budget.burst / budget.perSecond) * 1000) + 1000

/**
 * The same step in Lua. KEYS[1]: the bucket (a hash of t = tokens, at = ms); KEYS[2]: a key whose existence lets
 * the request through without touching the bucket (a known-good login pair), or any absent key. ARGV: burst,
 * perSecond, mode. The clock is Redis's own (TIME), so replicas whose clocks differ still agree. Tokens go back as a
 * string: Redis truncates Lua numbers to integers. A bucket expires once it would be full again, so idle clients
 * cost no memory. Returns {allowed (0/1), tokens}; {1, "exempt"} when KEYS[2] exists.
 */
export const luaStep = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {1, 'exempt'} end
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local mode = ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local allowed = tokens >= 1
if mode == 'take' then
  if allowed then tokens = tokens - 1 end
elseif mode == 'charge' then
  tokens = math.max(0, tokens - 1)
end
if mode ~= 'peek' then
  redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'at', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
end
return {allowed and 1 or 0, string.format('%.17g', tokens)}
`
