import * as http from "node:http"
import * as https from "node:https"
import { isKnownEventType, unknownEvent } from "@voucherify-webhooks/core/EventType"
import { deliveryEnvelope, eventId, fixtureData } from "@voucherify-webhooks/core/MakeDelivery"
import { newRequestId } from "@voucherify-webhooks/core/ServerErrors"
import { signatureHeader, signPayload } from "@voucherify-webhooks/core/Signature"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { DeliveryAttempt, DeliveryRecord, RaisedEvent } from "./ControlApi.js"
import { SandboxError } from "./Errors.js"
import { SandboxSettings } from "./Options.js"
import { State } from "./State.js"

/** Voucherify's retry schedule after a failed delivery, in minutes: 12 retries, then the webhook is switched off. */
export const retryScheduleMinutes: ReadonlyArray<number> = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440]

/** Delivery records kept (oldest dropped first) and deliveries in flight at once. */
export const deliveryLimits = { records: 10_000, pending: 10_000, dataBytes: 32 * 1024 } as const

export interface DeliveriesShape {
  readonly raise: (
    projectId: string,
    type: string,
    data?: Record<string, unknown>
  ) => Effect.Effect<RaisedEvent, SandboxError>
  /** Newest last; a snapshot, safe to keep. */
  readonly list: (projectId?: string) => Effect.Effect<ReadonlyArray<DeliveryRecord>>
  /** Stops every delivery in flight and forgets the records. */
  readonly reset: Effect.Effect<void>
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type Entry = Mutable<Omit<DeliveryRecord, "attempts">> & { attempts: Array<DeliveryAttempt> }

const snapshot = (e: Entry): DeliveryRecord => ({ ...e, attempts: [...e.attempts] })

const invalid = (message: string) => new SandboxError({ reason: "invalid", message })

export interface DeliveryOptions {
  readonly timeScale: number
  readonly timeoutMs: number
}

type AttemptFailure = { readonly status?: number; readonly error: string }

/**
 * POSTs one signed body; succeeds with the status of a 2xx answer, fails with why not. node:http rather than
 * fetch: fetch refuses "bad ports" (6000, 6665–6669, …) that a local receiver may well use.
 */
const post = (url: string, body: string, signature: string, timeoutMs: number) =>
  Effect.async<number, AttemptFailure>((resume, signal) => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return resume(Effect.fail({ error: `not a URL: ${url}` }))
    }
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      {
        method: "POST",
        signal,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          [signatureHeader]: signature,
          "user-agent": "voucherify-webhooks-sandbox"
        }
      },
      (response) => {
        const status = response.statusCode ?? 0
        // Drain the answer so the connection can be reused; its content does not matter.
        response.resume()
        response.on("end", () =>
          resume(
            status >= 200 && status < 300 ? Effect.succeed(status) : Effect.fail({ status, error: `HTTP ${status}` })
          )
        )
        response.on("error", (e) => resume(Effect.fail({ status, error: e.message })))
      }
    )
    request.on("error", (e: NodeJS.ErrnoException) => resume(Effect.fail({ error: e.code ?? e.message })))
    request.end(body)
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.millis(timeoutMs),
      onTimeout: (): AttemptFailure => ({ error: `timeout after ${timeoutMs} ms` })
    })
  )

/**
 * Sends event deliveries on fibers owned by the sandbox's scope, so closing the sandbox stops every retry.
 * Each delivery is tried once, then after each step of {@link retryScheduleMinutes} × timeScale.
 */
