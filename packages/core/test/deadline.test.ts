import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { Webhooks, withDeadline } from "../src/Webhooks.js"
import { webhooksWith } from "./fakeHttp.js"

// A server that never answers, or answers 503 every time: the two ways retries could make a caller wait far
// longer than it asked to. Per attempt 30 s and 3 retries, as by default: without a deadline a hung server holds
// a call for minutes.
const config = { timeout: Duration.seconds(30), maxRetries: 3 }

const fail = <A, E>(replies: Parameters<typeof webhooksWith>[0], call: Effect.Effect<A, E, Webhooks>) => {
  const fake = webhooksWith(replies, config)
  return Effect.gen(function* () {
    const started = Date.now()
    const error = yield* Effect.flip(call)
    return { error, ms: Date.now() - started, attempts: fake.seen.length }
  }).pipe(Effect.provide(fake.layer))
}

describe("one deadline for a call, retries included", () => {
  it.live("a hung server: the attempt ends at the deadline, saying so", () =>
    Effect.gen(function* () {
      const { error, ms } = yield* fail(
        ["hang"],
        Effect.flatMap(Webhooks, (w) => w.list("proj_x")).pipe(withDeadline(Duration.millis(600)))
      )
      expect(ms).toBeLessThan(3_000)
      expect(error).toMatchObject({ _tag: "HttpError", reason: "timeout" })
      expect(error.message).toMatch(/did not answer list within the deadline of 600ms \(1 attempt over 0\.\d s\)/)
      expect(error.message).toContain("VOUCHERIFY_TIMEOUT")
    })
  )

  it.live("a failing server: no retry starts that would pass the deadline; the error counts the attempts", () =>
    Effect.gen(function* () {
      const { error, ms, attempts } = yield* fail(
        [{ status: 503, body: { code: 503, message: "Service Unavailable" } }],
        Effect.flatMap(Webhooks, (w) => w.list("proj_x")).pipe(withDeadline(Duration.millis(700)))
      )
      // Far below what 3 retries with back-off would take; the exact figure is in the message.
      expect(ms).toBeLessThan(3_000)
      expect(error).toMatchObject({ _tag: "HttpError", reason: "server_error" })
      expect(error.message).toMatch(new RegExp(`gave up after ${attempts} attempts? over 0\\.\\d s`))
      expect(attempts).toBeLessThanOrEqual(3)
    })
  )

  it.live("a change cut by the deadline may have been applied", () =>
    Effect.gen(function* () {
      const { error } = yield* fail(
        ["hang"],
        Effect.flatMap(Webhooks, (w) =>
          w.create("proj_x", { target_url: "https://example.com/a", events: ["voucher.created"] })
        ).pipe(withDeadline(Duration.millis(300)))
      )
      expect(error).toMatchObject({ _tag: "HttpError", mayHaveBeenApplied: true })
      expect(error.message).toContain("may have been created anyway")
    })
  )

  // The CLI sets both to --timeout: a race between two equal timers gave "within 1s; raise VOUCHERIFY_TIMEOUT or try
  // again" (the per-attempt wording) when no millisecond passed between setting the deadline and the attempt.
  it.effect("a deadline equal to the per-attempt timeout is the one the error names", () =>
    Effect.gen(function* () {
      const fake = webhooksWith(["hang"], { timeout: Duration.seconds(1), maxRetries: 3 })
      const fiber = yield* Effect.fork(
        Effect.flip(
          Effect.flatMap(Webhooks, (w) => w.list("proj_x")).pipe(
            withDeadline(Duration.seconds(1)),
            Effect.provide(fake.layer)
          )
        )
      )
      yield* TestClock.adjust(Duration.seconds(1))
      const error = yield* Fiber.join(fiber)
      expect(error.message).toMatch(/did not answer list within the deadline of 1s \(1 attempt over 1\.0 s\)/)
      expect(error.message).not.toContain("try again")
    })
  )

  it.live("without a deadline, retries go on as configured", () =>
    Effect.gen(function* () {
      const { attempts } = yield* fail(
        [{ status: 503, body: { code: 503, message: "Service Unavailable" } }],
        Effect.flatMap(Webhooks, (w) => w.list("proj_x"))
      )
      expect(attempts).toBe(4)
    })
  )
})
