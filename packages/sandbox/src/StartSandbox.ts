import type { DataMismatch, Delivery, DeliveryOf, DeliveryType } from "@voucherify-webhooks/core/TypedDelivery"
import { decodeDelivery } from "@voucherify-webhooks/core/TypedDelivery"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type {
  ControlSettings,
  DeliveryRecord,
  DeliveryStatus,
  FaultSettings,
  PlanSettings,
  ProjectInfo,
  RaisedEvent,
  RateLimitSettings
} from "./ControlApi.js"
import { SandboxError } from "./Errors.js"
import { defaultProject } from "./Options.js"
import { layer, Sandbox } from "./Sandbox.js"
import { acquire, runPromise as run } from "./Scoped.js"
import type { WebhookInput, WebhookRecord } from "./State.js"
import { waitForEffect } from "./testing/WaitFor.js"

export type {
  ControlSettings,
  DeliveryAttempt,
  DeliveryStatus,
  FaultSettings,
  PlanSettings,
  ProjectInfo,
  RaisedEvent,
  RateLimitSettings
} from "./ControlApi.js"
export { SandboxError } from "./Errors.js"
export type { WebhookInput, WebhookRecord } from "./State.js"

/**
 * What `startSandbox` takes. Everything is optional: by default it listens on 127.0.0.1 on a free port, with
 * the demo credentials (not the environment's: a test suite should not pick up a developer's real token).
 */
export interface StartOptions {
  /** Default 0: a free port, read it from `url`/`port`. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Projects that exist from the start besides `proj_sandbox`. */
  readonly projects?: ReadonlyArray<string>
  /** Default: the demo pair (`sandbox-management-id` / `sandbox-management-token`). */
  readonly credentials?: { readonly managementId: string; readonly managementToken: string }
  /** Multiplies Voucherify's retry schedule (1 min … 24 h). Default 1/600: one minute becomes 100 ms. */
  readonly deliveryTimeScale?: number
  /** How long a receiver may take to answer a delivery. Default 10 000 ms, as Voucherify. */
  readonly deliveryTimeoutMs?: number
}

/** Which deliveries to read; every field narrows. */
export interface DeliveryFilter<K extends DeliveryType = DeliveryType> {
  readonly projectId?: string
  /** An event name: the payloads are then typed by that event. */
  readonly type?: K
  readonly status?: DeliveryStatus
}

/** A delivery the sandbox sent (or is still retrying), its payload typed by its event. */
export interface SandboxDelivery<D extends Delivery = Delivery> extends Omit<DeliveryRecord, "payload"> {
  /** What was sent (the JSON of the signed bytes), `data` typed by the event (core's `decodeDelivery`). */
  readonly payload: D
  /** Documented fields whose value had another type than documented: left out of `payload.data`. */
  readonly mismatches: ReadonlyArray<DataMismatch>
}

/** A sandbox running in this process: plain promises, for test suites that do not use Effect. */
export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash: the client's VOUCHERIFY_API_URL. */
  readonly url: string
  readonly port: number
  readonly credentials: { readonly managementId: string; readonly managementToken: string }
  /** VOUCHERIFY_API_URL, VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN for a client (or a child process). */
  readonly env: {
    readonly VOUCHERIFY_API_URL: string
    readonly VOUCHERIFY_MANAGEMENT_ID: string
    readonly VOUCHERIFY_MANAGEMENT_TOKEN: string
  }
  /** The secret the project's deliveries are signed with (x-voucherify-signature). Default project: proj_sandbox. */
  readonly projectSecret: (projectId?: string) => Promise<string>
  /** Sends the event to every active webhook of the project subscribed to it; `data` defaults to a realistic one. */
  readonly raiseEvent: (
    type: string,
    options?: { readonly projectId?: string; readonly data?: Record<string, unknown> }
  ) => Promise<RaisedEvent>
  /** The deliveries kept (at most 10 000), oldest first. */
  readonly deliveries: <K extends DeliveryType = DeliveryType>(
    filter?: DeliveryFilter<K>
  ) => Promise<ReadonlyArray<SandboxDelivery<DeliveryOf<K>>>>
  /**
   * Waits until at least `count` (default 1) deliveries matching the filter have had an attempt (the receiver
   * answered, failed or timed out), then returns every matching delivery. Rejects after `timeoutMs` (default
   * 5000), saying what it saw.
   */
  readonly waitForDeliveries: <K extends DeliveryType = DeliveryType>(
    filter?: DeliveryFilter<K> & { readonly count?: number; readonly timeoutMs?: number }
  ) => Promise<ReadonlyArray<SandboxDelivery<DeliveryOf<K>>>>
  /** Puts a webhook in place under a chosen id. */
  readonly seedWebhook: (projectId: string, webhook: WebhookInput & { readonly id: string }) => Promise<WebhookRecord>
  /** Idempotent. */
  readonly addProject: (projectId: string) => Promise<void>
  readonly projects: () => Promise<ReadonlyArray<ProjectInfo>>
  readonly setRateLimit: (settings: RateLimitSettings) => Promise<void>
  readonly setPlan: (plan: PlanSettings) => Promise<void>
  /** Merged into the current faults. */
  readonly setFaults: (faults: Partial<FaultSettings>) => Promise<void>
  readonly settings: () => Promise<ControlSettings>
  /** Management API requests seen since start or reset. */
  readonly requests: () => Promise<number>
  /** Back to the start: initial projects, no webhooks, no deliveries (in-flight ones stop), default settings. */
  readonly reset: () => Promise<void>
  /** Stops the server and every delivery. Idempotent. */
  readonly close: () => Promise<void>
  /** `await using sandbox = await startSandbox()` closes it at the end of the block. */
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