const makeDeliveries = (options: DeliveryOptions): Effect.Effect<DeliveriesShape, never, State | Scope.Scope> =>
  Effect.gen(function* () {
    const state = yield* State
    const fibers = yield* FiberSet.make<void, never>()
    // Insertion-ordered: the first key is the oldest, so the cap drops from the front in O(1).
    const records = new Map<string, Entry>()
    let pending = 0

    const keep = (entry: Entry) => {
      records.set(entry.id, entry)
      if (records.size > deliveryLimits.records) {
        const oldest = records.keys().next().value
        if (oldest !== undefined) records.delete(oldest)
      }
    }

    const deliver = (entry: Entry, body: string, secret: string) =>
      Effect.gen(function* () {
        const signature = signPayload(body, secret)
        for (let attempt = 1; ; attempt++) {
          if (attempt > 1) {
            // A webhook deleted or switched off meanwhile gets no more retries.
            const current = yield* Effect.option(state.get(entry.project_id, entry.webhook_id))
            if (current._tag === "None" || !current.value.active) {
              entry.status = "canceled"
              delete entry.next_attempt_at
              return
            }
          }
          const started = Date.now()
          const result = yield* Effect.either(post(entry.target_url, body, signature, options.timeoutMs))
          const at = new Date(started).toISOString()
          const duration_ms = Date.now() - started
          if (result._tag === "Right") {
            entry.attempts.push({ attempt, at, status: result.right, duration_ms })
            entry.status = "succeeded"
            delete entry.next_attempt_at
            return
          }
          const { status, error } = result.left
          entry.attempts.push({ attempt, at, ...(status === undefined ? {} : { status }), error, duration_ms })
          const retry = retryScheduleMinutes[attempt - 1]
          if (retry === undefined) {
            entry.status = "failed"
            delete entry.next_attempt_at
            entry.webhook_deactivated = true
            yield* state.deactivate(entry.project_id, entry.webhook_id)
            return
          }
          const delayMs = retry * 60_000 * options.timeScale
          entry.next_attempt_at = new Date(Date.now() + delayMs).toISOString()
          yield* Effect.sleep(Duration.millis(delayMs))
        }
      }).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            pending--
          })
        )
      )

    // Without data, an event carries core's realistic fixture of it (valid against Voucherify's published schema).
    const raise: DeliveriesShape["raise"] = (projectId, type, given) =>
      Effect.gen(function* () {
        if (!isKnownEventType(type)) {
          return yield* invalid(unknownEvent(type))
        }
        const data = given ?? fixtureData(type) ?? {}
        if (typeof data !== "object" || data === null || Array.isArray(data)) {
          return yield* invalid("data must be a JSON object")
        }
        const dataJson = JSON.stringify(data)
        if (Buffer.byteLength(dataJson) > deliveryLimits.dataBytes) {
          return yield* invalid(`data must be at most ${deliveryLimits.dataBytes} bytes of JSON`)
        }
        const secret = yield* state.secret(projectId)
        const webhooks = (yield* state.list(projectId)).filter((w) => w.active && w.events.includes(type))
        if (pending + webhooks.length > deliveryLimits.pending) {
          return yield* new SandboxError({
            reason: "limit_exceeded",
            message: `At most ${deliveryLimits.pending} deliveries may be in flight; wait, or POST /sandbox/reset`
          })
        }
        const created_at = new Date().toISOString()
        const event = { id: eventId(type), type, project_id: projectId, created_at, group_id: newRequestId() }
        // Caller-given data names its entity by `id`; a fixture's entity is found by core (redemption.id, …).
        const entityId = typeof data.id === "string" ? data.id : undefined
        const sent: Array<RaisedEvent["deliveries"][number]> = []
        for (const webhook of webhooks) {
          const payload = deliveryEnvelope(type, {
            data: JSON.parse(dataJson) as Record<string, unknown>,
            projectId,
            createdAt: created_at,
            webhook,
            event: {
              id: event.id,
              group_id: event.group_id,
              ...(entityId === undefined ? {} : { entity_id: entityId })
            }
          })
          const entry: Entry = {
            id: payload.id,
            project_id: projectId,
            webhook_id: webhook.id,
            target_url: webhook.target_url,
            type,
            event_id: event.id,
            created_at,
            status: "pending",
            attempts: [],
            payload
          }
          keep(entry)
          pending++
          // The body is serialised once: the signature covers exactly the bytes sent.
          yield* FiberSet.run(fibers, deliver(entry, JSON.stringify(payload), Redacted.value(secret)))
          sent.push({ id: entry.id, webhook_id: webhook.id, target_url: webhook.target_url })
        }
        return { event, deliveries: sent }
      })

    return {
      raise,
      list: (projectId) =>
        Effect.sync(() =>
          Array.from(records.values())
            .filter((e) => projectId === undefined || e.project_id === projectId)
            .map(snapshot)
        ),
      reset: Effect.gen(function* () {
        yield* FiberSet.clear(fibers)
        // Interrupting ran each fiber's finalizer, so `pending` is back to 0.
        records.clear()
      })
    } satisfies DeliveriesShape
  })

/** Signed deliveries of raised events, on fibers owned by the sandbox's scope (closing it stops every retry). */
export class Deliveries extends Effect.Service<Deliveries>()("@voucherify-webhooks/sandbox/Deliveries", {
  scoped: Effect.flatMap(SandboxSettings, (o) =>
    makeDeliveries({ timeScale: o.deliveryTimeScale, timeoutMs: o.deliveryTimeoutMs })
  ),
  dependencies: [State.Default]
}) {}
