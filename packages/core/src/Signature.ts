import { createHmac, timingSafeEqual } from "node:crypto"
import * as Redacted from "effect/Redacted"

/** The header Voucherify signs every delivery with. */
export const signatureHeader = "x-voucherify-signature"

/** A project's webhook signing secret (Project settings → Webhooks). */
export type Secret = Redacted.Redacted<string> | string

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

/** The header value as 32 bytes, or undefined when it is not 64 hex characters (surrounding blanks and case ignored). */
export const decodeSignature = (value: string): Buffer | undefined => {
  const hex = value.trim().toLowerCase()
  return hexSignature.test(hex) ? Buffer.from(hex, "hex") : undefined
}

const hmac = (message: string | Uint8Array, secret: Secret): Buffer =>
  createHmac("sha256", reveal(secret)).update(message).digest()

/** Constant time in the content; both sides are always 32 bytes. Every secret is tried, so rotation does not leak which matched. */
const signedWithAny = (message: string | Uint8Array, given: Buffer, secrets: ReadonlyArray<Secret>): boolean => {
  let matched = false
  for (const secret of secrets) {
    if (timingSafeEqual(hmac(message, secret), given)) matched = true
  }
  return matched
}

/** What a signature covers, when it verifies. */
export interface SignedBody {
  /** Exactly the bytes the signature is over. Forward and read these, never the raw body. */
  readonly bytes: Uint8Array
  /**
   * `raw`: the body verified as received. `compact`: only its compact re-serialisation did (a framework or a hop
   * re-formatted the JSON), so `bytes` is that compact form, not what arrived.
   */
  readonly form: "raw" | "compact"
}

export interface SignedBodyOptions {
  /**
   * Also accept a body whose compact JSON form (`JSON.stringify(JSON.parse(body))`, what Voucherify signs)
   * verifies, for receivers behind something that re-indents JSON. Safe because the result is then the compact
   * bytes, never the raw ones. Default true.
   */
  readonly compactFallback?: boolean
}

const utf8 = new TextEncoder()

/** The secrets that can verify anything: the empty string is left out. */
export const usableSecrets = (secrets: Secret | ReadonlyArray<Secret>): ReadonlyArray<Secret> =>
  (Array.isArray(secrets) ? (secrets as ReadonlyArray<Secret>) : [secrets as Secret]).filter((s) => reveal(s) !== "")

/**
 * The bytes a signature covers: the raw body when it verifies as received; otherwise (with the compact fallback)
 * its compact JSON re-serialisation when that verifies. Undefined when neither does.
 *
 * The fallback accepts many byte strings for one signature (duplicate keys, `1e2` for `100`, `\u` escapes,
 * whitespace; the signature is over the bytes as sent), which is why it answers with the compact bytes: a reader of those sees exactly what
 * was signed, where a first-wins parser of the raw body could read a duplicated key's unsigned first value.
 */
export const resolveSignedBody = (
  rawBody: string | Uint8Array,
  signature: Buffer,
  secrets: Secret | ReadonlyArray<Secret>,
  options: SignedBodyOptions = {}
): SignedBody | undefined => {
  // An empty secret signs nothing: anyone could compute its HMAC.
  const keys = usableSecrets(secrets)
  if (keys.length === 0) return undefined
  if (signedWithAny(rawBody, signature, keys)) {
    return { bytes: typeof rawBody === "string" ? utf8.encode(rawBody) : rawBody, form: "raw" }
  }
  if (options.compactFallback === false) return undefined
  const text = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8")
  let compact: string
  try {
    compact = JSON.stringify(JSON.parse(text))
  } catch {
    return undefined // not JSON, or nested too deep to re-serialise: nothing else could have been signed
  }
  return compact !== text && signedWithAny(compact, signature, keys)
    ? { bytes: utf8.encode(compact), form: "compact" }
    : undefined
}

/**
 * Checks `x-voucherify-signature` against the raw request body, in constant time: true when
 * {@link resolveSignedBody} finds the signed bytes. A missing or malformed header is false. Prefer
 * `verifyDelivery` (VerifyDelivery.ts), which also answers *which* bytes were signed: after a compact-form
 * match, reading the raw body can give data nobody signed.
 */
export const verifySignature = (
  rawBody: string | Uint8Array,
  header: string | ReadonlyArray<string> | null | undefined,
  secret: Secret
): boolean => {
  const given = Array.isArray(header) ? header[0] : header
  const signature = typeof given === "string" ? decodeSignature(given) : undefined
  return signature !== undefined && resolveSignedBody(rawBody, signature, secret) !== undefined
}
