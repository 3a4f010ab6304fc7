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
import { mayHaveBeenApplied } from "../src/Errors.js"
import { Webhooks } from "../src/Webhooks.js"
import { webhookJson } from "./fakeHttp.js"

// A real server on loopback that applies each change and then loses the answer in a chosen way: the case where a
// caller told "try again" would create a duplicate.
type Loss = "reset" | "cut" | "garbled" | "slow" | "500"
let loss: Loss = "reset"
const applied: Array<string> = []
const lose = (req: IncomingMessage, res: ServerResponse) => {
  applied.push(`${req.method} ${req.url}`)
  switch (loss) {
    case "reset":
      return req.socket.destroy()
    case "cut":
      res.writeHead(200, { "content-type": "application/json", "content-length": "400" })
      res.write('{"id":"wh_')
      return setTimeout(() => req.socket.destroy(), 20)
    case "garbled":
      res.writeHead(200, { "content-type": "application/json" })
      return res.end('{"id":"wh_')
    case "slow":
      return setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"), 2_000)
    case "500":
      res.writeHead(500, { "content-type": "application/json" })
      return res.end(JSON.stringify({ code: 500, message: "Internal Server Error" }))
  }
}
const server = createServer((req, res) => {
  req.resume()
  req.on("end", () => lose(req, res))
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

const layer = (baseUrl: string) =>
  Webhooks.Default.pipe(
    Layer.provide(
      WebhooksConfig.layer({
        baseUrl,
        credentials: Option.some({ managementId: "id", managementToken: Redacted.make("token") }),
        timeout: Duration.millis(500),
        maxRetries: 2
      })
    ),
    Layer.provide(FetchHttpClient.layer)
  )
const failure = <A, E>(use: (w: Webhooks) => Effect.Effect<A, E>, baseUrl = url) =>
  Effect.flip(Effect.flatMap(Webhooks, use)).pipe(Effect.provide(layer(baseUrl)))

const body = { target_url: "https://example.com/hook", events: ["redemption.succeeded"] }

describe("a change whose answer is lost may have been applied (over loopback)", () => {
  for (const how of ["reset", "cut", "garbled", "slow", "500"] as const) {
    it.live(`create, answer lost (${how}): mayHaveBeenApplied, says how to check, never "try again", sent once`, () =>
      Effect.gen(function* () {
        loss = how
        applied.length = 0
        const error = yield* failure((w) => w.create("proj_X", body))
        expect(error._tag).toBe("HttpError")
        expect(mayHaveBeenApplied(error)).toBe(true)
        expect(error.message).toContain("may have been created")
        expect(error.message).toContain("vwh webhooks list --project proj_X")
        expect(error.message).not.toMatch(/try again/i)
        expect(applied).toEqual(["POST /management/v1/projects/proj_X/webhooks"])
      })
    )
  }

  it.live("update and delete say so too, and that repeating them is safe", () =>
    Effect.gen(function* () {
      loss = "500"
      const update = yield* failure((w) => w.update("proj_X", "wh_1", { ...body, active: true }))
      expect(mayHaveBeenApplied(update)).toBe(true)
      expect(update.message).toContain("may have been applied: check with `vwh webhooks get --project proj_X wh_1`")
      loss = "reset"
      const remove = yield* failure((w) => w.delete("proj_X", "wh_1"))
      expect(mayHaveBeenApplied(remove)).toBe(true)
      expect(remove.message).toContain("may have been deleted")
    })
  )

  it.live("a read that fails is not a change: no mayHaveBeenApplied", () =>
    Effect.gen(function* () {
      loss = "reset"
      const error = yield* failure((w) => w.list("proj_X"))
      expect(error).toMatchObject({ _tag: "HttpError", reason: "transport" })
      expect(mayHaveBeenApplied(error)).toBe(false)
    })
  )

  it.live("a create that was refused at connect was not sent: notSent, not mayHaveBeenApplied", () =>
    Effect.gen(function* () {
      const closed = createServer()
      yield* Effect.promise(() => new Promise<void>((r) => closed.listen(0, "127.0.0.1", r)))
      const port = (closed.address() as AddressInfo).port
      yield* Effect.promise(() => new Promise((r) => closed.close(r)))
      const error = yield* failure((w) => w.create("proj_X", body), `http://127.0.0.1:${port}`)
      expect(error).toMatchObject({ _tag: "HttpError", reason: "transport", notSent: true })
      expect(mayHaveBeenApplied(error)).toBe(false)
      expect(error.message).toContain("nothing was sent")
    })
  )

  it.live("the answer arriving normally is a success (control)", () =>
    Effect.gen(function* () {
      const ok = createServer((req, res) => {
        req.resume()
        req.on("end", () =>
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(webhookJson()))
        )
      })
      yield* Effect.promise(() => new Promise<void>((r) => ok.listen(0, "127.0.0.1", r)))
      const base = `http://127.0.0.1:${(ok.address() as AddressInfo).port}`
      const created = yield* Effect.flatMap(Webhooks, (w) => w.create("proj_X", body)).pipe(Effect.provide(layer(base)))
      expect(created.id).toBe("wh_ekFHVL6lqC4lDuIFxpETSGa3")
      ok.closeAllConnections()
      ok.close()
    })
  )
})
