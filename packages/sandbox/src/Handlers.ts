import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { WebhooksApi } from "@voucherify-webhooks/core/Api"
import { ApiBadRequest, ApiNotFound, ApiPaymentRequired } from "@voucherify-webhooks/core/ApiErrors"
import { unknownEvents } from "@voucherify-webhooks/core/EventType"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import { describeIssues } from "@voucherify-webhooks/core/Validation"
import { Webhook } from "@voucherify-webhooks/core/Webhook"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { Controls } from "./Controls.js"
import type { SandboxError } from "./Errors.js"
import { State, type WebhookInput, type WebhookRecord } from "./State.js"

const requestId = FiberRef.get(currentRequestId)

// State records are valid by construction. Skipping the constructor's validation matters: Webhook has a
// transformed field (created_at), so each validation rebuilt its parser — 12% of CPU under load (profiled).
const toWebhook = (r: WebhookRecord) =>
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

/** The two documented 404 bodies: a missing project has no key or resource fields, a missing webhook has both. */
const notFound = (e: SandboxError) =>
  Effect.flatMap(requestId, (request_id) => {
    switch (e.reason) {
      case "project_not_found":
        return Effect.fail(new ApiNotFound({ message: "Resource not found", details: e.message, request_id }))
      case "webhook_not_found": {
        const resource_id = e.message.replace(/^Cannot find webhook with id /, "")
        return Effect.fail(
          new ApiNotFound({
            key: "not_found",
            message: "Resource not found",
            details: e.message,
            request_id,
            resource_id,
            resource_type: "webhook"
          })
        )
      }
      default:
        return Effect.die(e)
    }
  })

const badRequestOrNotFound = (e: SandboxError): Effect.Effect<never, ApiBadRequest | ApiNotFound> =>
  e.reason === "project_not_found" || e.reason === "webhook_not_found"
    ? notFound(e)
    : Effect.flatMap(requestId, (request_id) =>
        Effect.fail(
          e.reason === "limit_exceeded"
            ? new ApiBadRequest({ key: "limit_exceeded", message: "Limit exceeded", details: e.message, request_id })
            : new ApiBadRequest({ key: "invalid_payload", message: "Invalid payload", details: e.message, request_id })
        )
      )

// Core's API takes any well-formed event name (in a list already bounded in length); the real API enforces an
// enum, so the sandbox does too, with core's hints for the first few unknown names.
const knownEvents = (input: WebhookInput) => {
  const unknown = unknownEvents(input.events)
  return unknown.length === 0
    ? Effect.succeed(input)
    : Effect.flatMap(requestId, (request_id) =>
        Effect.fail(
          new ApiBadRequest({
            key: "invalid_payload",
            message: "Invalid payload",
            details: describeIssues(unknown.map((u) => ({ path: `events.${u.index}`, message: u.message }))),
            request_id
          })
        )
      )
}

/** Core's webhook endpoints over the sandbox's in-memory state. */
export const WebhooksLive = HttpApiBuilder.group(WebhooksApi, "webhooks", (handlers) =>
  Effect.gen(function* () {
    const state = yield* State
    const controls = yield* Controls

    // After authentication (401 first), like the real API: a valid key on the wrong plan gets 402.
    const plan = Effect.flatMap(controls.plan, (p) =>
      p.managementApi
        ? Effect.void
        : Effect.flatMap(requestId, (request_id) =>
            Effect.fail(
              new ApiPaymentRequired({
                message: "Payment required",
                details: "Your current plan does not include a feature required to perform this operation.",
                key: "missing_required_feature",
                request_id
              })
            )
          )
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
