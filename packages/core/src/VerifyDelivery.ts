import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { DeliveryPayload } from "./Delivery.js"
import { type DeliveryError, deliveryError } from "./DeliveryError.js"
import {
  decodeSignature,
  resolveSignedBody,
  type Secret,
  type SignedBodyOptions,
  signatureHeader,
  usableSecrets
} from "./Signature.js"

/**
 * Request headers as any receiver has them: web `Headers` (fetch, Hono, Next.js, Bun, Workers), or a record
 * (Node's `IncomingMessage.headers`, Express, Fastify; names in any case).
 */
export type HeadersInput =
  | { readonly get: (name: string) => string | null }
  | { readonly [name: string]: string | ReadonlyArray<string> | undefined }

/** A delivery whose signature verified, read from exactly the bytes that were signed. */
export interface VerifiedDelivery<D = DeliveryPayload> {
  readonly delivery: D
  /**
   * The bytes the signature covers. Forward, store or re-read these, never the raw body: when only the compact
   * form verified, the raw body may say something nobody signed (a duplicated key's first value, say).
   */
  readonly signedBody: Uint8Array
  /** `raw`: the body verified as received; `compact`: only its compact JSON form did, and signedBody is that. */
  readonly verifiedAs: "raw" | "compact"
}

export interface VerifyOptions extends SignedBodyOptions {}

const lookup = (headers: HeadersInput, name: string): string | ReadonlyArray<string> | undefined => {
  if (typeof headers.get === "function")
    return (headers as { get: (n: string) => string | null }).get(name) ?? undefined
  const record = headers as { readonly [name: string]: string | ReadonlyArray<string> | undefined }
  if (name in record) return record[name]
  const key = Object.keys(record).find((k) => k.toLowerCase() === name)
  return key === undefined ? undefined : record[key]
}

/** The 32 signature bytes from `x-voucherify-signature`, or why there are none. */
export const signatureFromHeaders = (headers: HeadersInput): Either.Either<Buffer, DeliveryError> => {
  const value = lookup(headers, signatureHeader)
  const values = typeof value === "string" ? [value] : (value ?? []).filter((v) => v.trim() !== "")
  if (values.length === 0 || values[0]!.trim() === "") return Either.left(deliveryError("MissingSignature"))
  // Two headers (or a list joined with commas) are ambiguous: refuse rather than pick one.
  if (values.length > 1 || values[0]!.includes(",")) {
    return Either.left(deliveryError("MalformedSignature", "it was sent more than once"))
  }
  const signature = decodeSignature(values[0]!)
  return signature === undefined ? Either.left(deliveryError("MalformedSignature")) : Either.right(signature)
}

const kind = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : typeof value

/** The first problem, as `path: what is wrong`, without echoing values. */
const firstProblem = (error: ParseResult.ParseError): string => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (issue === undefined) return "it does not have the delivery's shape"
  const path = issue.path.length === 0 ? "the body" : issue.path.map(String).join(".")
  const what = issue.message.startsWith("Expected {")
    ? "expected an object"
    : issue.message.replace(/, actual [\s\S]*$/, "").replace(/^Expected/, "expected")
  return `${path}: ${what.length > 120 ? `${what.slice(0, 117)}…` : what}`
}

const decodeEnvelope = Schema.decodeUnknownEither(DeliveryPayload)

/**
 * {@link verifyDelivery} as an Either, for callers outside Effect. The empty secret verifies nothing, so with no
 * usable secret every delivery is a SignatureMismatch; check the secret at start-up (see the adapters).
 */
export const verifyDeliveryEither = (
  rawBody: string | Uint8Array,
  headers: HeadersInput,
  secret: Secret | ReadonlyArray<Secret>,
  options: VerifyOptions = {}
): Either.Either<VerifiedDelivery, DeliveryError> =>
  Either.gen(function* () {
    const signature = yield* signatureFromHeaders(headers)
    const signed = resolveSignedBody(rawBody, signature, secret, options)
    if (signed === undefined) return yield* Either.left(deliveryError("SignatureMismatch"))
    let json: unknown
    try {
      json = JSON.parse(Buffer.from(signed.bytes.buffer, signed.bytes.byteOffset, signed.bytes.byteLength).toString())
    } catch (e) {
      const detail = e instanceof Error ? e.message.slice(0, 120) : undefined
      return yield* Either.left(deliveryError("NotJson", detail))
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      return yield* Either.left(deliveryError("NotAnEnvelope", `expected a JSON object, got ${kind(json)}`))
    }
    yield* Either.mapLeft(decodeEnvelope(json), (e) => deliveryError("NotAnEnvelope", firstProblem(e)))
    // The envelope schema transforms nothing: the parsed JSON is the delivery, in the wire's key order.
    return { delivery: json as DeliveryPayload, signedBody: signed.bytes, verifiedAs: signed.form }
  })

/**
 * Verifies a delivery the way Voucherify signs it (HMAC-SHA256 of the body with the project's webhook secret,
 * lowercase hex in `x-voucherify-signature`, compared in constant time) and reads its envelope from exactly the
 * signed bytes. `data` is kept as it came; `parseDelivery` (TypedDelivery.ts) also types it by event.
 *
 * Pass the raw body, before any JSON body parser. Several secrets may be given while one is being rotated.
 * Fails with a {@link DeliveryError}: MissingSignature, MalformedSignature or SignatureMismatch (answer 401),
 * NotJson or NotAnEnvelope (answer 400).
 */
export const verifyDelivery = (
  rawBody: string | Uint8Array,
  headers: HeadersInput,
  secret: Secret | ReadonlyArray<Secret>,
  options: VerifyOptions = {}
): Effect.Effect<VerifiedDelivery, DeliveryError> =>
  usableSecrets(secret).length === 0
    ? Effect.dieMessage("verifyDelivery: the webhook secret is empty; set it from Project settings → Webhooks")
    : Either.match(verifyDeliveryEither(rawBody, headers, secret, options), {
        onLeft: Effect.fail,
        onRight: Effect.succeed
      })
