import type { RateLimitSettings } from "./ControlApi.js"

/** Voucherify's Organization plan: 2,000 requests a minute. */
export const defaultRateLimit: RateLimitSettings = { limit: 2_000, windowMs: 60_000 }

/** What the headers report when limiting is off: a number, so header parsers keep working. */
export const unlimited = 2_147_483_647

export interface RateLimitDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** When the current window ends (epoch ms); the next request is allowed then. */
  readonly resetAt: number
}

/**
 * A fixed-window counter, like Voucherify's per-minute limits. O(1) memory: one window for the whole
 * sandbox (the real API counts per organisation and there is one here).
 */
export class FixedWindow {
  private windowStart = 0
  private count = 0
  constructor(private settings: RateLimitSettings = defaultRateLimit) {}

  get current(): RateLimitSettings {
    return this.settings
  }

  configure(settings: RateLimitSettings): void {
    this.settings = settings
    this.windowStart = 0
    this.count = 0
  }

  private roll(now: number): void {
    if (now - this.windowStart >= this.settings.windowMs) {
      this.windowStart = now
      this.count = 0
    }
  }

  /** Counts one request and says whether it may proceed. */
  take(now: number): RateLimitDecision {
    if (this.settings.limit === 0) return { allowed: true, limit: unlimited, remaining: unlimited, resetAt: now }
    this.roll(now)
    const allowed = this.count < this.settings.limit
    if (allowed) this.count++
    return {
      allowed,
      limit: this.settings.limit,
      remaining: this.settings.limit - this.count,
      resetAt: this.windowStart + this.settings.windowMs
    }
  }

  /** The state without counting a request (for responses outside the management API). */
  peek(now: number): RateLimitDecision {
    if (this.settings.limit === 0) return { allowed: true, limit: unlimited, remaining: unlimited, resetAt: now }
    this.roll(now)
    return {
      allowed: this.count < this.settings.limit,
      limit: this.settings.limit,
      remaining: this.settings.limit - this.count,
      resetAt: this.windowStart + this.settings.windowMs
    }
  }
}

/** `X-Rate-Limit-*` (and, once limited, `X-Rate-Limit-Retry` + `Retry-After`) for a decision. */
export const rateLimitHeaders = (d: RateLimitDecision, now: number): Record<string, string> => {
  const headers: Record<string, string> = {
    "x-rate-limit-limit": String(d.limit),
    "x-rate-limit-remaining": String(d.remaining)
  }
  if (!d.allowed) {
    headers["x-rate-limit-retry"] = String(Math.ceil(d.resetAt / 1000))
    headers["retry-after"] = String(Math.max(1, Math.ceil((d.resetAt - now) / 1000)))
  }
  return headers
}
