import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import { WebhooksApi } from "@voucherify-webhooks/core/Api"
import { ApiBadRequest, ApiInternalError, ApiNotFound, ApiUnauthorized } from "@voucherify-webhooks/core/ApiErrors"
import { DeliveryPayload } from "@voucherify-webhooks/core/Delivery"
import { Webhook, WebhookCreateAnyEvent } from "@voucherify-webhooks/core/Webhook"
import * as Schema from "effect/Schema"

/**
 * The sandbox's control API (`/sandbox/…`), once: every body in and out, the endpoints, their errors and their
 * authentication. The server (ControlHandlers.ts) and the typed client (ControlClient.ts) are built from it, and
 * the in-process service checks its arguments with the same schemas (Controls.ts).
 */

// Bodies are checked strictly: a misspelt field is refused by name rather than silently ignored.
const strict = { parseOptions: { onExcessProperty: "error", errors: "all" } } as const

const share = Schema.Number.pipe(Schema.between(0, 1))

/** `limit` requests per `windowMs`; a limit of 0 turns limiting off. */
export const RateLimitSettings = Schema.Struct({
  limit: Schema.Int.pipe(Schema.nonNegative()),
  windowMs: Schema.Int.pipe(Schema.between(1, 86_400_000))
}).annotations(strict)
export type RateLimitSettings = typeof RateLimitSettings.Type

export const PlanSettings = Schema.Struct({
  /** False answers every management API call with 402 missing_required_feature, as on a non-Enterprise plan. */
  managementApi: Schema.Boolean
}).annotations(strict)
export type PlanSettings = typeof PlanSettings.Type

/** Shares are between 0 and 1; each request rolls once per kind of fault. */
const faultFields = {
  /** Added before every management API answer. */
  latencyMs: Schema.Number.pipe(Schema.between(0, 60_000)),
  /** Share of requests answered 500. */
  errorRate: share,
  /** Share of requests whose connection is destroyed without an answer. */
  dropRate: share,
  /** Share of 200 answers whose body is cut short (not JSON). */
  malformedRate: share
}
export const FaultSettings = Schema.Struct(faultFields)
export type FaultSettings = typeof FaultSettings.Type
/** Any of the faults: merged into the current ones. */
export const FaultsPatch = Schema.partialWith(Schema.Struct(faultFields), { exact: true }).annotations(strict)
export type FaultsPatch = typeof FaultsPatch.Type

export const ControlSettings = Schema.Struct({
  rateLimit: RateLimitSettings,
  plan: PlanSettings,
  faults: FaultSettings
})
export type ControlSettings = typeof ControlSettings.Type

export const ProjectInfo = Schema.Struct({ id: Schema.String, created_at: Schema.String, webhooks: Schema.Int })
export type ProjectInfo = typeof ProjectInfo.Type

export const NewProject = Schema.Struct({ id: Schema.String }).annotations(strict)

export const ProjectSecret = Schema.Struct({ project_id: Schema.String, secret: Schema.String })

export const Stats = Schema.Struct({
  /** Management API requests seen since start or reset, 429s and faults included: lets tests count retries. */
  requests: Schema.Int,
  /** Delivery records kept. */
  deliveries: Schema.Int
})

export const NewEvent = Schema.Struct({
  projectId: Schema.String,
  type: Schema.String,
  data: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}).annotations(strict)

export const RaisedEvent = Schema.Struct({
  event: Schema.Struct({
    id: Schema.String,
    type: Schema.String,
    project_id: Schema.String,
    created_at: Schema.String,
    group_id: Schema.String
  }),
  /** One delivery per active webhook of the project subscribed to the type. */
  deliveries: Schema.Array(Schema.Struct({ id: Schema.String, webhook_id: Schema.String, target_url: Schema.String }))
})
export type RaisedEvent = typeof RaisedEvent.Type

export const DeliveryStatus = Schema.Literal("pending", "succeeded", "failed", "canceled")
export type DeliveryStatus = typeof DeliveryStatus.Type

export const DeliveryAttempt = Schema.Struct({
  attempt: Schema.Int,
  at: Schema.String,
  /** The receiver's HTTP status, when it answered. */
  status: Schema.optional(Schema.Int),
  /** Why the attempt failed: a non-2xx status, a timeout or a transport error. */
  error: Schema.optional(Schema.String),
  duration_ms: Schema.Number
})
export type DeliveryAttempt = typeof DeliveryAttempt.Type

