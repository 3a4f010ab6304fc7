import * as Schema from "effect/Schema"
import { errorObjectFields } from "./ApiErrors.js"

/** The answer's status and the fields of Voucherify's error object, kept when present so nothing the server said is lost. */
export const VoucherifyFields = {
  status: Schema.optional(Schema.Int),
  code: Schema.optional(Schema.Union(Schema.Int, Schema.String)),
  ...errorObjectFields
}

/** One problem with one field: `path` is dotted (`events.2`), empty for the whole value. */
export const FieldIssue = Schema.Struct({ path: Schema.String, message: Schema.String })
export type FieldIssue = typeof FieldIssue.Type

/** The request was refused: by our checks before sending (`source: "client"`) or by the server (400, 413). */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  message: Schema.String,
  source: Schema.Literal("client", "server"),
  issues: Schema.Array(FieldIssue),
  ...VoucherifyFields
}) {}

/**
 * The credentials did not get us in. `reason` tells the cases apart: none configured, wrong (401), a plan
 * without the Management API (402 missing_required_feature), or not allowed here, e.g. the wrong region (403).
 */
export class AuthError extends Schema.TaggedError<AuthError>()("AuthError", {
  message: Schema.String,
  reason: Schema.Literal("missing_credentials", "unauthorized", "missing_required_feature", "forbidden"),
  ...VoucherifyFields
}) {}

/** 404: `resource` says whether the project or the webhook is missing (`unknown` when the server did not say). */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", {
  message: Schema.String,
  resource: Schema.Literal("project", "webhook", "unknown"),
  ...VoucherifyFields
}) {}

/** 429: `retryAfterMs` is how long to wait, from `Retry-After` or `X-Rate-Limit-Retry`, when the server said. */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", {
  message: Schema.String,
  retryAfterMs: Schema.optional(Schema.Number),
  ...VoucherifyFields
}) {}

/** The exchange itself failed: no answer, too slow, a 5xx, a status we do not expect, or a body that does not decode. */
export class HttpError extends Schema.TaggedError<HttpError>()("HttpError", {
  message: Schema.String,
  reason: Schema.Literal("transport", "timeout", "server_error", "unexpected_status", "decode"),
  /** True when the request certainly never reached the server (connection refused, DNS failure). */
  notSent: Schema.optional(Schema.Boolean),
  /**
   * True when a create, update or delete failed after the request may have reached Voucherify (no answer, a cut
   * or undecodable answer, a timeout, a 5xx): the change **may have been applied** although no success came back.
   * Check (list or get) before repeating a create, or it may create a duplicate; `message` says how. Never true
   * together with `notSent`, never set on reads.
   */
  mayHaveBeenApplied: Schema.optional(Schema.Boolean),
  ...VoucherifyFields
}) {}

/** True when `error` says a create, update or delete may have been applied although it failed: check before repeating it. */
export const mayHaveBeenApplied = (error: { readonly _tag: string }): boolean =>
  error._tag === "HttpError" && (error as HttpError).mayHaveBeenApplied === true

/** Everything a webhook operation can fail with; tell them apart by `_tag`. */
export const WebhooksError = Schema.Union(ValidationError, AuthError, NotFoundError, RateLimitError, HttpError)
export type WebhooksError = typeof WebhooksError.Type
