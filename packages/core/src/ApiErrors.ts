import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Schema from "effect/Schema"

/**
 * Voucherify's error object as a server sends it, one class per status. `code` is a literal so each class is
 * structurally distinct: HttpApi encodes a union by shape, not by instanceof, and would otherwise give every
 * error the first class's status. No `_tag` reaches the wire.
 */
const errorFields = <const C extends number>(code: C) => ({
  code: Schema.Literal(code).pipe(
    Schema.propertySignature,
    Schema.withConstructorDefault(() => code)
  ),
  key: Schema.optional(Schema.String),
  message: Schema.String,
  details: Schema.optional(Schema.String),
  request_id: Schema.optional(Schema.String),
  resource_id: Schema.optional(Schema.String),
  resource_type: Schema.optional(Schema.String)
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
export class ApiGatewayTimeout extends Schema.Class<ApiGatewayTimeout>("ApiGatewayTimeout")(
  errorFields(504),
  HttpApiSchema.annotations({ status: 504, description: "The upstream did not answer in time" })
) {}

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

/** The framework-style body Voucherify uses for malformed JSON, oversized bodies and unknown routes. */
export const boomBody = (statusCode: number, error: string, message: string) => ({ statusCode, error, message })

/** Voucherify's documented 401 body. */
export const unauthorized = (request_id?: string) =>
  new ApiUnauthorized({ key: "unauthorized", message: "Unauthorized", ...(request_id ? { request_id } : {}) })
