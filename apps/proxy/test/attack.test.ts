import { request as httpRequest } from "node:http"
import { connect, type Socket } from "node:net"
import { brotliDecompressSync, gunzipSync } from "node:zlib"
import { maxEventsPerWebhook } from "@voucherify-webhooks/core/EventType"
import { maxJsonDepth } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Audit } from "../src/Audit.js"
import { maxRetryAfterSeconds } from "../src/ErrorToResponse.js"
import { auth, baseConfig, call, memoryAudit, startFakeUpstream, startProxy, webhookBody } from "./helpers.js"

// What an adversarial test found, each driven over loopback against the proxy in front of a scripted upstream that
// records what reaches it.
const collection = "/management/v1/projects/proj_a/webhooks"
const item = `${collection}/wh_aaaaaaaaaaaaaaaaaaaaaaaa`

const webhook = (target_url: string) => ({
  id: "wh_aaaaaaaaaaaaaaaaaaaaaaaa",
  object: "webhook",
  created_at: "2024-01-01T00:00:00.000Z",
  target_url,
  events: ["redemption.succeeded"],
  active: true
})

let fake: Awaited<ReturnType<typeof startFakeUpstream>>
let proxy: Awaited<ReturnType<typeof startProxy>>
const audit = memoryAudit()
beforeAll(async () => {
  // The upstream echoes the target_url it was given, as Voucherify does.
  fake = await startFakeUpstream((req, body) =>
    req.method === "GET"
      ? { status: 200, body: { object: "list", data_ref: "data", data: [], total: 0 } }
      : { status: 200, body: webhook(body ? (JSON.parse(body) as { target_url: string }).target_url : "") }
  )
  proxy = await startProxy({
    upstream: fake.upstream,
    audit: audit.layer,
    // The default body limit (64 KB), as in production: the 65 KB name fits in it.
    config: baseConfig({
      policy: { allowedHosts: ["*.example.com"] },
      limits: { requestTimeoutMs: 5_000, maxBodyBytes: 65_536 }
    })
  })
})
afterAll(async () => {
  await proxy.close()
  await fake.close()
})

const forwarded = () => fake.seen.filter((s) => s.method !== "GET").length

/** A 400 in Voucherify's shape (invalid_payload, or the policy's proxy_policy_violation), nothing forwarded; returns the details. */
const refused = async (method: string, path: string, body: string, who: "writer" | "reader" | "admin" = "admin") => {
  const before = forwarded()
  const r = await call(proxy.url, method, path, auth(who), body)
  expect(r.status, r.text.slice(0, 300)).toBe(400)
  expect(r.json).toMatchObject({ code: 400, message: "Invalid payload" })
  // The API's schema (invalid_payload, as Voucherify's own) or the proxy's policy: either way the proxy decided.
  const key = r.json.key as string
  expect(["invalid_payload", "proxy_policy_violation"]).toContain(key)
  expect(r.headers.get("x-vwh-proxy-decision")).toBe(key === "invalid_payload" ? "invalid_request" : key)
  expect(r.json.request_id).toBe(r.headers.get("x-request-id"))
  expect(forwarded()).toBe(before)
  return { details: r.json.details as string, size: r.text.length }
}

describe("1. one request cannot freeze the proxy: the work is bounded before any per-item cost", () => {
  it("a 65 KB event name is refused by its length, in a small answer", async () => {
    const r = await refused("POST", collection, JSON.stringify(webhookBody({ events: [`a.${"b".repeat(65_000)}`] })))
    expect(r.details).toBe("events.0: is 65002 characters long: event names have at most 128")
    expect(r.size).toBeLessThan(400)
  })

  it("2,500 unknown names are refused as a list too long, in a small answer", async () => {
    const events = Array.from({ length: 2_500 }, (_, i) => `ab.c${i}`)
    const r = await refused("PUT", item, JSON.stringify(webhookBody({ events })))
    expect(r.details).toContain(`events: must list at most ${maxEventsPerWebhook} events (got 2500)`)
    expect(r.size).toBeLessThan(500)
  })

  it("a full list of unknown names gets three hints and ten names, the rest counted", async () => {
    const events = Array.from({ length: maxEventsPerWebhook }, (_, i) => `voucher.creat${i}`)
    const r = await refused("POST", collection, JSON.stringify(webhookBody({ events })))
    expect(r.details.match(/did you mean/g)?.length ?? 0).toBeLessThanOrEqual(3)
    expect(r.details).toMatch(/; and 90 more problems$/)
    expect(r.size).toBeLessThan(3_000)
  })
})

