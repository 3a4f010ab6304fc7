import {
  type ApiBadRequest,
  type ApiInternalError,
  type ApiNotFound,
  internalError,
  invalidPayload,
  limitExceeded,
  projectNotFound,
  resourceNotFound
} from "@voucherify-webhooks/core/ApiErrors"
import * as Schema from "effect/Schema"

/**
 * Anything the sandbox itself refuses or fails at. `reason` lets the control API pick a status and lets
 * callers tell a missing project from a full one without parsing messages.
 */
export class SandboxError extends Schema.TaggedError<SandboxError>()("SandboxError", {
  reason: Schema.Literal(
    "project_not_found",
    "webhook_not_found",
    "invalid",
    "limit_exceeded",
    "startup",
    // startSandbox's waitForDeliveries gave up (never from the HTTP APIs).
    "timeout"
  ),
  message: Schema.String,
  /** The id of what was not found (a project or a webhook), so answers name it without parsing `message`. */
  resourceId: Schema.optional(Schema.String),
  /** For a startup failure, the system error behind it (EADDRINUSE when the port is taken). */
  code: Schema.optional(Schema.String)
}) {}

/** The wire errors a sandbox error becomes. */
export type SandboxApiError = ApiBadRequest | ApiNotFound | ApiInternalError

type NotFound = SandboxError & { readonly reason: "project_not_found" | "webhook_not_found" }
type Refused = SandboxError & { readonly reason: "invalid" | "limit_exceeded" }

/** True for the errors a management API call answers with 404. */
export const isNotFound = (e: SandboxError): e is NotFound =>
  e.reason === "project_not_found" || e.reason === "webhook_not_found"

/** True for the errors a management API call answers with 400. */
export const isRefused = (e: SandboxError): e is Refused => e.reason === "invalid" || e.reason === "limit_exceeded"

/** Voucherify's error object for a sandbox error, as both the management and the control API answer it. */
export function toApiError(e: NotFound, request_id?: string): ApiNotFound
export function toApiError(e: Refused, request_id?: string): ApiBadRequest
export function toApiError(e: SandboxError, request_id?: string): SandboxApiError
export function toApiError(e: SandboxError, request_id?: string): SandboxApiError {
  switch (e.reason) {
    case "project_not_found":
      return projectNotFound(e.message, request_id)
    case "webhook_not_found":
      return resourceNotFound(e.message, { id: e.resourceId, type: "webhook" }, request_id)
    case "invalid":
      return invalidPayload(e.message, request_id)
    case "limit_exceeded":
      return limitExceeded(e.message, request_id)
    case "startup":
    case "timeout":
      return internalError({ details: e.message, request_id })
  }
}

/**
 * The same for the control API, which is the sandbox's own: its 404 always names what is missing (`not_found`,
 * `resource_id`, `resource_type`), where the management API copies Voucherify's bare body for a missing project.
 */
export const toControlApiError = (e: SandboxError, request_id?: string): SandboxApiError =>
  isNotFound(e)
    ? resourceNotFound(
        e.message,
        { id: e.resourceId, type: e.reason === "project_not_found" ? "project" : "webhook" },
        request_id
      )
    : toApiError(e, request_id)
