import { createHmac, randomBytes } from "node:crypto"
import type * as Redacted from "effect/Redacted"
import * as R from "effect/Redacted"

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** `length` letters and digits from a CSPRNG (rejection sampling keeps the distribution uniform). */
export const alphanumeric = (length: number): string => {
  let out = ""
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += alphabet[byte % 62]
    }
  }
  return out
}

/** Ids as Voucherify mints them: `wh_` + 24 alphanumerics (core's `webhookIdPattern`). */
export const webhookId = (): string => `wh_${alphanumeric(24)}`

/**
 * A project's webhook secret, derived from the management token so it is stable across restarts (a receiver
 * configured once keeps verifying) without revealing the token: HMAC is one-way.
 */
export const projectSecret = (token: Redacted.Redacted<string>, projectId: string): Redacted.Redacted<string> =>
  R.make(
    `whsec_${createHmac("sha256", R.value(token)).update(`webhook-secret:${projectId}`).digest("hex").slice(0, 32)}`
  )