const typed = (record: DeliveryRecord): SandboxDelivery => {
  const { delivery, mismatches } = decodeDelivery(record.payload)
  return { ...record, payload: delivery, mismatches }
}

const matches = (record: DeliveryRecord, filter: DeliveryFilter) =>
  (filter.type === undefined || record.type === filter.type) &&
  (filter.status === undefined || record.status === filter.status)

/**
 * Starts a sandbox in this process and resolves when it listens.
 *
 * ```ts
 * const sandbox = await startSandbox()
 * process.env = { ...process.env, ...sandbox.env } // point your client at it
 * // … create a webhook to your receiver, then:
 * await sandbox.raiseEvent("redemption.succeeded")
 * const [delivery] = await sandbox.waitForDeliveries({ type: "redemption.succeeded" })
 * delivery.payload.data.redemption?.amount // typed by the event
 * await sandbox.close()
 * ```
 */
export const startSandbox = async (options: StartOptions = {}): Promise<RunningSandbox> => {
  const { credentials, ...rest } = options
  const started = await acquire(
    Layer.build(
      layer({
        ...rest,
        credentials: {
          managementId: credentials?.managementId ?? "sandbox-management-id",
          managementToken: Redacted.make(credentials?.managementToken ?? "sandbox-management-token")
        }
      })
    )
  )
  return runningSandbox(Context.get(started.value, Sandbox), started.close)
}

/** The promise API over a running sandbox service; `close` is what stops it (idempotent). */
export const runningSandbox = (sandbox: Sandbox, close: () => Promise<void>): RunningSandbox => {
  const managementToken = Redacted.value(sandbox.credentials.managementToken)

  const deliveries = async (filter: DeliveryFilter = {}) =>
    (await run(sandbox.deliveries(filter.projectId))).filter((r) => matches(r, filter)).map(typed)

  return {
    url: sandbox.url,
    port: sandbox.port,
    credentials: { managementId: sandbox.credentials.managementId, managementToken },
    env: {
      VOUCHERIFY_API_URL: sandbox.url,
      VOUCHERIFY_MANAGEMENT_ID: sandbox.credentials.managementId,
      VOUCHERIFY_MANAGEMENT_TOKEN: managementToken
    },
    projectSecret: async (projectId = defaultProject) => Redacted.value(await run(sandbox.projectSecret(projectId))),
    raiseEvent: (type, { projectId = defaultProject, data } = {}) => run(sandbox.raiseEvent(projectId, type, data)),
    deliveries: deliveries as RunningSandbox["deliveries"],
    waitForDeliveries: ((filter: DeliveryFilter & { count?: number; timeoutMs?: number } = {}) => {
      const { count = 1, timeoutMs = 5000 } = filter
      const attempted = (found: ReadonlyArray<SandboxDelivery>) => found.filter((d) => d.attempts.length > 0).length
      let last: ReadonlyArray<SandboxDelivery> = []
      const read = Effect.promise(() => deliveries(filter)).pipe(Effect.tap((found) => (last = found)))
      const what = [filter.type, filter.status, filter.projectId && `in ${filter.projectId}`].filter(Boolean)
      return run(
        waitForEffect("deliveries", read, { until: (found) => attempted(found) >= count, timeoutMs }).pipe(
          Effect.catchTag(
            "WaitTimeout",
            () =>
              new SandboxError({
                reason: "timeout",
                message: `waitForDeliveries: ${count} ${what.length > 0 ? `${what.join(" ")} ` : ""}deliveries with an attempt expected within ${timeoutMs} ms, saw ${last.length} (${attempted(last)} attempted); is a webhook of the project subscribed to the event, and active?`
              })
          )
        )
      )
    }) as RunningSandbox["waitForDeliveries"],
    seedWebhook: (projectId, webhook) => run(sandbox.seedWebhook(projectId, webhook)),
    addProject: (projectId) => run(sandbox.addProject(projectId)),
    projects: () => run(sandbox.projects),
    setRateLimit: (settings) => run(sandbox.setRateLimit(settings)),
    setPlan: (plan) => run(sandbox.setPlan(plan)),
    setFaults: (faults) => run(sandbox.setFaults(faults)),
    settings: () => run(sandbox.settings),
    requests: () => run(sandbox.requests),
    reset: () => run(sandbox.reset),
    close,
    [Symbol.asyncDispose]: close
  }
}