describe("2. the target-URL policy and the upstream read the same host", () => {
  for (const url of [
    "https://x.example.com\\@169.254.169.254/latest",
    "https://good.com\\@127.0.0.1/",
    "https://x.example.com\t@169.254.169.254/",
    "https://x.example.com/\r\nHost: 169.254.169.254",
    "https://x.example.com/\u0000",
    "https://x.example.com/\u001b]8;;https://evil/\u0007",
    "https://x.exam\u00adple.com/"
  ]) {
    it(`${JSON.stringify(url)} is refused, nothing forwarded`, async () => {
      const r = await refused("POST", collection, JSON.stringify(webhookBody({ target_url: url })))
      expect(r.details).toMatch(/^target_url: must not contain (a backslash|U\+[0-9A-F]{4})/)
    })
  }

  for (const [url, href] of [
    ["https://X.Example.COM:443/a/./b/../c", "https://x.example.com/a/c"],
    ["https://x.example.com/%2e%2e/%2E/secret", "https://x.example.com/secret"],
    ["https://x.exampl%65.com/", "https://x.example.com/"],
    ["https://\uff58.example.com/", "https://x.example.com/"],
    ["https://b\u00fccher.example.com/", "https://xn--bcher-kva.example.com/"],
    ["https://x.example.com./", "https://x.example.com./"],
    ["https://x.example.com?a=1#frag", "https://x.example.com/?a=1#frag"]
  ] as const) {
    it(`${JSON.stringify(url)} is checked and forwarded as ${href}`, async () => {
      const before = fake.seen.length
      const r = await call(proxy.url, "POST", collection, auth("admin"), webhookBody({ target_url: url }))
      expect(r.status, r.text).toBe(200)
      const sent = fake.seen.slice(before).find((s) => s.method === "POST")!
      expect(JSON.parse(sent.body).target_url).toBe(href)
      expect(r.json.target_url).toBe(href)
    })
  }

  it("a host the WHATWG parser rewrites to one outside allowedHosts is refused by what it becomes", async () => {
    const r = await refused(
      "POST",
      collection,
      JSON.stringify(webhookBody({ target_url: "https://x.example.com%2F@evil.com/" }))
    )
    expect(r.details).toContain("target_url:")
    const ip = await refused("POST", collection, JSON.stringify(webhookBody({ target_url: "https://0x7f.1/" })))
    expect(ip.details).toContain("127.0.0.1")
  })
})

