import { createHash, timingSafeEqual } from "node:crypto"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { ManagementAuth } from "@voucherify-webhooks/core/Api"
import { unauthorized } from "@voucherify-webhooks/core/ApiErrors"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { SandboxCredentials } from "./Options.js"

// Hashing first gives equal-length buffers, so the comparison time says nothing about the token's length.
const digest = (s: string) => createHash("sha256").update(s).digest()

/** A constant-time check of the two management headers; the token is never logged or echoed. */
export const makeCheck = (credentials: SandboxCredentials) => {
  const expected = digest(Redacted.value(credentials.managementToken))
  return (managementId: string | undefined, token: string | undefined): boolean => {
    if (managementId === undefined || token === undefined || managementId === "" || token === "") return false
    const tokenOk = timingSafeEqual(digest(token), expected)
    return tokenOk && managementId === credentials.managementId
  }
}

/** Core's {@link ManagementAuth} for the sandbox: both headers must match the configured pair, else 401. */
export const managementAuthLayer = (credentials: SandboxCredentials) => {
  const check = makeCheck(credentials)
  return Layer.succeed(ManagementAuth, {
    managementId: (id) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const managementId = Redacted.value(id)
        if (!check(managementId, request.headers["x-management-token"])) {
          return yield* Effect.fail(unauthorized(yield* FiberRef.get(currentRequestId)))
        }
        return { managementId }
      })
  })
}
