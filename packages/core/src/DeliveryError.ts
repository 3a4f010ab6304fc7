import * as Schema from "effect/Schema"
import { signatureHeader } from "./Signature.js"

/**
 * Why a request is not a delivery to act on. The signature reasons answer 401 (not from Voucherify, or not
 * with this secret); the body reasons 400 (signed, but not a delivery).
 */
export const DeliveryErrorReason = Schema.Literal(
  "MissingSignature",
  "MalformedSignature",
  "SignatureMismatch",
  "NotJson",
  "NotAnEnvelope"
)
export type DeliveryErrorReason = typeof DeliveryErrorReason.Type

export class DeliveryError extends Schema.TaggedError<DeliveryError>()("DeliveryError", {
  reason: DeliveryErrorReason,
  message: Schema.String
}) {
  /** The HTTP status a receiver answers with: 401 for the signature, 400 for the body. */
  get status(): 400 | 401 {
    return this.reason === "NotJson" || this.reason === "NotAnEnvelope" ? 400 : 401
  }
}

/** The message of each reason; `detail` says which field, for a body that is not an envelope. */
export const deliveryError = (reason: DeliveryErrorReason, detail?: string): DeliveryError => {
  switch (reason) {
    case "MissingSignature":
      return new DeliveryError({
        reason,
        message: `missing ${signatureHeader} header: Voucherify signs every delivery, so this request is not from it (or a proxy dropped the header)`
      })
    case "MalformedSignature":
      return new DeliveryError({
        reason,
        message: `${signatureHeader} must be one value of 64 hex characters (HMAC-SHA256)${detail ? `: ${detail}` : ""}`
      })
    case "SignatureMismatch":
      return new DeliveryError({
        reason,
        message: `${signatureHeader} does not match the body: a wrong secret (Project settings → Webhooks), or the body was changed on the way (verify the raw bytes, before any JSON body parser)`
      })
    case "NotJson":
      return new DeliveryError({ reason, message: `the body is signed but is not JSON${detail ? `: ${detail}` : ""}` })
    case "NotAnEnvelope":
      return new DeliveryError({
        reason,
        message: `the body is signed JSON but not a Voucherify delivery${detail ? `: ${detail}` : ""}`
      })
  }
}
