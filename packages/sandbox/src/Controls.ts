import { describeIssues, fieldIssues } from "@voucherify-webhooks/core/Validation"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import {
  type ControlSettings,
  FaultSettings,
  type FaultsPatch,
  type PlanSettings,
  RateLimitSettings
} from "./ControlApi.js"
import { SandboxError } from "./Errors.js"
import { noFaults } from "./Faults.js"
import { defaultRateLimit, FixedWindow } from "./RateLimit.js"

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
  readonly setFaults: (faults: FaultsPatch) => Effect.Effect<FaultSettings, SandboxError>
  readonly reset: Effect.Effect<void>
}

// The same schemas the control API decodes its bodies with: one rule, whether a setting comes over HTTP or from
// the in-process service (tests, provider states).
const checked =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (value: A): Effect.Effect<A, SandboxError> =>
    Effect.mapError(
      Schema.validate(schema, { errors: "all" })(value),
      (e) => new SandboxError({ reason: "invalid", message: describeIssues(fieldIssues(e)) })
    )
const checkRateLimit = checked(RateLimitSettings)
const checkFaults = checked(FaultSettings)

const makeControls = Effect.sync((): ControlsShape => {
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
      Effect.map(checkRateLimit({ limit: s.limit, windowMs: s.windowMs }), (valid) => {
        limiter.configure(valid)
        return limiter.current
      }),
    setPlan: (p) =>
      Effect.sync(() => {
        plan = { managementApi: p.managementApi }
        return plan
      }),
    setFaults: (f) =>
      Effect.map(
        Effect.suspend(() => checkFaults({ ...faults, ...f })),
        (next) => {
          faults = next
          return faults
        }
      ),
    reset: Effect.sync(() => {
      plan = { managementApi: true }
      faults = noFaults
      requests = 0
      limiter.configure(defaultRateLimit)
    })
  }
})

/** The knobs the control API turns: rate limit, plan, faults. */
export class Controls extends Effect.Service<Controls>()("@voucherify-webhooks/sandbox/Controls", {
  effect: makeControls
}) {}
