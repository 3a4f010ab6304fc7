import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as WebhooksConfig from "../src/Config.js"
import { Webhooks, withDeadline } from "../src/Webhooks.js"

// A real server on loopback that never answers ("hang") or always answers 503: the two ways retries could make
// a caller wait far longer than it asked to.
let mode: "hang" | "503" = "hang"
let requests = 0
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  requests++
  req.resume()
  if (mode === "503") {
    res.writeHead(503, { "content-type": "application/json" })
    res.end(JSON.stringify({ code: 503, message: "Service Unavailable" }))
  }
})
let url = ""
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

// Per attempt 30 s and 3 retries, as by default: without a deadline a hung server holds a call for minutes.
const layer = () =>
  Webhooks.Default.pipe(
    Layer.provide(
      WebhooksConfig.layer({
        baseUrl: url,
        credentials: Option.some({ managementId: "id", managementToken: Redacted.make("token") }),
        timeout: Duration.seconds(30),
        maxRetries: 3
      })
    ),
    Layer.provide(FetchHttpClient.layer)
  )

const timed = <A, E>(effect: Effect.Effect<A, E, Webhooks>) =>
  Effect.gen(function* () {
    const started = Date.now()
    const result = yield* Effect.flip(effect)
    return { error: result, ms: Date.now() - started }
  }).pipe(Effect.provide(layer()))

describe("one deadline for a call, retries included", () => {
  it.live("a hung server: the attempt ends at the deadline, saying so", () =>
    Effect.gen(function* () {
      mode = "hang"
      const { error, ms } = yield* timed(
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
      mode = "503"
      requests = 0
      const { error, ms } = yield* timed(
        Effect.flatMap(Webhooks, (w) => w.list("proj_x")).pipe(withDeadline(Duration.millis(700)))
      )
      // Far below what 3 retries with back-off would take past the deadline; the exact bound is in the message.
      expect(ms).toBeLessThan(3_000)
      expect(error).toMatchObject({ _tag: "HttpError", reason: "server_error" })
      expect(error.message).toMatch(new RegExp(`gave up after ${requests} attempts? over 0\\.\\d s`))
      expect(requests).toBeGreaterThanOrEqual(1)
    })
  )

  it.live("a change cut by the deadline may have been applied", () =>
    Effect.gen(function* () {
      mode = "hang"
      const { error } = yield* timed(
        Effect.flatMap(Webhooks, (w) =>
          w.create("proj_x", { target_url: "https://example.com/a", events: ["voucher.created"] })
        ).pipe(withDeadline(Duration.millis(300)))
      )
      expect(error).toMatchObject({ _tag: "HttpError", mayHaveBeenApplied: true })
      expect(error.message).toContain("may have been created anyway")
    })
  )
})
