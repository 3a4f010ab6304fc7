import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { ManagementAuth } from "@voucherify-webhooks/core/Api"
import { unauthorized } from "@voucherify-webhooks/core/ApiErrors"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Client } from "./ProxyConfig.js"
import { ProxySettings } from "./ProxyConfig.js"
import * as RequestState from "./RequestState.js"

/**
 * A client key: 32 random bytes (256 bits). With that much entropy a plain SHA-256 is a safe verifier — slow
 * hashes (scrypt) protect guessable passwords, not random keys — and it keeps every request cheap.
 */
export const mintKey = (): Redacted.Redacted<string> => Redacted.make(`vwhk_${randomBytes(32).toString("base64url")}`)

const digest = (key: string): Buffer => createHash("sha256").update(key, "utf8").digest()

/** What goes in the config file for a key: `sha256:<hex>`. */
export const hashKey = (key: Redacted.Redacted<string>): string =>
  `sha256:${digest(Redacted.value(key)).toString("hex")}`

// Compared against when the client id is unknown, so a miss costs the same as a wrong key.
const decoy = digest(randomBytes(32).toString("hex"))

/** True when `key` hashes to the client's stored hash; constant time in the key's content. */
export const verifyKey = (client: Client | undefined, key: string): boolean => {
  const presented = digest(key)
  const expected = client === undefined ? decoy : Buffer.from(client.keyHash.slice("sha256:".length), "hex")
  return timingSafeEqual(presented, expected) && client !== undefined
}

/**
 * Core's ManagementAuth, implemented with proxy-issued keys: X-Management-Id names the client, X-Management-Token
 * carries its key. Anything wrong is Voucherify's plain 401, never saying which half was wrong.
 */
export const ManagementAuthLive = Layer.effect(
  ManagementAuth,
  Effect.gen(function* () {
    const settings = yield* ProxySettings
    const clients = new Map(settings.clients.map((c) => [c.id, c] as const))
    return {
      managementId: (id) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const token = request.headers["x-management-token"] ?? ""
          const clientId = Redacted.value(id)
          if (verifyKey(clients.get(clientId), token)) {
            yield* RequestState.update((state) => {
              state.client = clientId
            })
            return { managementId: clientId }
          }
          return yield* Effect.fail(unauthorized(yield* FiberRef.get(currentRequestId)))
        })
    }
  })
)
