import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { serve } from "@hono/node-server"
import * as Effect from "effect/Effect"
import express from "express"
import Fastify from "fastify"
import { Hono } from "hono"
import { afterEach, describe, expect, it } from "vitest"
import { makeDelivery } from "../src/MakeDelivery.js"
import { fastifyWebhookPlugin } from "../src/ReceiveFastify.js"
import { fetchWebhookHandler } from "../src/ReceiveFetch.js"
import { nodeWebhookHandler } from "../src/ReceiveNode.js"
import type { ReceiveProblem, ReceiverOptions } from "../src/Receiver.js"
import { signPayload } from "../src/Signature.js"
import { isDeliveryOf, type ParsedDelivery } from "../src/TypedDelivery.js"
import { postWhileWriting } from "./slowWriter.js"

interface Started {
  readonly url: string
  readonly close: () => Promise<void>
}

const listening = (server: http.Server, path: string): Promise<Started> =>
  new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}${path}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

/** Each way people receive, started over loopback with the real framework. */
const adapters: Record<string, (options: ReceiverOptions) => Promise<Started>> = {
  "node:http": (options) => listening(http.createServer(nodeWebhookHandler(options)), "/"),
  express: (options) => {
    const app = express()
    app.post("/hooks/voucherify", nodeWebhookHandler(options))
    return listening(http.createServer(app), "/hooks/voucherify")
  },
  "express, after express.json()": (options) => {
    const app = express()
    app.use(express.json())
    app.post("/hooks/voucherify", nodeWebhookHandler(options))
    return listening(http.createServer(app), "/hooks/voucherify")
  },
  fastify: async (options) => {
    const app = Fastify()
    await app.register(fastifyWebhookPlugin({ ...options, path: "/voucherify" }), { prefix: "/hooks" })
    const address = await app.listen({ port: 0, host: "127.0.0.1" })
    return { url: `${address}/hooks/voucherify`, close: () => app.close() }
  },
  "hono on @hono/node-server": async (options) => {
    const app = new Hono()
    const receive = fetchWebhookHandler(options)
    app.post("/hooks/voucherify", (c) => receive(c.req.raw))
    const server = await new Promise<http.Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as http.Server))
    })
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}/hooks/voucherify`,
      close: () => new Promise<void>((done) => server.close(() => done()))
    }
  }
}

const secret = "whsec_receivers"
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })

const signed = (body: string) => ({ "x-voucherify-signature": signPayload(body, secret) })

const aDelivery = async (type = "redemption.succeeded") =>
  JSON.stringify(await Effect.runPromise(makeDelivery(type, { projectId: "proj_receivers" })))

/** A receiver that records what it handled and what went wrong. */
const recording = (onDelivery: ReceiverOptions["onDelivery"] = () => {}) => {
  const handled: Array<ParsedDelivery> = []
  const problems: Array<ReceiveProblem> = []
  const options: ReceiverOptions = {
    secret,
    onDelivery: (parsed) => {
      handled.push(parsed)
      return onDelivery(parsed)
    },
    onError: (problem) => problems.push(problem)
  }
  return { handled, problems, options }
}

describe.each(Object.entries(adapters))("%s", (_name, start) => {
  const started = async (options: ReceiverOptions) => {
    const s = await start(options)
    cleanups.push(s.close)
    return s
  }

  it("answers 200 to a genuine delivery and hands over the typed delivery and the signed bytes", async () => {
    const r = recording()
    const { url } = await started(r.options)
    const body = await aDelivery()
    const response = await post(url, body, signed(body))
    expect(response.status).toBe(200)
    const id = (JSON.parse(body) as { id: string }).id
    expect(await response.json()).toEqual({ received: true, id })
    expect(r.handled).toHaveLength(1)
    const [parsed] = r.handled
    expect(Buffer.from(parsed!.signedBody).toString()).toBe(body)
    // After express.json() the adapter rebuilt the body from the parsed object: reported as the compact form.
    expect(parsed!.verifiedAs).toBe(_name.includes("express.json") ? "compact" : "raw")
    const { delivery } = parsed!
    if (!isDeliveryOf(delivery, "redemption.succeeded")) throw new Error("not typed")
    expect(delivery.data.redemption?.amount).toBe(2980)
    expect(parsed!.mismatches).toEqual([])
  })

  it("acknowledges a replay of the same delivery without handling it again", async () => {
    const r = recording()
    const { url } = await started(r.options)
    const body = await aDelivery()
    expect((await post(url, body, signed(body))).status).toBe(200)
    const again = await post(url, body, signed(body))
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ received: true, duplicate: true })
    expect(r.handled).toHaveLength(1)
  })

  it("answers 401 with the reason to a missing or wrong signature, 400 to signed non-JSON, and handles nothing", async () => {
    const r = recording()
    const { url } = await started(r.options)
    const body = await aDelivery()
    type Case = readonly [string | Uint8Array, Record<string, string>, number, string]
    const notJson: Case = ["not json", signed("not json"), 400, "NotJson"]
    const cases: Array<Case> = [
      [body, {}, 401, "MissingSignature"],
      [body, { "x-voucherify-signature": "nope" }, 401, "MalformedSignature"],
      [body, { "x-voucherify-signature": signPayload(body, "other-secret") }, 401, "SignatureMismatch"],
      // express.json() answers a non-JSON body itself (its own 400) before the handler sees it.
      ...(_name.includes("express.json") ? [] : [notJson]),
      ['{"id":1}', signed('{"id":1}'), 400, "NotAnEnvelope"]
    ]
    for (const [payload, headers, status, reason] of cases) {
      const response = await post(url, payload, headers)
      const answer = (await response.json()) as { error: string; message: string }
      expect({ reason, status: response.status, error: answer.error }).toEqual({ reason, status, error: reason })
      expect(answer.message).not.toContain(secret)
    }
    expect(r.handled).toEqual([])
    expect(r.problems.map((p) => p._tag)).toEqual(cases.map(() => "Rejected"))
  })

  it("answers 500 when onDelivery fails, and handles Voucherify's retry", async () => {
    let calls = 0
    const r = recording(async () => {
      if (++calls === 1) throw new Error("database is down")
    })
    const { url } = await started(r.options)
    const body = await aDelivery()
    const first = await post(url, body, signed(body))
    expect(first.status).toBe(500)
    expect(JSON.stringify(await first.json())).not.toContain("database is down")
    const retry = await post(url, body, signed(body))
    expect(retry.status).toBe(200)
    expect(await retry.json()).not.toHaveProperty("duplicate")
    expect(calls).toBe(2)
    expect(r.problems).toMatchObject([{ _tag: "HandlerFailed", type: "redemption.succeeded" }])
  })

  it("answers 413 above maxBodyBytes (a response, not a reset)", async () => {
    const r = recording()
    const { url } = await started({ ...r.options, maxBodyBytes: 2048 })
    const big = JSON.stringify({ padding: "x".repeat(64 * 1024) })
    const response = await post(url, big, signed(big))
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: "TooLarge" })
    expect(r.handled).toEqual([])
    // A delivery under the limit still goes through.
    const { url: roomy } = await started({ ...r.options, maxBodyBytes: 64 * 1024 })
    const body = await aDelivery()
    expect((await post(roomy, body, signed(body))).status).toBe(200)
  })

  it("answers 413 to a client still writing a large body (read to its end, then answered: no reset)", async () => {
    const { url } = await started({ ...recording().options, maxBodyBytes: 2048 })
    // Written in 16 KiB pieces 2 ms apart, answer read only after the last one.
    const answer = await postWhileWriting({
      url,
      headers: { "content-type": "application/json", "x-voucherify-signature": "0".repeat(64) },
      total: 512 * 1024,
      piece: 16 * 1024,
      pauseMs: 2
    })
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer).toContain("TooLarge")
  })

  it("with acknowledge: on-receipt, answers 202 before a slow onDelivery finishes", async () => {
    let finish: () => void = () => {}
    const finished = new Promise<void>((resolve) => {
      finish = resolve
    })
    let done = false
    const r = recording(async () => {
      await finished
      done = true
    })
    const { url } = await started({ ...r.options, acknowledge: "on-receipt" })
    const body = await aDelivery()
    const response = await post(url, body, signed(body))
    expect(response.status).toBe(202)
    expect(done).toBe(false)
    finish()
    await finished
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(done).toBe(true)
  })
})

describe("raw-body pitfalls, per framework", () => {
  const started = async (s: Promise<Started>) => {
    const r = await s
    cleanups.push(r.close)
    return r
  }

  it("node:http verifies a re-indented body through its compact form and hands over the compact bytes", async () => {
    const r = recording()
    const { url } = await started(adapters["node:http"]!(r.options))
    const body = await aDelivery()
    const pretty = JSON.stringify(JSON.parse(body), null, 2)
    expect((await post(url, pretty, signed(body))).status).toBe(200)
    expect(r.handled[0]!.verifiedAs).toBe("compact")
    expect(Buffer.from(r.handled[0]!.signedBody).toString()).toBe(body)
  })

  it("node:http answers 405 to anything but POST", async () => {
    const { url } = await started(adapters["node:http"]!(recording().options))
    const response = await fetch(url)
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("POST")
  })

  it("express: after express.json() a re-indented delivery verifies through its compact form, unless the fallback is off", async () => {
    const r = recording()
    const body = await aDelivery()
    const pretty = JSON.stringify(JSON.parse(body), null, 2)
    for (const compactFallback of [true, false]) {
      const app = express()
      app.use(express.json())
      app.post("/hooks", nodeWebhookHandler({ ...r.options, compactFallback }))
      const { url } = await started(listening(http.createServer(app), "/hooks"))
      const response = await post(url, pretty, signed(body))
      expect(response.status).toBe(compactFallback ? 200 : 500)
      if (!compactFallback) {
        expect(((await response.json()) as { message: string }).message).toContain("compactFallback is off")
      }
    }
    expect(r.handled).toHaveLength(1)
    expect(r.handled[0]!.verifiedAs).toBe("compact")
    expect(Buffer.from(r.handled[0]!.signedBody).toString()).toBe(body)
  })

  it("express: mounted after express.raw() it verifies the raw bytes", async () => {
    const r = recording()
    const app = express()
    app.post("/hooks", express.raw({ type: "*/*" }), nodeWebhookHandler(r.options))
    const { url } = await started(listening(http.createServer(app), "/hooks"))
    const body = await aDelivery()
    expect((await post(url, body, signed(body))).status).toBe(200)
    expect(r.handled[0]!.verifiedAs).toBe("raw")
  })

  it("express: a body a parser consumed without keeping it is a 500 that says how to mount the handler", async () => {
    const r = recording()
    const app = express()
    // A parser that reads the stream and keeps nothing usable.
    app.use((req, _res, next) => {
      req.on("data", () => {})
      req.on("end", () => next())
    })
    app.post("/hooks", nodeWebhookHandler(r.options))
    const { url } = await started(listening(http.createServer(app), "/hooks"))
    const body = await aDelivery()
    const response = await post(url, body, signed(body))
    expect(response.status).toBe(500)
    expect(((await response.json()) as { message: string }).message).toContain("mount the handler before body parsers")
    expect(r.problems.map((p) => p._tag)).toEqual(["BodyUnavailable"])
  })

  it("fastify: the plugin reads raw bytes only in its own scope; the app's other routes still parse JSON", async () => {
    const r = recording()
    const app = Fastify()
    app.post("/echo", async (request) => ({ parsed: request.body }))
    await app.register(fastifyWebhookPlugin({ ...r.options, path: "/hooks" }))
    const address = await app.listen({ port: 0, host: "127.0.0.1" })
    cleanups.push(() => app.close())
    const body = await aDelivery()
    expect((await post(`${address}/hooks`, body, signed(body))).status).toBe(200)
    expect(r.handled[0]!.verifiedAs).toBe("raw")
    expect(await (await post(`${address}/echo`, '{"a":1}')).json()).toEqual({ parsed: { a: 1 } })
  })

  it("hono: a body already read with c.req.json() is a 500 that says to pass the request unread", async () => {
    const r = recording()
    const app = new Hono()
    const receive = fetchWebhookHandler(r.options)
    app.post("/hooks", async (c) => {
      await c.req.json()
      return receive(c.req.raw)
    })
    const response = await app.request("/hooks", { method: "POST", body: '{"a":1}', headers: signed('{"a":1}') })
    expect(response.status).toBe(500)
    expect(((await response.json()) as { message: string }).message).toContain("unread")
  })
})

describe("receiver set-up", () => {
  it("refuses an empty secret and a silly body limit at start-up, saying what to pass", () => {
    expect(() => nodeWebhookHandler({ secret: "", onDelivery: () => {} })).toThrow(/secret is empty/)
    expect(() => fetchWebhookHandler({ secret: [], onDelivery: () => {} })).toThrow(/secret is empty/)
    expect(() => fastifyWebhookPlugin({ secret, onDelivery: () => {}, maxBodyBytes: 0 })).toThrow(/positive integer/)
  })

  it("accepts an Effect from onDelivery, and its failure is a 500", async () => {
    const app = new Hono()
    let ran = 0
    const receive = fetchWebhookHandler({
      secret,
      onError: () => {},
      onDelivery: ({ delivery }) =>
        delivery.type === "voucher.created" ? Effect.sync(() => void ran++) : Effect.fail("not today")
    })
    app.post("/hooks", (c) => receive(c.req.raw))
    const ok = await aDelivery("voucher.created")
    expect((await app.request("/hooks", { method: "POST", body: ok, headers: signed(ok) })).status).toBe(200)
    const bad = await aDelivery("voucher.deleted")
    expect((await app.request("/hooks", { method: "POST", body: bad, headers: signed(bad) })).status).toBe(500)
    expect(ran).toBe(1)
  })
})
