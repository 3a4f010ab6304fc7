import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as CoreConfig from "@voucherify-webhooks/core/Config"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type TestSandbox as Started, startTestSandbox as start } from "../src/testing.js"

// Core's real client against the real sandbox: the contract both sides promise.
let s: Started
beforeAll(async () => {
  s = await start()
})
afterAll(() => s.close())
beforeEach(() => s.run(s.sandbox.reset))

const project = "proj_sandbox"
const body = { target_url: "https://example.com/hook", events: ["redemption.succeeded" as const] }

const client = <A, E>(
  use: (w: Webhooks) => Effect.Effect<A, E>,
  config: Partial<CoreConfig.WebhooksConfigShape> = {}
): Promise<A> =>
  Effect.runPromise(
    Effect.flatMap(Webhooks, use).pipe(
      Effect.provide(
        Webhooks.Default.pipe(
          Layer.provide(
            CoreConfig.layer({
              baseUrl: s.sandbox.url,
              credentials: Option.some(s.sandbox.credentials),
              timeout: Duration.seconds(5),
              ...config
            })
          ),
          Layer.provide(FetchHttpClient.layer)
        )
      )
    )
  )

const failure = <A, E>(use: (w: Webhooks) => Effect.Effect<A, E>, config?: Partial<CoreConfig.WebhooksConfigShape>) =>
  client((w) => Effect.flip(use(w)), config)

const requests = () => s.run(s.sandbox.requests)

describe("the five operations", () => {
  it("create, list, get, update, delete", async () => {
    const created = await client((w) => w.create(project, body))
    expect(created.id).toMatch(/^wh_[A-Za-z0-9]{24}$/)
    expect(created.created_at).toBeInstanceOf(Date)
    expect(created.active).toBe(true)

    const list = await client((w) => w.list(project))
    expect(list.total).toBe(1)
    expect(list.data[0]?.id).toBe(created.id)

    const got = await client((w) => w.get(project, created.id))
    expect(got).toEqual(created)

    const updated = await client((w) =>
      w.update(project, created.id, {
        target_url: "https://example.com/v2",
        events: ["voucher.created"],
        active: false
      })
    )
    expect(updated).toMatchObject({ id: created.id, target_url: "https://example.com/v2", active: false })
    expect(updated.events).toEqual(["voucher.created"])

    await client((w) => w.delete(project, created.id))
    expect((await client((w) => w.list(project))).total).toBe(0)
  })
})

describe("every error case maps to core's typed errors", () => {
  it("wrong token → AuthError unauthorized", async () => {
    const e = await failure((w) => w.list(project), {
      credentials: Option.some({
        managementId: s.sandbox.credentials.managementId,
        managementToken: Redacted.make("x")
      })
    })
    expect(e).toMatchObject({ _tag: "AuthError", reason: "unauthorized", status: 401, key: "unauthorized" })
  })

  it("plan off → AuthError missing_required_feature", async () => {
    await s.run(s.sandbox.setPlan({ managementApi: false }))
    const e = await failure((w) => w.create(project, body))
    expect(e).toMatchObject({ _tag: "AuthError", reason: "missing_required_feature", status: 402 })
  })

  it("missing project → NotFoundError project; missing webhook → NotFoundError webhook", async () => {
    const p = await failure((w) => w.list("proj_nope"))
    expect(p).toMatchObject({ _tag: "NotFoundError", resource: "project", status: 404 })
    expect(p.request_id).toMatch(/^v-/)
    const id = "wh_AAAAAAAAAAAAAAAAAAAAAAAA"
    for (const op of [
      (w: Webhooks) => w.get(project, id),
      (w: Webhooks) => w.update(project, id, { ...body, active: true }),
      (w: Webhooks) => w.delete(project, id)
    ]) {
      const e = await failure(op)
      expect(e).toMatchObject({ _tag: "NotFoundError", resource: "webhook", resource_id: id, status: 404 })
    }
  })

  it("an event the sandbox does not know → ValidationError from the server", async () => {
    const e = await failure((w) =>
      w.create(project, { ...body, events: ["redemption.invented"] }, { allowUnknownEvents: true })
    )
    expect(e).toMatchObject({ _tag: "ValidationError", source: "server", status: 400, key: "invalid_payload" })
    expect(e.message).toContain("redemption.invented")
  })

  it("429 beyond the client's patience → RateLimitError with retryAfterMs", async () => {
    await s.run(s.sandbox.setRateLimit({ limit: 1, windowMs: 60_000 }))
    await client((w) => w.list(project))
    const e = await failure((w) => w.list(project), { maxRetryAfter: Duration.seconds(5) })
    expect(e).toMatchObject({ _tag: "RateLimitError", status: 429 })
    expect(e._tag === "RateLimitError" && e.retryAfterMs).toBeGreaterThan(50_000)
    expect(await requests()).toBe(2)
  })

  it("errorRate 1 → HttpError server_error after the configured retries", async () => {
    await s.run(s.sandbox.setFaults({ errorRate: 1 }))
    const e = await failure((w) => w.list(project), { maxRetries: 2 })
    expect(e).toMatchObject({ _tag: "HttpError", reason: "server_error", status: 500 })
    expect(await requests()).toBe(3)
  })

  it("a malformed 200 body → HttpError decode", async () => {
    await s.run(s.sandbox.setFaults({ malformedRate: 1 }))
    const e = await failure((w) => w.list(project), { maxRetries: 0 })
    expect(e).toMatchObject({ _tag: "HttpError", reason: "decode" })
  })

  it("a request slower than the client's timeout → HttpError timeout", async () => {
    await s.run(s.sandbox.setFaults({ latencyMs: 500 }))
    const e = await failure((w) => w.list(project), { timeout: Duration.millis(100), maxRetries: 0 })
    expect(e).toMatchObject({ _tag: "HttpError", reason: "timeout" })
  })
})