describe("3. deeply nested JSON: 400 invalid_payload, whatever the depth, wherever, whoever", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`
  for (const depth of [maxJsonDepth + 1, 3_000, 20_000]) {
    for (const who of ["writer", "reader"] as const) {
      it(`depth ${depth}, ${who}`, async () => {
        const deep = nested(depth)
        for (const [method, path, raw] of [
          ["POST", collection, `{"target_url":${deep},"events":["redemption.succeeded"]}`],
          ["PUT", item, `{"target_url":"https://x.example.com/","events":${deep},"active":true}`],
          ["POST", collection, `{"target_url":"https://x.example.com/","events":["redemption.succeeded"],"x":${deep}}`],
          ["DELETE", item, deep]
        ] as const) {
          const r = await refused(method, path, raw, who)
          expect(r.details).toContain(`nested deeper than ${maxJsonDepth} levels`)
        }
      })
    }
  }

  it("a value just under the limit is named by the schema without being printed back", async () => {
    const r = await refused(
      "POST",
      collection,
      `{"target_url":${nested(maxJsonDepth - 1)},"events":["redemption.succeeded"]}`
    )
    expect(r.details).toBe("target_url: must be a string (an absolute http(s) URL)")
  })

  it("the proxy still serves afterwards", async () => {
    expect((await call(proxy.url, "GET", collection, auth("reader"))).status).toBe(200)
  })
})

describe("5. names the policy refuses: metadata, cluster-internal and loopback, whatever the trailing dots", () => {
  let open: Awaited<ReturnType<typeof startProxy>>
  beforeAll(async () => {
    // The default policy: any public host (no allowedHosts), so only the name rules stand in the way.
    open = await startProxy({ upstream: fake.upstream, audit: memoryAudit().layer })
  })
  afterAll(() => open.close())
  const create = (host: string) =>
    call(open.url, "POST", collection, auth("admin"), webhookBody({ target_url: `https://${host}/x` }))

  for (const host of [
    "metadata.google.internal",
    "metadata.google.internal.",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "api.prod.svc",
    "redis.cluster.local",
    "printer.local",
    "vault.internal",
    "router.home.arpa",
    "1.0.0.127.in-addr.arpa",
    "localhost",
    "localhost.",
    "localhost..",
    "localhost...",
    "LOCALHOST.",
    "localhost.localdomain",
    "ip6-localhost",
    "ip6-loopback",
    "api.localhost.."
  ]) {
    it(`https://${host}/ is refused, nothing forwarded`, async () => {
      const before = forwarded()
      const r = await create(host)
      expect(r.status, r.text).toBe(400)
      expect(r.json).toMatchObject({ code: 400, key: "proxy_policy_violation" })
      expect(r.json.details).toMatch(/^target_url: must (not point at an internal|name a fully qualified public host)/)
      expect(forwarded()).toBe(before)
    })
  }

  it("public names still pass, a trailing dot included", async () => {
    for (const host of ["hooks.example.com", "hooks.example.com.", "internal.example.com", "svc.example.org"]) {
      const r = await create(host)
      expect(r.status, `${host}: ${r.text}`).toBe(200)
    }
  })
})

describe("6. the proxy's upstream credentials never reach a client or a log", () => {
  it("an upstream that echoes them in 400/403/404/500 answers: the client sees them redacted", async () => {
    let echo = { status: 400, key: "invalid_payload" }
    const leaky = await startFakeUpstream((req) => ({
      status: echo.status,
      body: {
        code: echo.status,
        key: echo.key,
        message: `bad: token=${req.headers["x-management-token"]}`,
        details: `id ${req.headers["x-management-id"]} token ${req.headers["x-management-token"]} url-encoded ${encodeURIComponent(String(req.headers["x-management-token"]))}`
      }
    }))
    const p = await startProxy({ upstream: leaky.upstream, audit: memoryAudit().layer })
    try {
      const seen: Array<string> = []
      for (const [status, key] of [
        [400, "invalid_payload"],
        [403, "forbidden"],
        [404, "not_found"],
        [500, "error"],
        [422, "unprocessable"]
      ] as const) {
        echo = { status, key }
        for (const [method, path, body] of [
          ["POST", collection, webhookBody()],
          ["GET", item, undefined],
          ["DELETE", item, undefined]
        ] as const) {
          const r = await call(p.url, method, path, auth("admin"), body)
          expect(r.status).toBeGreaterThanOrEqual(400)
          seen.push(r.text, JSON.stringify([...r.headers]))
        }
      }
      const everything = [...seen, ...p.logs].join("\n")
      expect(everything).toContain("[redacted]")
      expect(everything).not.toContain(leaky.token)
      expect(everything).not.toContain(encodeURIComponent(leaky.token))
      expect(everything).not.toContain("fake-upstream")
    } finally {
      await p.close()
      await leaky.close()
    }
  })
})

