import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { userAgent } from "../src/Version.js"
import { Webhooks } from "../src/Webhooks.js"
import { webhookJson, webhooksWith } from "./fakeHttp.js"

const target = { target_url: "https://example.com/hook", events: ["redemption.succeeded"] }
const listJson = { object: "list", data_ref: "data", data: [webhookJson()], total: 1 }

describe("Webhooks requests", () => {
  it.effect("create POSTs the validated body with active defaulted, auth headers and a User-Agent", () => {
    const { seen, layer } = webhooksWith([{ status: 200, body: webhookJson() }])
    return Effect.gen(function* () {
      const webhook = yield* (yield* Webhooks).create("proj_X", target)
      expect(webhook.id).toBe("wh_ekFHVL6lqC4lDuIFxpETSGa3")
      expect(webhook.created_at).toBeInstanceOf(Date)
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatchObject({
        method: "POST",
        url: "https://api.example.test/management/v1/projects/proj_X/webhooks",
        body: { ...target, active: true }
      })
      expect(seen[0]!.headers).toMatchObject({
        "x-management-id": "mgmt-id",
        "x-management-token": "mgmt-secret-token",
        "user-agent": userAgent,
        "content-type": "application/json"
      })
      expect(userAgent).toMatch(/^voucherify-webhooks-core\/\d+\.\d+\.\d+ /)
    }).pipe(Effect.provide(layer))
  })

  it.effect("list, get, update and delete use the documented methods and percent-encoded paths", () => {
    const { seen, layer } = webhooksWith([
      { status: 200, body: listJson },
      { status: 200, body: webhookJson() },
      { status: 200, body: webhookJson({ active: false }) },
      { status: 204 }
    ])
    return Effect.gen(function* () {
      const webhooks = yield* Webhooks
      expect((yield* webhooks.list("proj?x")).total).toBe(1)
      yield* webhooks.get("proj_X", "wh_a#b")
      const updated = yield* webhooks.update("proj_X", "wh_1", { ...target, active: false })
      expect(updated.active).toBe(false)
      yield* webhooks.delete("proj_X", "wh_1")
      expect(seen.map((s) => `${s.method} ${s.url.replace("https://api.example.test", "")}`)).toEqual([
        "GET /management/v1/projects/proj%3Fx/webhooks",
        "GET /management/v1/projects/proj_X/webhooks/wh_a%23b",
        "PUT /management/v1/projects/proj_X/webhooks/wh_1",
        "DELETE /management/v1/projects/proj_X/webhooks/wh_1"
      ])
      // Full replace: active is always on the wire.
      expect(seen[2]!.body).toEqual({ ...target, active: false })
    }).pipe(Effect.provide(layer))
  })

  it.effect("bad input fails with a ValidationError naming the field, and nothing is sent", () => {
    const { seen, layer } = webhooksWith([{ status: 200, body: webhookJson() }])
    return Effect.gen(function* () {
      const webhooks = yield* Webhooks
      const bad = yield* Effect.flip(
        webhooks.create("proj_X", { target_url: "your_url", events: ["voucher.created", "voucher.created"] })
      )
      expect(bad._tag).toBe("ValidationError")
      expect(bad.message).toContain("target_url:")
      expect(bad.message).toContain('events.1: "voucher.created" is listed twice')
      const badId = yield* Effect.flip(webhooks.get("proj/../x", "wh_1"))
      expect(badId).toMatchObject({ _tag: "ValidationError", message: expect.stringContaining('must not contain "/"') })
      const unknown = yield* Effect.flip(webhooks.create("proj_X", { ...target, events: ["loyalty.tier.upgraded"] }))
      expect(unknown.message).toContain("unknown event")
      expect(seen).toHaveLength(0)
      // The explicit opt-out sends names this release does not know.
      yield* webhooks.create("proj_X", { ...target, events: ["loyalty.tier.upgraded"] }, { allowUnknownEvents: true })
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("missing credentials fail with an AuthError that names the env vars, before any request", () => {
    const { seen, layer } = webhooksWith([{ status: 200, body: listJson }], { credentials: Option.none() })
    return Effect.gen(function* () {
      const error = yield* Effect.flip((yield* Webhooks).list("proj_X"))
      expect(error).toMatchObject({ _tag: "AuthError", reason: "missing_credentials" })
      expect(error.message).toContain("VOUCHERIFY_MANAGEMENT_ID")
      expect(error.message).toContain("VOUCHERIFY_MANAGEMENT_TOKEN")
      expect(seen).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 2xx body that is not a webhook is an HttpError(decode), not a crash", () => {
    const { layer } = webhooksWith([{ status: 200, body: "<html>maintenance</html>" }])
    return Effect.gen(function* () {
      const error = yield* Effect.flip((yield* Webhooks).get("proj_X", "wh_1"))
      expect(error).toMatchObject({ _tag: "HttpError", reason: "decode", status: 200 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("error answers map to typed errors and never echo the token", () => {
    const { layer } = webhooksWith([{ status: 401, body: { code: 401, message: "Unauthorized", key: "unauthorized" } }])
    return Effect.gen(function* () {
      const error = yield* Effect.flip((yield* Webhooks).list("proj_X"))
      expect(error).toMatchObject({ _tag: "AuthError", reason: "unauthorized", status: 401 })
      expect(JSON.stringify(error)).not.toContain("mgmt-secret-token")
      expect(String(error)).not.toContain("mgmt-secret-token")
    }).pipe(Effect.provide(layer))
  })
})

describe("Webhooks retries", () => {
  it.effect("GET is retried on 5xx and transport errors with backoff, then succeeds", () => {
    const { seen, layer } = webhooksWith([
      { status: 503, body: "<html>busy</html>" },
      { transport: "ECONNRESET" },
      { status: 200, body: listJson }
    ])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork((yield* Webhooks).list("proj_X"))
      yield* TestClock.adjust(Duration.seconds(10))
      const list = yield* Fiber.join(fiber)
      expect(list.total).toBe(1)
      expect(seen).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("gives up after maxRetries with the last error", () => {
    const { seen, layer } = webhooksWith([{ status: 500 }], { maxRetries: 2 })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.flip((yield* Webhooks).get("proj_X", "wh_1")))
      yield* TestClock.adjust(Duration.minutes(1))
      expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "HttpError", reason: "server_error", status: 500 })
      expect(seen).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("POST is never retried once it may have reached the server (5xx, reset)", () => {
    const { seen, layer } = webhooksWith([{ status: 502 }, { status: 200, body: webhookJson() }])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.flip((yield* Webhooks).create("proj_X", target)))
      yield* TestClock.adjust(Duration.minutes(1))
      expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "HttpError", status: 502 })
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("POST is not retried after a connection reset either", () => {
    const { seen, layer } = webhooksWith([{ transport: "ECONNRESET" }, { status: 200, body: webhookJson() }])
    return Effect.gen(function* () {
      const error = yield* Effect.flip((yield* Webhooks).create("proj_X", target))
      expect(error).toMatchObject({ _tag: "HttpError", reason: "transport", notSent: false })
      expect(error.message).toContain("ECONNRESET")
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("POST is retried when the connection was refused (never sent) and on 429", () => {
    const { seen, layer } = webhooksWith([
      { transport: "ECONNREFUSED" },
      { status: 429, headers: { "retry-after": "2" } },
      { status: 200, body: webhookJson() }
    ])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork((yield* Webhooks).create("proj_X", target))
      yield* TestClock.adjust(Duration.seconds(10))
      expect((yield* Fiber.join(fiber)).id).toBe("wh_ekFHVL6lqC4lDuIFxpETSGa3")
      expect(seen).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("honours Retry-After: nothing is re-sent before it has passed", () => {
    const { seen, layer } = webhooksWith([
      { status: 429, headers: { "retry-after": "30" } },
      { status: 200, body: listJson }
    ])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork((yield* Webhooks).list("proj_X"))
      yield* TestClock.adjust(Duration.seconds(29))
      expect(seen).toHaveLength(1)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Fiber.join(fiber)
      expect(seen).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a Retry-After longer than the cap fails at once with RateLimitError", () => {
    const { seen, layer } = webhooksWith([{ status: 429, headers: { "retry-after": "3600" } }], {
      maxRetryAfter: Duration.seconds(60)
    })
    return Effect.gen(function* () {
      const error = yield* Effect.flip((yield* Webhooks).list("proj_X"))
      expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: 3_600_000 })
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a request that never answers times out with HttpError(timeout)", () => {
    const { seen, layer } = webhooksWith(["hang"], { timeout: Duration.seconds(2), maxRetries: 0 })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.flip((yield* Webhooks).get("proj_X", "wh_1")))
      yield* TestClock.adjust(Duration.seconds(3))
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "HttpError", reason: "timeout" })
      expect(error.message).toContain("2s")
      expect(seen).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a DELETE retried after a timeout that finds the webhook gone has succeeded", () => {
    const { seen, layer } = webhooksWith(
      [
        "hang",
        {
          status: 404,
          body: { code: 404, key: "not_found", resource_type: "webhook", details: "Cannot find webhook with id wh_1" }
        }
      ],
      { timeout: Duration.seconds(1) }
    )
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork((yield* Webhooks).delete("proj_X", "wh_1"))
      yield* TestClock.adjust(Duration.seconds(20))
      yield* Fiber.join(fiber)
      expect(seen).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a first-attempt 404 on DELETE is still NotFoundError", () => {
    const { layer } = webhooksWith([{ status: 404, body: { code: 404, resource_type: "webhook" } }])
    return Effect.gen(function* () {
      const error = yield* Effect.flip((yield* Webhooks).delete("proj_X", "wh_1"))
      expect(error).toMatchObject({ _tag: "NotFoundError", resource: "webhook" })
    }).pipe(Effect.provide(layer))
  })
})
