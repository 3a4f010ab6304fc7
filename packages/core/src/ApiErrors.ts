import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * Voucherify's error object, the one definition: its fields, a class per status for servers (HttpApi encodes
 * them), builders for the bodies every server here sends (sandbox, proxy, core's middleware), and the reader
 * that turns either of Voucherify's body shapes back into fields (core's client, the CLI).
 * Voucherify's documentation: https://docs.voucherify.io/api-reference/errors
 */

/** The fields of the error object besides `code` and `message`, each optional: defined once, read and written. */
export const errorObjectFields = {
  key: Schema.optional(Schema.String),
  details: Schema.optional(Schema.String),
  request_id: Schema.optional(Schema.String),
  resource_id: Schema.optional(Schema.String),
  resource_type: Schema.optional(Schema.String)
}

/**
 * A server's error object, one class per status. `code` is a literal so each class is structurally distinct:
 * HttpApi encodes a union by shape, not by instanceof, and would otherwise give every error the first class's
 * status. No `_tag` reaches the wire.
 */
const { key, ...afterMessage } = errorObjectFields
const errorFields = <const C extends number>(code: C) => ({
  code: Schema.Literal(code).pipe(
    Schema.propertySignature,
    Schema.withConstructorDefault(() => code)
  ),
  // Voucherify's order on the wire: code, key, message, details, …
  key,
  message: Schema.String,
  ...afterMessage
})

export class ApiBadRequest extends Schema.Class<ApiBadRequest>("ApiBadRequest")(
  errorFields(400),
  HttpApiSchema.annotations({ status: 400, description: "Invalid payload" })
) {}
export class ApiUnauthorized extends Schema.Class<ApiUnauthorized>("ApiUnauthorized")(
  errorFields(401),
  HttpApiSchema.annotations({ status: 401, description: "Missing or wrong X-Management-Id / X-Management-Token" })
) {}
export class ApiPaymentRequired extends Schema.Class<ApiPaymentRequired>("ApiPaymentRequired")(
  errorFields(402),
  HttpApiSchema.annotations({ status: 402, description: "The plan does not include the Management API" })
) {}
export class ApiForbidden extends Schema.Class<ApiForbidden>("ApiForbidden")(
  errorFields(403),
  HttpApiSchema.annotations({ status: 403, description: "Not allowed (wrong region, or outside the client's scope)" })
) {}
export class ApiNotFound extends Schema.Class<ApiNotFound>("ApiNotFound")(
  errorFields(404),
  HttpApiSchema.annotations({ status: 404, description: "No such project or webhook" })
) {}
export class ApiTooManyRequests extends Schema.Class<ApiTooManyRequests>("ApiTooManyRequests")(
  errorFields(429),
  HttpApiSchema.annotations({ status: 429, description: "Rate limited; see Retry-After" })
) {}
export class ApiInternalError extends Schema.Class<ApiInternalError>("ApiInternalError")(
  errorFields(500),
  HttpApiSchema.annotations({ status: 500, description: "Internal error" })
) {}
export class ApiBadGateway extends Schema.Class<ApiBadGateway>("ApiBadGateway")(
  errorFields(502),
  HttpApiSchema.annotations({ status: 502, description: "The upstream failed" })
) {}
export class ApiServiceUnavailable extends Schema.Class<ApiServiceUnavailable>("ApiServiceUnavailable")(
  errorFields(503),
  HttpApiSchema.annotations({ status: 503, description: "Not serving now; see Retry-After" })
) {}
export class ApiGatewayTimeout extends Schema.Class<ApiGatewayTimeout>("ApiGatewayTimeout")(
  errorFields(504),
  HttpApiSchema.annotations({ status: 504, description: "The upstream did not answer in time" })
) {}

/** The errors `WebhooksApi` declares. (503 is answered only outside it, by middleware: see ServerErrors.errorResponse.) */
export type ApiError =
  | ApiBadRequest
  | ApiUnauthorized
  | ApiPaymentRequired
  | ApiForbidden
  | ApiNotFound
  | ApiTooManyRequests
  | ApiInternalError
  | ApiBadGateway
  | ApiGatewayTimeout

// The optional fields a builder is given: absent ones stay absent on the wire.
type Extra = { readonly request_id?: string | undefined; readonly details?: string | undefined }
const present = <A extends Record<string, unknown>>(a: A): A =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as A

/** 400 `invalid_payload` (or another 400 `key`, e.g. a proxy's own rule): `details` names each field and the fix. */
export const invalidPayload = (details: string, request_id?: string, key = "invalid_payload") =>
  new ApiBadRequest(present({ key, message: "Invalid payload", details, request_id }))