describe("7. after a change went upstream, every error says it may have been applied and how to check", () => {
  const notMade = /not made|was not|try again/i

  it("the answer is lost (reset after applying, or too slow): 502/504 saying so, sent once", async () => {
    let mode: "reset" | "slow" = "reset"
    const lossy = await startFakeUpstream((req) => {
      if (mode === "reset") {
        req.socket.destroy()
        return "hang"
      }
      return "hang"
    })
    const p = await startProxy({ upstream: lossy.upstream, audit: memoryAudit().layer })
    try {
      for (const m of ["reset", "slow"] as const) {
        mode = m
        const before = lossy.seen.length
        const r = await call(p.url, "POST", collection, auth("writer"), webhookBody())
        expect(r.status).toBe(m === "reset" ? 502 : 504)
        expect(r.json.details).toContain(
          "the webhook may have been created anyway: check with `vwh webhooks list --project proj_a` before creating it again"
        )
        expect(r.json.details).not.toMatch(notMade)
        expect(lossy.seen.length - before).toBe(1)
      }
      mode = "reset"
      const u = await call(p.url, "PUT", item, auth("writer"), webhookBody())
      expect(u.json.details).toContain(
        "the update may have been applied: check with `vwh webhooks get --project proj_a wh_aaaaaaaaaaaaaaaaaaaaaaaa`"
      )
      const d = await call(p.url, "DELETE", item, auth("writer"))
      expect(d.json.details).toContain("the webhook may have been deleted")
    } finally {
      for (const answer of lossy.pendingResponses()) answer(500)
      await p.close()
      await lossy.close()
    }
  })

  it("the upstream fails with a 5xx after a create: 502 saying it may have been applied", async () => {
    const failing = await startFakeUpstream(() => ({ status: 503, body: { code: 503, message: "busy" } }))
    const p = await startProxy({ upstream: failing.upstream, audit: memoryAudit().layer })
    try {
      const r = await call(p.url, "POST", collection, auth("writer"), webhookBody())
      expect(r.status).toBe(502)
      expect(r.json.details).toMatch(
        /^the upstream answered 503 \(server_error\); the webhook may have been created anyway/
      )
    } finally {
      await p.close()
      await failing.close()
    }
  })

  it("the audit outcome cannot be written after the change was applied: 500 that says it was applied, never 'not made'", async () => {
    const ok = await startFakeUpstream(() => ({ status: 200, body: webhook("https://x.example.com/") }))
    const trail = memoryAudit({ failPhase: "outcome" })
    const p = await startProxy({ upstream: ok.upstream, audit: trail.layer })
    try {
      const r = await call(p.url, "POST", collection, auth("writer"), webhookBody())
      expect(r.status).toBe(500)
      expect(r.json).toMatchObject({ code: 500, key: "proxy_audit_unavailable" })
      expect(r.json.details).toContain("the create was applied upstream (webhook wh_aaaaaaaaaaaaaaaaaaaaaaaa)")
      expect(r.json.details).toContain(
        "do not repeat it; see it with `vwh webhooks get --project proj_a wh_aaaaaaaaaaaaaaaaaaaaaaaa`"
      )
      expect(r.json.details).not.toMatch(notMade)
      expect(ok.seen).toHaveLength(1)
      expect(trail.records.map((x) => x.phase)).toEqual(["attempt"])
      expect(p.logs.some((l) => l.includes("audit outcome could not be written"))).toBe(true)
      // When the attempt record itself fails nothing is sent, and the answer says the change was not made.
      const nothing = memoryAudit({ failPhase: "attempt" })
      const q = await startProxy({ upstream: ok.upstream, audit: nothing.layer })
      try {
        const n = await call(q.url, "POST", collection, auth("writer"), webhookBody())
        expect(n.json.details).toBe(
          "the audit record could not be written, so the change was not made (nothing was sent upstream)"
        )
        expect(ok.seen).toHaveLength(1)
      } finally {
        await q.close()
      }
    } finally {
      await p.close()
      await ok.close()
    }
  })

  it("the request timeout cuts a forwarded change: 504 proxy_request_timeout saying it may have been applied", async () => {
    const hanging = await startFakeUpstream(() => "hang")
    const p = await startProxy({
      upstream: hanging.upstream,
      audit: memoryAudit().layer,
      config: baseConfig({ upstream: { timeoutMs: 5_000, maxRetries: 0 }, limits: { requestTimeoutMs: 300 } })
    })
    try {
      const r = await call(p.url, "POST", collection, auth("writer"), webhookBody())
      expect(r.status).toBe(504)
      expect(r.json).toMatchObject({ key: "proxy_request_timeout" })
      expect(r.json.details).toContain("the webhook may have been created anyway")
    } finally {
      for (const answer of hanging.pendingResponses()) answer(500)
      await p.close()
      await hanging.close()
    }
  })
})

