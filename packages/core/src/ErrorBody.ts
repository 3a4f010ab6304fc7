import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** Voucherify's error object: `{code, key, message, details, request_id, resource_id, resource_type}`. */
export const VoucherifyErrorBody = Schema.Struct({
  code: Schema.Union(Schema.Int, Schema.String),
  key: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  details: Schema.optional(Schema.String),
  request_id: Schema.optional(Schema.String),
  resource_id: Schema.optional(Schema.String),
  resource_type: Schema.optional(Schema.String)
})
export type VoucherifyErrorBody = typeof VoucherifyErrorBody.Type

/** The framework-style body Voucherify sends for malformed JSON and oversized payloads. */
export const BoomErrorBody = Schema.Struct({
  statusCode: Schema.Int,
  error: Schema.String,
  message: Schema.optional(Schema.String)
})
export type BoomErrorBody = typeof BoomErrorBody.Type

/** What we keep from either shape. */
export interface ErrorInfo {
  readonly code?: number | string
  readonly key?: string
  readonly message?: string
  readonly details?: string
  readonly request_id?: string
  readonly resource_id?: string
  readonly resource_type?: string
}

const decodeEither = Schema.decodeUnknownOption(Schema.parseJson(Schema.Union(VoucherifyErrorBody, BoomErrorBody)))

// Drops absent and empty fields so callers see only what the server actually said.
const defined = (a: Record<string, string | number | undefined>): ErrorInfo =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined && v !== "")) as ErrorInfo

/** Reads an error body in either shape; empty, HTML or unrelated bodies give an empty record, never a failure. */
export const parseErrorBody = (text: string): ErrorInfo =>
  Option.match(decodeEither(text), {
    onNone: () => ({}),
    onSome: (body): ErrorInfo =>
      "statusCode" in body
        ? defined({ code: body.statusCode, key: body.error, message: body.message })
        : defined({
            code: body.code,
            key: body.key,
            message: body.message,
            details: body.details,
            request_id: body.request_id,
            resource_id: body.resource_id,
            resource_type: body.resource_type
          })
  })
