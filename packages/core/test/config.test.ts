import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { webhooksConfig } from "../src/Config.js"

const read = (env: Record<string, string>) =>
  Effect.withConfigProvider(webhooksConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("webhooksConfig", () => {
  it.effect("defaults to the EU cluster, 30 s timeout, 3 retries and no credentials", () =>
    Effect.gen(function* () {
      const config = yield* read({})
      expect(config.baseUrl).toBe("https://api.voucherify.io")
      expect(Option.isNone(config.credentials)).toBe(true)
      expect(Duration.toSeconds(config.timeout)).toBe(30)
      expect(config.maxRetries).toBe(3)
    })
  )

  it.effect("maps clusters to their hosts and lets VOUCHERIFY_API_URL win", () =>
    Effect.gen(function* () {
      expect((yield* read({ VOUCHERIFY_CLUSTER: "us1" })).baseUrl).toBe("https://us1.api.voucherify.io")
      expect((yield* read({ VOUCHERIFY_CLUSTER: "as1" })).baseUrl).toBe("https://as1.api.voucherify.io")
      expect((yield* read({ VOUCHERIFY_CLUSTER: "us1", VOUCHERIFY_API_URL: "http://localhost:4010/" })).baseUrl).toBe(
        "http://localhost:4010"
      )
    })
  )

  it.effect("keeps the token Redacted", () =>
    Effect.gen(function* () {
      const config = yield* read({ VOUCHERIFY_MANAGEMENT_ID: "id-1", VOUCHERIFY_MANAGEMENT_TOKEN: "tok-secret" })
      const creds = Option.getOrThrow(config.credentials)
      expect(creds.managementId).toBe("id-1")
      expect(Redacted.value(creds.managementToken)).toBe("tok-secret")
      expect(String(creds.managementToken)).not.toContain("tok-secret")
      expect(JSON.stringify(config)).not.toContain("tok-secret")
    })
  )

  it.effect("needs both halves of the credentials", () =>
    Effect.gen(function* () {
      expect(Option.isNone((yield* read({ VOUCHERIFY_MANAGEMENT_ID: "id-1" })).credentials)).toBe(true)
    })
  )

  it.effect("rejects an unknown cluster, a non-http URL and a bad timeout, naming the variable", () =>
    Effect.gen(function* () {
      const cluster = yield* Effect.flip(read({ VOUCHERIFY_CLUSTER: "mars" }))
      expect(String(cluster)).toContain("VOUCHERIFY_CLUSTER")
      const url = yield* Effect.flip(read({ VOUCHERIFY_API_URL: "ftp://x" }))
      expect(String(url)).toContain("VOUCHERIFY_API_URL")
      const timeout = yield* Effect.flip(read({ VOUCHERIFY_TIMEOUT: "soonish" }))
      expect(String(timeout)).toContain("VOUCHERIFY_TIMEOUT")
      const timeoutOk = yield* read({ VOUCHERIFY_TIMEOUT: "5 seconds" })
      expect(Duration.toSeconds(timeoutOk.timeout)).toBe(5)
    })
  )
})