describe("8. a 401 is logged without the client id it claimed", () => {
  it("a configured id with a wrong key: the access line names no client", async () => {
    const before = proxy.logs.length
    const r = await call(proxy.url, "GET", collection, {
      "x-management-id": "admin",
      "x-management-token": "vwhk_guess"
    })
    expect(r.status).toBe(401)
    const line = proxy.logs
      .slice(before)
      .map((l) => JSON.parse(l))
      .find((l) => l.message === "request")
    expect(line.annotations).toMatchObject({ status: 401 })
    expect(line.annotations).not.toHaveProperty("client")
    expect(JSON.stringify(line)).not.toContain("admin")
  })
})

describe("an unexpected failure (a bug) is a 500 in Voucherify's shape and one log line, never an empty answer", () => {
  it("an audit sink that throws", async () => {
    const ok = await startFakeUpstream(() => ({ status: 200, body: webhook("https://x.example.com/") }))
    const broken = Layer.succeed(Audit, { write: () => Effect.die(new TypeError("sink exploded")) })
    const p = await startProxy({ upstream: ok.upstream, audit: broken })
    try {
      const r = await call(p.url, "POST", collection, auth("writer"), webhookBody())
      expect(r.status).toBe(500)
      expect(r.json).toEqual({
        code: 500,
        key: "internal_error",
        message: "Internal error",
        request_id: r.headers.get("x-request-id")
      })
      const logged = p.logs
        .map((l) => JSON.parse(l))
        .find((l) => l.message === "unexpected failure while serving a request")
      expect(logged).toMatchObject({
        logLevel: "ERROR",
        annotations: { request_id: r.json.request_id, error: "TypeError: sink exploded" }
      })
      expect(ok.seen).toHaveLength(0)
    } finally {
      await p.close()
      await ok.close()
    }
  })
})

describe("8. an upstream Retry-After is clamped to a sane maximum", () => {
  it("Retry-After: 99999999999 reaches the client as at most an hour", async () => {
    const limited = await startFakeUpstream(() => ({
      status: 429,
      body: { code: 429, message: "Too many requests hit the API too quickly." },
      headers: { "retry-after": "99999999999" }
    }))
    const p = await startProxy({ upstream: limited.upstream, audit: memoryAudit().layer })
    try {
      for (const [method, path, body] of [
        ["GET", collection, undefined],
        ["POST", collection, webhookBody()]
      ] as const) {
        const r = await call(p.url, method, path, auth("admin"), body)
        expect(r.status).toBe(429)
        expect(r.headers.get("retry-after")).toBe(String(maxRetryAfterSeconds))
        expect(r.json.details).toBe(`upstream rate limit reached; retry in ${maxRetryAfterSeconds} s`)
      }
    } finally {
      await p.close()
      await limited.close()
    }
  })
})

/** A raw HTTP/1.1 exchange: what the server sent back and whether it closed the connection. */
const rawExchange = (
  url: string,
  head: string,
  send: (socket: Socket) => void,
  waitMs: number
): Promise<{ text: string; closed: boolean }> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname)
    let text = ""
    let closed = false
    socket.on("data", (c) => {
      text += c
    })
    socket.on("error", () => {})
    socket.on("close", () => {
      closed = true
    })
    socket.write(head)
    send(socket)
    setTimeout(() => {
      socket.destroy()
      resolve({ text, closed })
    }, waitMs)
  })

