import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import {
  type ApiBadRequest,
  type ApiNotFound,
  invalidPayload,
  paymentRequired
} from "@voucherify-webhooks/core/ApiErrors"
import { unknownEvents } from "@voucherify-webhooks/core/EventType"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import { describeIssues } from "@voucherify-webhooks/core/Validation"
import { Webhook } from "@voucherify-webhooks/core/Webhook"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { SandboxApi } from "./ControlApi.js"
import { Controls } from "./Controls.js"
import { isNotFound, isRefused, type SandboxError, toApiError } from "./Errors.js"
import { State, type WebhookInput, type WebhookRecord } from "./State.js"

const requestId = FiberRef.get(currentRequestId)

// State records are valid by construction. Skipping the constructor's validation matters: Webhook has a
// transformed field (created_at), so each validation rebuilt its parser — 12% of CPU under load (profiled).
export const toWebhook = (r: WebhookRecord) =>
  new Webhook(
    {
      id: r.id,
      object: "webhook",
      created_at: r.created_at,
      target_url: r.target_url,
      events: r.events,
      active: r.active
    },
    { disableValidation: true }
  )

/** A missing project or webhook → Voucherify's 404 (its two documented bodies); anything else is a bug here. */
const notFound = (e: SandboxError) =>
  isNotFound(e) ? Effect.flatMap(requestId, (id) => Effect.fail(toApiError(e, id))) : Effect.die(e)

/** 404 as above, or a refused write (invalid, over a limit) → 400. */
const badRequestOrNotFound = (e: SandboxError): Effect.Effect<never, ApiBadRequest | ApiNotFound> =>
  isRefused(e) ? Effect.flatMap(requestId, (id) => Effect.fail(toApiError(e, id))) : notFound(e)

// Core's API takes any well-formed event name (in a list already bounded in length); the real API enforces an
// enum, so the sandbox does too, with core's hints for the first few unknown names.
const knownEvents = (input: WebhookInput) => {
  const unknown = unknownEvents(input.events)
  return unknown.length === 0
    ? Effect.succeed(input)
    : Effect.flatMap(requestId, (request_id) =>
        Effect.fail(
          invalidPayload(
            describeIssues(unknown.map((u) => ({ path: `events.${u.index}`, message: u.message }))),
            request_id
          )
        )
      )
}

/** Core's webhook endpoints over the sandbox's in-memory state. */
export const WebhooksLive = HttpApiBuilder.group(SandboxApi, "webhooks", (handlers) =>
  Effect.gen(function* () {
    const state = yield* State
    const controls = yield* Controls

    // After authentication (401 first), like the real API: a valid key on the wrong plan gets 402.
    const plan = Effect.flatMap(controls.plan, (p) =>
      p.managementApi
        ? Effect.void
        : Effect.flatMap(requestId, (request_id) => Effect.fail(paymentRequired(request_id)))
    )

    return handlers
      .handle("create", ({ path, payload }) =>
        plan.pipe(
          // A missing project is a 404 even when the body is also wrong, as for update.
          Effect.zipRight(Effect.catchAll(state.secret(path.projectId), notFound)),
          Effect.zipRight(knownEvents(payload)),
          Effect.flatMap((input) => Effect.catchAll(state.create(path.projectId, input), badRequestOrNotFound)),
          Effect.map(toWebhook)
        )
      )
      .handle("list", ({ path }) =>
        plan.pipe(
          Effect.zipRight(Effect.catchAll(state.list(path.projectId), notFound)),
          Effect.map((records) => ({
            object: "list" as const,
            data_ref: "data" as const,
            data: records.map(toWebhook),
            total: records.length
          }))
        )
      )
      .handle("get", ({ path }) =>
        plan.pipe(
          Effect.zipRight(Effect.catchAll(state.get(path.projectId, path.webhookId), notFound)),
          Effect.map(toWebhook)
        )
      )
      .handle("update", ({ path, payload }) =>
        plan.pipe(
          // A missing project or webhook is a 404 even when the body is also wrong: look it up first.
          Effect.zipRight(Effect.catchAll(state.get(path.projectId, path.webhookId), notFound)),
          Effect.zipRight(knownEvents(payload)),
          Effect.flatMap((input) =>
            Effect.catchAll(state.update(path.projectId, path.webhookId, input), badRequestOrNotFound)
          ),
          Effect.map(toWebhook)
        )
      )
      .handle("delete", ({ path }) =>
        plan.pipe(Effect.zipRight(Effect.catchAll(state.remove(path.projectId, path.webhookId), notFound)))
      )
  })
)
