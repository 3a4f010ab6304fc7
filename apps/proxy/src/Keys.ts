import { createHash, randomBytes } from "node:crypto"
import * as Redacted from "effect/Redacted"

/**
 * A client key: 32 random bytes (256 bits). With that much entropy a plain SHA-256 is a safe verifier — slow
 * hashes (scrypt) protect guessable passwords, not random keys — and it keeps every request cheap.
 */
export const mintKey = (): Redacted.Redacted<string> => Redacted.make(`vwhk_${randomBytes(32).toString("base64url")}`)

/** SHA-256 of a key's text. */
export const digest = (key: string): Buffer => createHash("sha256").update(key, "utf8").digest()

/** What goes in the config file for a key: `sha256:<hex>`. */
export const hashKey = (key: Redacted.Redacted<string>): string =>
  `sha256:${digest(Redacted.value(key)).toString("hex")}`

/**
 * A key's short name in logs and the audit trail: the first 8 hex digits of its hash, as the config file shows it
 * (`sha256:3f2a9c1e…`). It tells the keys of one client apart during a rotation and says nothing about the key.
 */
export const fingerprint = (keyHash: string): string => keyHash.slice("sha256:".length, "sha256:".length + 8)
