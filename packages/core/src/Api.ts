import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import {
  ApiBadGateway,
  ApiBadRequest,
  ApiForbidden,
  ApiGatewayTimeout,
  ApiInternalError,
  ApiNotFound,
  ApiPaymentRequired,
  ApiTooManyRequests,
  ApiUnauthorized
} from "./ApiErrors.js"
import { ProjectId, WebhookId } from "./Ids.js"
import { type RouteName, routes } from "./Routes.js"
import { Webhook, WebhookCreateAnyEvent, WebhookList } from "./Webhook.js"

/** Who made the request, once ManagementAuth let it in (a value the middleware provides per request: a Context.Tag). */
export class ManagementClient extends Context.Tag("@voucherify-webhooks/core/ManagementClient")<
  ManagementClient,
  { readonly managementId: string }
>() {}

/**
 * `X-Management-Id` + `X-Management-Token`. HttpApiSecurity decodes one header per scheme and treats several
 * schemes as alternatives, so the middleware decodes the id and each server's implementation reads the token from
 * the request itself; the published OpenAPI declares both, required together ({@link WebhooksApi}). Besides 401
 * it may answer 429: a server may throttle failed logins, or rate-limit a client before its body is decoded.
 */
export class ManagementAuth extends HttpApiMiddleware.Tag<ManagementAuth>()("ManagementAuth", {
  failure: Schema.Union(ApiUnauthorized, ApiTooManyRequests),
  provides: ManagementClient,
  security: { managementId: HttpApiSecurity.apiKey({ in: "header", key: "X-Management-Id" }) }
}) {}

/** Voucherify's two API-key schemes, under the names its own OpenAPI gives them. */
export const managementSecuritySchemes = {
  "X-Management-Id": {
    type: "apiKey",
    in: "header",
    name: "X-Management-Id",
    description: "The management API key's id (Voucherify: Team Settings → Management API keys)."
  },
  "X-Management-Token": {
    type: "apiKey",
    in: "header",
    name: "X-Management-Token",
    description: "The management API key's secret, sent with X-Management-Id."
  }
} as const

/** One requirement naming both schemes: the two headers together (a list of two would mean either one). */
export const managementSecurity = [{ "X-Management-Id": [], "X-Management-Token": [] }]

type Spec = Record<string, unknown> & {
  components?: { securitySchemes?: Record<string, unknown> }
  paths?: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>
}

/**
 * Rewrites the generated OpenAPI so that every operation behind ManagementAuth requires both headers, as
 * Voucherify's spec does: Swagger UI's Authorize then asks for the id and the token and Try-it-out sends both.
 */
const requireBothHeaders = (input: Record<string, unknown>): Record<string, unknown> => {
  const spec = input as Spec
  const generated = new Set(Object.keys(ManagementAuth.security))
  const schemes = { ...spec.components?.securitySchemes }
  for (const name of generated) delete schemes[name]
  const paths: NonNullable<Spec["paths"]> = {}
  for (const [path, operations] of Object.entries(spec.paths ?? {})) {
    paths[path] = {}
    for (const [method, operation] of Object.entries(operations)) {
      const guarded = operation.security?.some((r) => Object.keys(r).some((name) => generated.has(name)))
      paths[path][method] = guarded ? { ...operation, security: managementSecurity } : operation
    }
  }
  return {
    ...spec,
    components: { ...spec.components, securitySchemes: { ...schemes, ...managementSecuritySchemes } },
    paths
  }
}

const ProjectPath = Schema.Struct({ projectId: ProjectId })
const WebhookPath = Schema.Struct({ projectId: ProjectId, webhookId: WebhookId })
// Methods and paths come from the route table, the one place every app reads them from.
const endpoint = <const Name extends RouteName>(name: Name) =>
  HttpApiEndpoint.make(routes[name].method)(name, routes[name].path)

/**
 * What a server accepts. Servers take any well-formed event name here and apply their own rule on unknown
 * names (the sandbox rejects them, the proxy follows its policy); `active` defaults to true on PUT too, as
 * Voucherify does — which is exactly why clients must always send it.
 */
export const WebhookBody = WebhookCreateAnyEvent

/** The five webhook operations at Voucherify's paths, statuses and body shapes. */
export class WebhooksGroup extends HttpApiGroup.make("webhooks")
  .add(
    endpoint("create")
      .setPath(ProjectPath)
      .setPayload(WebhookBody)
      .addSuccess(Webhook) // 200, as Voucherify answers (not 201)
      .addError(ApiBadRequest)
      .annotate(OpenApi.Summary, "Create Webhook")
  )
  .add(endpoint("list").setPath(ProjectPath).addSuccess(WebhookList).annotate(OpenApi.Summary, "List Webhooks"))
  .add(endpoint("get").setPath(WebhookPath).addSuccess(Webhook).annotate(OpenApi.Summary, "Get Webhook"))
  .add(
    endpoint("update")
      .setPath(WebhookPath)
      .setPayload(WebhookBody)
      .addSuccess(Webhook)
      .addError(ApiBadRequest)
      .annotate(OpenApi.Summary, "Update Webhook")
      .annotate(OpenApi.Description, "A full replace: send target_url, events and active.")
  )
  .add(
    endpoint("delete")
      .setPath(WebhookPath)
      .addSuccess(HttpApiSchema.NoContent) // 204, no body
      .annotate(OpenApi.Summary, "Delete Webhook")
  )
  .addError(ApiPaymentRequired)
  .addError(ApiForbidden)
  .addError(ApiNotFound)
  .addError(ApiTooManyRequests)
  .addError(ApiInternalError)
  .addError(ApiBadGateway)
  .addError(ApiGatewayTimeout)
  .middleware(ManagementAuth)
  .annotate(OpenApi.Title, "Webhooks") {}

/** The Voucherify Management API's webhook endpoints: implemented by the sandbox and the proxy alike. */
export class WebhooksApi extends HttpApi.make("voucherify-webhooks")
  .add(WebhooksGroup)
  .annotate(OpenApi.Title, "Voucherify Management API — webhooks")
  .annotate(OpenApi.Version, "v1")
  .annotate(OpenApi.Transform, requireBothHeaders) {}