/** 400 `limit_exceeded`: a cap (projects, webhooks per project) reached. */
export const limitExceeded = (details: string, request_id?: string) =>
  new ApiBadRequest(present({ key: "limit_exceeded", message: "Limit exceeded", details, request_id }))

/** Voucherify's documented 401 body (a proxy refusing its own client key says so with another `key`). */
export const unauthorized = (request_id?: string, key = "unauthorized") =>
  new ApiUnauthorized(present({ key, message: "Unauthorized", request_id }))

/** 402 `missing_required_feature`: Voucherify's answer to a plan without the Management API. */
export const paymentRequired = (request_id?: string) =>
  new ApiPaymentRequired(
    present({
      key: "missing_required_feature",
      message: "Payment required",
      details: "Your current plan does not include a feature required to perform this operation.",
      request_id
    })
  )

/** 403 `forbidden`. */
export const forbidden = (details: string, request_id?: string, key = "forbidden") =>
  new ApiForbidden(present({ key, message: "Forbidden", details, request_id }))

/**
 * The two documented 404 bodies: a missing project has no key and no resource fields; a missing webhook (or any
 * other resource, `type`) has `not_found` and names it in `resource_id` and `resource_type`.
 */
export const projectNotFound = (details: string, request_id?: string) =>
  new ApiNotFound(present({ message: "Resource not found", details, request_id }))
export const resourceNotFound = (
  details: string,
  resource: { readonly id?: string | undefined; readonly type?: string | undefined },
  request_id?: string
) =>
  new ApiNotFound(
    present({
      key: "not_found",
      message: "Resource not found",
      details,
      request_id,
      resource_id: resource.id,
      resource_type: resource.type
    })
  )

/** 429 `too_many_requests` unless told another key; the caller sets `Retry-After`. */
export const tooManyRequests = (
  details: string,
  request_id?: string,
  {
    key = "too_many_requests",
    message = "Too many requests"
  }: { readonly key?: string; readonly message?: string } = {}
) => new ApiTooManyRequests(present({ key, message, details, request_id }))

/** 500: a bug or a dependency that failed, never the client's fault; `key` says which (`internal_error` unless told). */
export const internalError = (extra: Extra & { readonly key?: string; readonly message?: string } = {}) =>
  new ApiInternalError(present({ key: "internal_error", message: "Internal error", ...extra }))

/** 502 and 504: the upstream failed, or did not answer in time. */
export const badGateway = (key: string, details: string, request_id?: string) =>
  new ApiBadGateway(present({ key, message: "Bad gateway", details, request_id }))
/** 503: the server refuses for now (a dependency it needs is down); the caller sets `Retry-After`. */
export const serviceUnavailable = (key: string, details: string, request_id?: string) =>
  new ApiServiceUnavailable(present({ key, message: "Service unavailable", details, request_id }))
export const gatewayTimeout = (key: string, details: string, request_id?: string) =>
  new ApiGatewayTimeout(present({ key, message: "Gateway timeout", details, request_id }))

/** The framework-style body Voucherify uses for malformed JSON, oversized bodies and unknown routes. */
export const boomBody = (statusCode: number, error: string, message: string) => ({ statusCode, error, message })

// Reading: what a client receives may be either shape, with `code` a number or a string.

/** Voucherify's error object as a client reads it: every field optional but `code`. */
export const VoucherifyErrorBody = Schema.Struct({
  code: Schema.Union(Schema.Int, Schema.String),
  message: Schema.optional(Schema.String),
  ...errorObjectFields
})
export type VoucherifyErrorBody = typeof VoucherifyErrorBody.Type

/** The framework-style body Voucherify sends for malformed JSON and oversized payloads. */
export const BoomErrorBody = Schema.Struct({
  statusCode: Schema.Int,
  error: Schema.String,
  message: Schema.optional(Schema.String)
})
export type BoomErrorBody = typeof BoomErrorBody.Type

/** What a client keeps from either shape. */
export type ErrorInfo = Partial<VoucherifyErrorBody>

const decodeEither = Schema.decodeUnknownOption(Schema.parseJson(Schema.Union(VoucherifyErrorBody, BoomErrorBody)))

// Drops absent and empty fields so callers see only what the server actually said.
const said = (a: Record<string, string | number | undefined>): ErrorInfo =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined && v !== "")) as ErrorInfo

/** Reads an error body in either shape; empty, HTML or unrelated bodies give an empty record, never a failure. */
export const parseErrorBody = (text: string): ErrorInfo =>
  Option.match(decodeEither(text), {
    onNone: () => ({}),
    onSome: (body): ErrorInfo =>
      "statusCode" in body ? said({ code: body.statusCode, key: body.error, message: body.message }) : said(body)
  })