export const DeliveryRecord = Schema.Struct({
  id: Schema.String,
  project_id: Schema.String,
  webhook_id: Schema.String,
  target_url: Schema.String,
  type: Schema.String,
  event_id: Schema.String,
  created_at: Schema.String,
  status: DeliveryStatus,
  attempts: Schema.Array(DeliveryAttempt),
  /** When the next retry is due, while pending. */
  next_attempt_at: Schema.optional(Schema.String),
  /** Set when the last failure switched the webhook to active:false. */
  webhook_deactivated: Schema.optional(Schema.Boolean),
  payload: DeliveryPayload
})
export type DeliveryRecord = typeof DeliveryRecord.Type

/** `?projectId=` and `?id=` (repeatable): only those deliveries, e.g. to wait for the ones of one raised event. */
export const DeliveriesQuery = Schema.Struct({
  projectId: Schema.optional(Schema.String),
  id: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)))
})

/** Voucherify's list shape, which the control API uses too. */
const ListOf = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({
    object: Schema.Literal("list"),
    data_ref: Schema.Literal("data"),
    data: Schema.Array(item),
    total: Schema.Int
  })

/**
 * The control API's own authentication: the same management headers as the API itself, checked together, but
 * not core's ManagementAuth (which also rate-limits and names a client): the control API is exempt from both.
 */
export class ControlAuth extends HttpApiMiddleware.Tag<ControlAuth>()("@voucherify-webhooks/sandbox/ControlAuth", {
  failure: ApiUnauthorized,
  security: { managementId: HttpApiSecurity.apiKey({ in: "header", key: "X-Management-Id" }) }
}) {}

const projectPath = Schema.Struct({ projectId: Schema.String })

/**
 * A webhook put in place under a chosen id (contract tests' provider states name theirs): the create body's fields
 * and rules, plus the id (core's webhook id rule, checked by the state).
 */
export const SeedWebhook = Schema.Struct({ id: Schema.String, ...WebhookCreateAnyEvent.fields }).annotations(strict)
export type SeedWebhook = typeof SeedWebhook.Type

export class ControlGroup extends HttpApiGroup.make("control")
  .add(HttpApiEndpoint.get("projects", "/sandbox/projects").addSuccess(ListOf(ProjectInfo)))
  .add(HttpApiEndpoint.post("addProject", "/sandbox/projects").setPayload(NewProject).addSuccess(ProjectInfo))
  .add(
    HttpApiEndpoint.get("projectSecret", "/sandbox/projects/:projectId/secret")
      .setPath(projectPath)
      .addSuccess(ProjectSecret)
  )
  .add(
    HttpApiEndpoint.post("seedWebhook", "/sandbox/projects/:projectId/webhooks")
      .setPath(projectPath)
      .setPayload(SeedWebhook)
      .addSuccess(Webhook)
  )
  .add(HttpApiEndpoint.get("settings", "/sandbox/settings").addSuccess(ControlSettings))
  .add(HttpApiEndpoint.get("stats", "/sandbox/stats").addSuccess(Stats))
  .add(
    HttpApiEndpoint.put("setRateLimit", "/sandbox/rate-limit")
      .setPayload(RateLimitSettings)
      .addSuccess(RateLimitSettings)
  )
  .add(HttpApiEndpoint.put("setPlan", "/sandbox/plan").setPayload(PlanSettings).addSuccess(PlanSettings))
  .add(HttpApiEndpoint.put("setFaults", "/sandbox/faults").setPayload(FaultsPatch).addSuccess(FaultSettings))
  .add(HttpApiEndpoint.post("raiseEvent", "/sandbox/events").setPayload(NewEvent).addSuccess(RaisedEvent))
  .add(
    HttpApiEndpoint.get("deliveries", "/sandbox/deliveries")
      .setUrlParams(DeliveriesQuery)
      .addSuccess(ListOf(DeliveryRecord))
  )
  .add(HttpApiEndpoint.post("reset", "/sandbox/reset").addSuccess(HttpApiSchema.NoContent))
  .addError(ApiBadRequest)
  .addError(ApiNotFound)
  .addError(ApiInternalError)
  .middleware(ControlAuth) {}

/** What the sandbox serves: core's management API plus its control API. */
export class SandboxApi extends HttpApi.make("voucherify-sandbox").addHttpApi(WebhooksApi).add(ControlGroup) {}