describe("8. bodies that are too big, too slow or abandoned are answered and logged as what they are", () => {
  let p: Awaited<ReturnType<typeof startProxy>>
  beforeAll(async () => {
    p = await startProxy({
      upstream: fake.upstream,
      audit: memoryAudit().layer,
      config: baseConfig({ limits: { requestTimeoutMs: 600, maxBodyBytes: 16_384 } })
    })
  })
  afterAll(() => p.close())
  const head = (extra: string) =>
    `POST ${collection} HTTP/1.1\r\nhost: x\r\nx-management-id: admin\r\nx-management-token: ${auth("admin")["x-management-token"]}\r\ncontent-type: application/json\r\n${extra}\r\n`
  const accessLines = (since: number) =>
    p.logs
      .slice(since)
      .map((l) => JSON.parse(l))
      .filter((l) => l.message === "request")
      .map((l) => l.annotations)

  it("a chunked body over the limit gets 413, not a reset, and the connection stays usable", async () => {
    const chunk = "x".repeat(40_000)
    const r = await rawExchange(
      p.url,
      head("transfer-encoding: chunked\r\n"),
      (s) => {
        s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`)
        setTimeout(() => s.write(`GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n`), 200)
      },
      600
    )
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /)
    expect(r.text).toContain('"statusCode":413')
    expect(r.text).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"status":"ok"/)
  })

  it("a body that never finishes gets 408 at the request timeout, logged 408, and the connection is closed", async () => {
    const before = p.logs.length
    const r = await rawExchange(p.url, head("content-length: 1000\r\n"), (s) => s.write('{"target_url":'), 1_500)
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /)
    expect(r.text).toContain(
      '{"statusCode":408,"error":"Request Timeout","message":"the request body did not arrive within 600 ms"}'
    )
    expect(r.closed).toBe(true)
    expect(accessLines(before)).toMatchObject([{ status: 408, operation: "create" }])
  })

  it("a client that hangs up mid-body is logged 499 and counted as such, not as a 5xx", async () => {
    const before = p.logs.length
    await rawExchange(
      p.url,
      head("content-length: 1000\r\n"),
      (s) => {
        s.write('{"target_url":')
        setTimeout(() => s.destroy(), 100)
      },
      400
    )
    await new Promise((r) => setTimeout(r, 200))
    expect(accessLines(before)).toMatchObject([{ status: 499, operation: "create" }])
    const metrics = await (await fetch(`${p.url}/metrics`)).text()
    expect(metrics).toMatch(/vwh_proxy_requests_total\{operation="create",status="499"\} 1/)
    expect(metrics).not.toMatch(/status="5\d\d"/)
  })
})

/** One request from a chosen loopback source address (Linux routes all of 127/8 to lo). */
const from = (
  base: string,
  localAddress: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string
) =>
  new Promise<{
    status: number
    headers: Record<string, string | string[] | undefined>
    json: Record<string, unknown>
  }>((resolve, reject) => {
    const { hostname, port } = new URL(base)
    const req = httpRequest(
      {
        host: hostname,
        port,
        method,
        path,
        localAddress,
        agent: false,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) }
      },
      (res) => {
        let text = ""
        res.on("data", (c) => {
          text += c
        })
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text === "" ? {} : JSON.parse(text) })
        )
      }
    )
    req.on("error", reject)
    req.end(body)
  })

describe("8. failed logins are throttled per source address and per claimed id, without locking out a real client", () => {
  let p: Awaited<ReturnType<typeof startProxy>>
  beforeAll(async () => {
    p = await startProxy({
      upstream: fake.upstream,
      audit: memoryAudit().layer,
      config: baseConfig({
        limits: {
          requestTimeoutMs: 5_000,
          failedLogins: { perAddress: { perSecond: 0.01, burst: 3 }, perClient: { perSecond: 0.01, burst: 5 } }
        }
      })
    })
  })
  afterAll(() => p.close())
  const wrong = (id: string) => ({ "x-management-id": id, "x-management-token": "vwhk_guess" })

  it("an address out of failures gets 429 + Retry-After before any key is checked; a client that logged in from it keeps working", async () => {
    const a = "127.0.0.2"
    expect((await from(p.url, a, "GET", collection, auth("reader"))).status).toBe(200) // reader works from here
    const statuses: Array<number> = []
    for (let i = 0; i < 5; i++) statuses.push((await from(p.url, a, "GET", collection, wrong("admin"))).status)
    expect(statuses).toEqual([401, 401, 401, 429, 429])
    const refused = await from(p.url, a, "GET", collection, auth("admin")) // even the right key, never seen here
    expect(refused.status).toBe(429)
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0)
    expect(refused.json).toMatchObject({
      code: 429,
      key: "proxy_login_throttled",
      details: expect.stringContaining("too many failed logins from this address")
    })
    // The client that already worked from this address is not locked out, nor is anyone elsewhere.
    expect((await from(p.url, a, "GET", collection, auth("reader"))).status).toBe(200)
    expect((await from(p.url, "127.0.0.3", "GET", collection, auth("admin"))).status).toBe(200)
  })

  it("an id out of failures gets 429 for wrong keys from anywhere, but its right key still works", async () => {
    const statuses: Array<number> = []
    // Six addresses, two guesses each: each address stays within its own budget, the id does not.
    for (let i = 10; i < 16; i++) {
      for (let j = 0; j < 2; j++)
        statuses.push((await from(p.url, `127.0.0.${i}`, "GET", collection, wrong("ci-bot"))).status)
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(6)).toEqual([429, 429, 429, 429, 429, 429])
    const right = await from(p.url, "127.0.0.20", "GET", collection, auth("writer"))
    expect(right.status).toBe(200)
    // An unknown id is never throttled per id (there is nothing to protect), only per address.
    expect((await from(p.url, "127.0.0.21", "GET", collection, wrong("nobody"))).status).toBe(401)
  })
})

describe("8. rate limits apply before a body is decoded, and refused changes are audited in bounded form", () => {
  it("a client over its rate limit gets 429 for invalid bodies too, and the audit trail gets one record plus one summary", async () => {
    const trail = memoryAudit()
    const p = await startProxy({
      upstream: fake.upstream,
      audit: trail.layer,
      config: baseConfig({
        clients: [
          {
            id: "ci-bot",
            keyHash: baseConfig().clients[1]!.keyHashes[0],
            projects: ["proj_a"],
            access: ["read", "write"],
            rateLimit: { perSecond: 0.01, burst: 2 }
          }
        ],
        audit: { path: "-", rateLimitedWindowMs: 400 }
      })
    })
    try {
      const name = JSON.stringify(webhookBody({ events: [`a.${"b".repeat(5_000)}`] }))
      const statuses: Array<number> = []
      for (let i = 0; i < 10; i++) statuses.push((await call(p.url, "POST", collection, auth("writer"), name)).status)
      expect(statuses).toEqual([400, 400, 429, 429, 429, 429, 429, 429, 429, 429])
      const denied = () => trail.records.filter((r) => r.phase === "denied")
      expect(denied()).toEqual([
        expect.objectContaining({ status: 429, operation: "create", project: "proj_a", client: "ci-bot" })
      ])
      expect(denied()[0]).not.toHaveProperty("repeated")
      await new Promise((r) => setTimeout(r, 700))
      expect(denied()).toHaveLength(2)
      expect(denied()[1]).toMatchObject({ status: 429, repeated: 7 })
    } finally {
      await p.close()
    }
  })
})

describe("8. /docs is served compressed and cached, and cannot starve the API", () => {
  it("br or gzip with an ETag; If-None-Match gets 304; a flood of full copies gets 503 + Retry-After, 304s never", async () => {
    // Its own proxy: the budget of full copies is fresh.
    const p = await startProxy({ upstream: fake.upstream, audit: memoryAudit().layer })
    try {
      const first = await rawGet(p.url, "/docs", {})
      const identity = first.body
      const etag = first.headers.etag as string
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
      expect(first.headers["cache-control"]).toBe("public, max-age=3600")
      expect(first.headers.vary).toBe("accept-encoding")
      // Compression runs off the event loop after the first request; wait until it is there.
      let gz = await rawGet(p.url, "/docs", { "accept-encoding": "gzip" })
      for (let i = 0; i < 15 && gz.headers["content-encoding"] !== "gzip"; i++) {
        await new Promise((r) => setTimeout(r, 300))
        gz = await rawGet(p.url, "/docs", { "accept-encoding": "gzip" })
      }
      expect(gz.headers["content-encoding"]).toBe("gzip")
      expect(gz.headers.etag).toBe(etag)
      expect(gz.body.length).toBeLessThan(identity.length / 3)
      expect(gunzipSync(gz.body).equals(identity)).toBe(true)
      const br = await rawGet(p.url, "/docs", { "accept-encoding": "gzip;q=0.5, br" })
      expect(br.headers["content-encoding"]).toBe("br")
      expect(brotliDecompressSync(br.body).equals(identity)).toBe(true)
      expect(
        (await rawGet(p.url, "/docs", { "accept-encoding": "gzip;q=0" })).headers["content-encoding"]
      ).toBeUndefined()
      const flood = await Promise.all(
        Array.from({ length: 40 }, () => rawGet(p.url, "/docs", { "accept-encoding": "gzip" }))
      )
      const busy = flood.filter((r) => r.status === 503)
      expect(busy.length).toBeGreaterThan(0)
      expect(flood.every((r) => r.status === 200 || r.status === 503)).toBe(true)
      expect(busy[0]!.headers["retry-after"]).toBe("1")
      for (let i = 0; i < 30; i++) {
        const r = await rawGet(p.url, "/docs", { "if-none-match": etag })
        expect(r.status).toBe(304)
        expect(r.body.length).toBe(0)
      }
      expect((await call(p.url, "GET", collection, auth("reader"))).status).toBe(200)
    } finally {
      await p.close()
    }
  })
})

/** A GET whose body is kept as sent (no decompression). */
const rawGet = (base: string, path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const { hostname, port } = new URL(base)
      const req = httpRequest({ host: hostname, port, path, headers, agent: false }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c) => chunks.push(c))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      })
      req.on("error", reject)
      req.end()
    }
  )

describe("8. ids and paths: the proxy's router and core's id rules agree (400/404, never a misleading 405)", () => {
  it("ids of 101-200 characters are looked up; longer ones and malformed percent-encoding are a 400 naming them", async () => {
    const get = (path: string) => call(proxy.url, "GET", path, auth("admin"))
    // Up to 200 characters the id is valid: the request goes upstream (this upstream answers a list to any GET).
    for (const n of [101, 200]) {
      const r = await get(`${collection}/${"a".repeat(n)}`)
      expect([400, 404, 405]).not.toContain(r.status)
      expect(fake.seen.some((s) => s.url === `${collection}/${"a".repeat(n)}`)).toBe(true)
    }
    const long = await get(`${collection}/${"a".repeat(201)}`)
    expect(long.status).toBe(400)
    expect(long.json).toMatchObject({
      code: 400,
      key: "invalid_payload",
      details: "webhookId: webhook id is too long (201 characters, at most 200)"
    })
    for (const path of [`${collection}/%zz`, "/management/v1/projects/%E0%A4%A/webhooks"]) {
      const bad = await get(path)
      expect(bad.status, path).toBe(400)
      expect(bad.json.details).toMatch(/^path: ".*" is not valid percent-encoding; encode "%" as %25$/)
    }
    expect((await call(proxy.url, "PATCH", item, auth("admin"))).status).toBe(405)
  })
})