describe("retries against real faults", () => {
  it("waits out a 429 per Retry-After, then succeeds", async () => {
    await s.run(s.sandbox.setRateLimit({ limit: 1, windowMs: 1000 }))
    await client((w) => w.list(project))
    const t0 = Date.now()
    const list = await client((w) => w.list(project))
    expect(list.total).toBe(0)
    // Retry-After is whole seconds: the client slept about one second, not its own short backoff.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
    expect(await requests()).toBe(3)
  })

  it("a create waits out a 429 too (it certainly did not apply)", async () => {
    await s.run(s.sandbox.setRateLimit({ limit: 1, windowMs: 1000 }))
    await client((w) => w.list(project))
    const created = await client((w) => w.create(project, body))
    expect(created.id).toMatch(/^wh_/)
    await s.run(s.sandbox.setRateLimit({ limit: 0, windowMs: 1000 }))
    expect((await client((w) => w.list(project))).total).toBe(1)
  })

  it("GET is retried through 500s and succeeds once the server recovers", async () => {
    await s.run(s.sandbox.setFaults({ errorRate: 1 }))
    const pending = client((w) => w.list(project), { maxRetries: 3 })
    // The first retry comes after ≥125 ms of backoff; recover before it.
    await new Promise((r) => setTimeout(r, 60))
    await s.run(s.sandbox.setFaults({ errorRate: 0 }))
    expect((await pending).total).toBe(0)
    expect(await requests()).toBe(2)
  })

  it("GET is retried through dropped connections and succeeds once the server recovers", async () => {
    await s.run(s.sandbox.setFaults({ dropRate: 1 }))
    const pending = client((w) => w.list(project), { maxRetries: 3 })
    await new Promise((r) => setTimeout(r, 60))
    await s.run(s.sandbox.setFaults({ dropRate: 0 }))
    expect((await pending).total).toBe(0)
    expect(await requests()).toBe(2)
  })

  it("POST is not retried after a 500: one request, no duplicate", async () => {
    await s.run(s.sandbox.setFaults({ errorRate: 1 }))
    const e = await failure((w) => w.create(project, body), { maxRetries: 3 })
    expect(e).toMatchObject({ _tag: "HttpError", reason: "server_error" })
    expect(await requests()).toBe(1)
  })

  it("POST is not retried after a dropped connection (it may have applied)", async () => {
    await s.run(s.sandbox.setFaults({ dropRate: 1 }))
    const e = await failure((w) => w.create(project, body), { maxRetries: 3 })
    expect(e).toMatchObject({ _tag: "HttpError", reason: "transport", notSent: false })
    expect(await requests()).toBe(1)
    await s.run(s.sandbox.setFaults({ dropRate: 0 }))
    expect((await client((w) => w.list(project))).total).toBe(0)
  })
})
