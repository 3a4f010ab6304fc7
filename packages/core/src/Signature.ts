import { createHmac, timingSafeEqual } from "node:crypto"
import * as Redacted from "effect/Redacted"

/** The header Voucherify signs every delivery with. */
export const signatureHeader = "x-voucherify-signature"

type Secret = Redacted.Redacted<string> | string

const reveal = (secret: Secret): string => (Redacted.isRedacted(secret) ? Redacted.value(secret) : secret)

/**
 * HMAC-SHA256 of the payload with the project's webhook secret, as lowercase hex: the value of
 * `x-voucherify-signature`. Objects are signed in their compact JSON form, as Voucherify does.
 */
export const signPayload = (payload: string | Uint8Array | object, secret: Secret): string => {
  const message = typeof payload === "string" || payload instanceof Uint8Array ? payload : JSON.stringify(payload)
  return createHmac("sha256", reveal(secret)).update(message).digest("hex")
}

const hexSignature = /^[0-9a-f]{64}$/

const equalsInConstantTime = (expected: string, given: string): boolean => {
  const a = Buffer.from(expected, "hex")
  const b = Buffer.from(given, "hex")
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Checks `x-voucherify-signature` against the raw request body, in constant time. Verifies the exact bytes
 * first; when those do not match and the body is JSON, also the compact re-serialisation (what Voucherify
 * signs), so a body re-indented by a forwarding hop still verifies. A missing or malformed header is false.
 */
export const verifySignature = (
  rawBody: string | Uint8Array,
  header: string | ReadonlyArray<string> | null | undefined,
  secret: Secret
): boolean => {
  const given = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase()
  if (given === undefined || !hexSignature.test(given)) return false
  if (equalsInConstantTime(signPayload(rawBody, secret), given)) return true
  const text = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8")
  let compact: string
  try {
    compact = JSON.stringify(JSON.parse(text))
  } catch {
    return false
  }
  return compact !== text && equalsInConstantTime(signPayload(compact, secret), given)
}
