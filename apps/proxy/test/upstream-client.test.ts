import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Undici from "@effect/platform-node/Undici"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as UpstreamClient from "../src/UpstreamClient.js"

// A real server on loopback: what it received, and a way to script each answer by path.
const seen: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }> = []
const aborted: Array<string> = []
let server: Server
let base: string
const agent = new Undici.Agent()
const client = UpstreamClient.make(agent, { maxResponseBytes: 64 * 1024 })
const run = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>) =>
  Effect.runPromise(Effect.provideService(effect, HttpClient.HttpClient, client))

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => {
      body += c
    })
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })
      if (req.url === "/json") {
        res.writeHead(200, {
          "content-type": "application/json",
          "set-cookie": ["a=1", "b=2"],
          "x-rate-limit-remaining": "7"
        })
        res.end(JSON.stringify({ ok: true, n: 1 }))
      } else if (req.url === "/chunked") {
        res.writeHead(429, { "retry-after": "3" })
        res.write('{"code":')
        setTimeout(() => res.end("429}"), 5)
      } else if (req.url === "/huge") {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(`"${"x".repeat(100 * 1024)}"`)
      } else if (req.url === "/empty") {
        res.writeHead(204)
        res.end()
      } else if (req.url === "/slow") {
        res.on("close", () => {
          if (!res.writableFinished) aborted.push(req.url ?? "")
        })
        setTimeout(() => res.end("late"), 5_000)
      } else if (req.url === "/hangup") {
        req.socket.destroy()
      } else {
        res.writeHead(200)
        res.end(body)
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await agent.destroy()
})

describe("UpstreamClient (the proxy's buffered undici client)", () => {
  it("returns status, headers, cookies and the body as text, json, bytes and a stream", async () => {
    const r = await run(
      Effect.gen(function* () {
        const res = yield* HttpClient.get(`${base}/json`)
        return {
          status: res.status,
          remaining: res.headers["x-rate-limit-remaining"],
          cookies: res.cookies.cookies,
          text: yield* res.text,
          json: yield* res.json,
          bytes: new TextDecoder().decode(yield* res.arrayBuffer),
          streamed: yield* Stream.runCollect(res.stream).pipe(Effect.map((c) => [...c].flatMap((u) => [...u]).length))
        }
      }).pipe(Effect.scoped)
    )
    expect(r.status).toBe(200)
    expect(r.remaining).toBe("7")
    expect(Object.keys(r.cookies).sort()).toEqual(["a", "b"])
    expect(r.text).toBe('{"ok":true,"n":1}')
    expect(r.json).toEqual({ ok: true, n: 1 })
    expect(r.bytes).toBe(r.text)
    expect(r.streamed).toBe(r.text.length)
  })

  it("sends method, headers and a JSON body, with content type and length", async () => {
    const before = seen.length
    const text = await run(
      HttpClient.execute(
        HttpClientRequest.put(`${base}/echo`, { urlParams: { q: "a b" } }).pipe(
          HttpClientRequest.setHeader("x-management-id", "m1"),
          HttpClientRequest.bodyUnsafeJson({ target_url: "https://example.com/h", events: ["voucher.created"] })
        )
      ).pipe(
        Effect.flatMap((res) => res.text),
        Effect.scoped
      )
    )
    const got = seen[before]!
    expect(got.method).toBe("PUT")
    expect(got.url).toBe("/echo?q=a+b")
    expect(got.headers["x-management-id"]).toBe("m1")
    expect(got.headers["content-type"]).toBe("application/json")
    expect(Number(got.headers["content-length"])).toBe(got.body.length)
    expect(JSON.parse(got.body)).toEqual({ target_url: "https://example.com/h", events: ["voucher.created"] })
    expect(text).toBe(got.body)
  })

  it("reads a body that arrives in several chunks, whatever the status", async () => {
    const r = await run(
      HttpClient.get(`${base}/chunked`).pipe(
        Effect.flatMap((res) =>
          Effect.map(res.text, (text) => ({ status: res.status, retry: res.headers["retry-after"], text }))
        ),
        Effect.scoped
      )
    )
    expect(r).toEqual({ status: 429, retry: "3", text: '{"code":429}' })
  })

  it("answers 204 with an empty body", async () => {
    const r = await run(
      HttpClient.del(`${base}/empty`).pipe(
        Effect.flatMap((res) => Effect.map(res.text, (text) => ({ status: res.status, text }))),
        Effect.scoped
      )
    )
    expect(r).toEqual({ status: 204, text: "" })
  })

  it("refuses an answer over the size limit as a transport error", async () => {
    const r = await run(Effect.either(Effect.scoped(HttpClient.get(`${base}/huge`))))
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) {
      expect(r.left._tag).toBe("RequestError")
      expect(String((r.left.cause as Error).message)).toContain("larger than 65536 bytes")
    }
  })

  it("keeps the error code of a refused connection (core retries a POST only when it provably never left)", async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    const r = await run(Effect.either(Effect.scoped(HttpClient.post(`http://127.0.0.1:${port}/x`))))
    expect(Either.isLeft(r) && r.left._tag === "RequestError" && r.left.reason).toBe("Transport")
    if (Either.isLeft(r)) expect((r.left.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED")
  })

  it("reports a dropped connection as a transport error", async () => {
    const r = await run(Effect.either(Effect.scoped(HttpClient.get(`${base}/hangup`))))
    expect(Either.isLeft(r) && r.left._tag === "RequestError" && r.left.reason).toBe("Transport")
  })

  it("aborts the upstream request when the caller is interrupted (a timeout)", async () => {
    const r = await run(Effect.scoped(HttpClient.get(`${base}/slow`)).pipe(Effect.timeoutOption(Duration.millis(100))))
    expect(r._tag).toBe("None")
    await new Promise((res) => setTimeout(res, 200))
    expect(aborted).toContain("/slow")
  })

  it("turns a request undici refuses (a header with a line break) into a typed error, not a crash", async () => {
    const r = await run(
      Effect.either(Effect.scoped(HttpClient.get(`${base}/json`, { headers: { "x-management-id": "a\r\nx-evil: 1" } })))
    )
    expect(Either.isLeft(r) && r.left._tag).toBe("RequestError")
  })

  it("refuses a URL it cannot parse", async () => {
    const r = await run(Effect.either(Effect.scoped(HttpClient.get("not a url"))))
    expect(Either.isLeft(r) && r.left._tag === "RequestError" && r.left.reason).toBe("InvalidUrl")
  })
})
