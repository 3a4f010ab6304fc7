import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { SandboxError } from "./Errors.js"
import { type FaultSettings, noFaults } from "./Faults.js"
import { defaultRateLimit, FixedWindow, type RateLimitSettings } from "./RateLimit.js"

export interface PlanSettings {
  /** False answers every management API call with 402 missing_required_feature, as on a non-Enterprise plan. */
  readonly managementApi: boolean
}

export interface ControlSettings {
  readonly rateLimit: RateLimitSettings
  readonly plan: PlanSettings
  readonly faults: FaultSettings
}

export interface ControlsShape {
  readonly settings: Effect.Effect<ControlSettings>
  readonly plan: Effect.Effect<PlanSettings>
  readonly faults: Effect.Effect<FaultSettings>
  readonly limiter: FixedWindow
  /** Management API requests seen since start or reset, 429s and faults included: lets tests count retries. */
  readonly requests: Effect.Effect<number>
  readonly countRequest: () => void
  readonly setRateLimit: (settings: RateLimitSettings) => Effect.Effect<RateLimitSettings, SandboxError>
  readonly setPlan: (plan: PlanSettings) => Effect.Effect<PlanSettings>
  readonly setFaults: (faults: Partial<FaultSettings>) => Effect.Effect<FaultSettings, SandboxError>
  readonly reset: Effect.Effect<void>
}

/** The knobs the control API turns: rate limit, plan, faults. */
export class Controls extends Context.Tag("@voucherify-webhooks/sandbox/Controls")<Controls, ControlsShape>() {}

const invalid = (message: string) => new SandboxError({ reason: "invalid", message })

const share = (name: string, v: number) =>
  Number.isFinite(v) && v >= 0 && v <= 1 ? undefined : `${name} must be a share between 0 and 1, got ${v}`

export const validateFaults = (f: FaultSettings): string | undefined =>
  (Number.isFinite(f.latencyMs) && f.latencyMs >= 0 && f.latencyMs <= 60_000
    ? undefined
    : `latencyMs must be between 0 and 60000, got ${f.latencyMs}`) ??
  share("errorRate", f.errorRate) ??
  share("dropRate", f.dropRate) ??
  share("malformedRate", f.malformedRate)

export const makeControls = Effect.sync((): ControlsShape => {
  let plan: PlanSettings = { managementApi: true }
  let faults: FaultSettings = noFaults
  const limiter = new FixedWindow(defaultRateLimit)
  let requests = 0
  return {
    settings: Effect.sync(() => ({ rateLimit: limiter.current, plan, faults })),
    plan: Effect.sync(() => plan),
    faults: Effect.sync(() => faults),
    limiter,
    requests: Effect.sync(() => requests),
    countRequest: () => {
      requests++
    },
    setRateLimit: (s) =>
      Effect.suspend(() => {
        if (!Number.isInteger(s.limit) || s.limit < 0)
          return Effect.fail(invalid(`limit must be an integer >= 0, got ${s.limit}`))
        if (!Number.isInteger(s.windowMs) || s.windowMs < 1 || s.windowMs > 86_400_000) {
          return Effect.fail(invalid(`windowMs must be an integer between 1 and 86400000, got ${s.windowMs}`))
        }
        limiter.configure({ limit: s.limit, windowMs: s.windowMs })
        return Effect.succeed(limiter.current)
      }),
    setPlan: (p) =>
      Effect.sync(() => {
        plan = { managementApi: p.managementApi }
        return plan
      }),
    setFaults: (f) =>
      Effect.suspend(() => {
        const next = { ...faults, ...f }
        const problem = validateFaults(next)
        if (problem) return Effect.fail(invalid(problem))
        faults = next
        return Effect.succeed(faults)
      }),
    reset: Effect.sync(() => {
      plan = { managementApi: true }
      faults = noFaults
      requests = 0
      limiter.configure(defaultRateLimit)
    })
  }
})
