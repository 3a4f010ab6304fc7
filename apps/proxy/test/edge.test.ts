import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, dir, main, spawnProxy, upstreamEnv, webhookJson, writeConfig } from "./built.js"
import { call, startFakeUpstream } from "./helpers.js"

// The built proxy as operators run it, over loopback, in front of a scripted upstream that keeps what it was sent.
type Fake = Awaited<ReturnType<typeof startFakeUpstream>>
let fake: Fake
const listJson = { object: "list", data_ref: "data", data: [webhookJson("https://hooks.example.com/x")], total: 1 }
// An upstream 429 for proj_busy, a list for any other GET, the webhook for a change.
beforeAll(async () => {
  fake = await startFakeUpstream((req) =>
    req.url?.includes("/proj_busy/")
      ? { status: 429, body: { code: 429, message: "Too many requests" }, headers: { "retry-after": "7" } }
      : req.method === "GET"
        ? { status: 200, body: listJson }
        : { status: 200, body: webhookJson("https://hooks.example.com/x") }
  )
})
afterAll(() => fake.close())

const list = "/management/v1/projects/proj_a/webhooks"
const trace = "0af7651916cd43dd8448eb211c80319c"
const parent = "b7ad6b7169203331"

/** Starts the built proxy on `extra` config, runs `f` with its base URL, and stops it (SIGTERM). */
const withProxy = async (
  name: string,
  extra: Record<string, unknown>,
  f: (p: { base: string; headers: Record<string, string>; output: { text: string }; audit: string }) => Promise<void>,
  client: Record<string, unknown> = {}
) => {
  const audit = join(dir, `${name}-audit.jsonl`)
  const config = writeConfig(name, { audit: { path: audit }, upstream: { maxRetries: 0 }, ...extra }, client)
  const proxy = spawnProxy(["--config", config.path], upstreamEnv(fake))
  try {
    const base = `http://127.0.0.1:${await proxy.port}`
    const { "content-type": _, ...headers } = config.headers
    await f({ base, headers, output: proxy.output, audit })
  } finally {
    proxy.child.kill("SIGTERM")
    await proxy.exited
  }
}

/** The access-log line of `requestId`, once the proxy has written it (lines go out in batches). */
const accessLine = async (output: { text: string }, requestId: string) => {
  for (let i = 0; i < 100; i++) {
    const line = output.text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { message: string; annotations: Record<string, unknown> })
      .find((l) => l.message === "request" && l.annotations.request_id === requestId)
    if (line !== undefined) return line.annotations
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no access-log line for ${requestId} in:\n${output.text}`)
}

const auditRecords = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>)

const seenFor = (requestId: string) => fake.seen.filter((s) => s.headers["x-request-id"] === requestId)

describe("correlation: x-request-id and traceparent, honoured and sent upstream (tracing off)", () => {
  it("a well-formed id and traceparent are kept: echoed, logged, and sent upstream unchanged with tracestate", async () => {
    await withProxy("correlation", {}, async ({ base, headers, output }) => {
      const r = await call(base, "GET", list, {
        ...headers,
        "x-request-id": "checkout-7f3a9c21",
        traceparent: `00-${trace}-${parent}-01`,
        tracestate: "congo=t61rcWkgMzE"
      })
      expect(r.status).toBe(200)
      expect(r.headers.get("x-request-id")).toBe("checkout-7f3a9c21")
      const upstream = seenFor("checkout-7f3a9c21")
      expect(upstream).toHaveLength(1)
      expect(upstream[0]!.headers.traceparent).toBe(`00-${trace}-${parent}-01`)
      expect(upstream[0]!.headers.tracestate).toBe("congo=t61rcWkgMzE")
      expect(await accessLine(output, "checkout-7f3a9c21")).toMatchObject({ status: 200, trace_id: trace })

      // Errors the proxy answers itself carry the client's id too.
      const refused = await call(base, "GET", list, { "x-request-id": "checkout-7f3a9c22" })
      expect(refused.status).toBe(401)
      expect(refused.json.request_id).toBe("checkout-7f3a9c22")
    })
  })

  it("a malformed id is replaced by a minted one (also upstream); a malformed traceparent is not sent on", async () => {
    await withProxy("correlation-bad", {}, async ({ base, headers, output }) => {
      for (const [requestId, traceparent] of [
        ["has spaces in it", `00-${trace}-${parent}-01-extra`],
        ["x".repeat(129), `00-${"0".repeat(32)}-${parent}-01`],
        ["short", `00-${trace.toUpperCase()}-${parent}-01`],
        ['{"json":"injection"}', "garbage"]
      ] as const) {
        const before = fake.seen.length
        const r = await call(base, "GET", list, { ...headers, "x-request-id": requestId, traceparent })
        expect(r.status).toBe(200)
        const minted = r.headers.get("x-request-id")!
        expect(minted).toMatch(/^v-[0-9a-f]{18}$/)
        const upstream = fake.seen.slice(before)
        expect(upstream).toHaveLength(1)
        expect(upstream[0]!.headers["x-request-id"]).toBe(minted)
        expect(upstream[0]!.headers.traceparent).toBeUndefined()
        expect(await accessLine(output, minted)).not.toHaveProperty("trace_id")
      }
      // Without either header: a minted id upstream, no trace context.
      const plain = await call(base, "GET", list, headers)
      const upstream = seenFor(plain.headers.get("x-request-id")!)
      expect(upstream).toHaveLength(1)
      expect(upstream[0]!.headers.traceparent).toBeUndefined()
      expect(upstream[0]!.headers.tracestate).toBeUndefined()
    })
  })
})

describe("client address in access and audit lines; X-Forwarded-For only under trustProxy", () => {
  const create = (base: string, headers: Record<string, string>, extra: Record<string, string>) =>
    call(
      base,
      "POST",
      list,
      { ...headers, ...extra },
      { target_url: "https://hooks.example.com/x", events: ["redemption.succeeded"] }
    )

  it("by default X-Forwarded-For is ignored: the socket's peer is the client", async () => {
    await withProxy("address-default", {}, async ({ base, headers, output, audit }) => {
      const r = await create(base, headers, { "x-forwarded-for": "203.0.113.9", "x-request-id": "addr-default-1" })
      expect(r.status).toBe(200)
      expect(await accessLine(output, "addr-default-1")).toMatchObject({ client_address: "127.0.0.1" })
      const records = auditRecords(audit).filter((a) => a.request_id === "addr-default-1")
      expect(records.map((a) => [a.phase, a.client_address])).toEqual([
        ["attempt", "127.0.0.1"],
        ["outcome", "127.0.0.1"]
      ])
    })
  })

  it("trustProxy.hops: the address the outermost of N proxies saw; a forged or garbage entry goes no further", async () => {
    await withProxy("address-hops", { trustProxy: { hops: 2 } }, async ({ base, headers, output, audit }) => {
      const cases = [
        // client → proxy A (203.0.113.9 seen) → proxy B → us: the client forged "1.2.3.4" in front.
        ["hops-1", "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"],
        ["hops-2", "[2001:db8::7]:443, 10.0.0.2", "2001:db8::7"],
        ["hops-3", "10.0.0.2", "10.0.0.2"], // fewer entries than hops: the furthest one known
        ["hops-4", "not-an-address, 10.0.0.2", "10.0.0.2"],
        ["hops-5", "198.51.100.4:5512, ::ffff:10.0.0.2", "198.51.100.4"]
      ] as const
      for (const [id, forwarded, expected] of cases) {
        const r = await create(base, headers, { "x-forwarded-for": forwarded, "x-request-id": `addr-${id}` })
        expect(r.status, id).toBe(200)
        expect(await accessLine(output, `addr-${id}`), id).toMatchObject({ client_address: expected })
      }
      const attempt = auditRecords(audit).find((a) => a.request_id === "addr-hops-1" && a.phase === "attempt")
      expect(attempt?.client_address).toBe("203.0.113.9")
    })
  })

  it("trustProxy.addresses: the first address from the right that is not one of your proxies", async () => {
    await withProxy(
      "address-list",
      { trustProxy: { addresses: ["127.0.0.1", "10.0.0.0/8", "fd00::/8"] } },
      async ({ base, headers, output }) => {
        for (const [id, forwarded, expected] of [
          ["list-1", "198.51.100.7, 10.1.2.3, fd00::1", "198.51.100.7"],
          ["list-2", "10.9.9.9", "10.9.9.9"], // all ours: the furthest one
          ["list-3", "198.51.100.7, 203.0.113.50, 10.1.2.3", "203.0.113.50"] // not ours: the walk stops there
        ] as const) {
          await create(base, headers, { "x-forwarded-for": forwarded, "x-request-id": `addr-${id}` })
          expect(await accessLine(output, `addr-${id}`), id).toMatchObject({ client_address: expected })
        }
      }
    )
  })

  it("the failed-login throttle counts each client's own address behind a trusted proxy", async () => {
    const failedLogins = { perAddress: { perSecond: 0.001, burst: 2 }, perClient: { perSecond: 100, burst: 1000 } }
    const wrongKey = (base: string, forwardedFor: string) =>
      call(base, "GET", list, {
        "x-management-id": "ci-bot",
        "x-management-token": "vwhk_wrong",
        "x-forwarded-for": forwardedFor
      })
    await withProxy("throttle-trusted", { trustProxy: { hops: 1 }, limits: { failedLogins } }, async ({ base }) => {
      const statuses = []
      for (let i = 0; i < 3; i++) statuses.push((await wrongKey(base, "203.0.113.1")).status)
      expect(statuses).toEqual([401, 401, 429])
      // Another client behind the same proxy still has its own budget.
      expect((await wrongKey(base, "203.0.113.2")).status).toBe(401)
    })
    await withProxy("throttle-untrusted", { limits: { failedLogins } }, async ({ base }) => {
      for (let i = 0; i < 2; i++) expect((await wrongKey(base, "203.0.113.1")).status).toBe(401)
      // Without trustProxy the header is ignored: everyone behind the proxy is one address.
      expect((await wrongKey(base, "203.0.113.2")).status).toBe(429)
    })
  })

  it("a trustProxy that says nothing, or too much, refuses to start: exit 2, naming the field", () => {
    for (const [trustProxy, expected] of [
      [{}, 'give exactly one of "hops"'],
      [{ hops: 1, addresses: ["10.0.0.0/8"] }, 'give exactly one of "hops"'],
      [{ hops: 0 }, "trustProxy.hops"],
      [{ addresses: ["10.0.0.0/33"] }, "prefix length must be 0-32"],
      [{ addresses: ["proxy.internal"] }, "must be an IP address or a CIDR range"],
      [{ addresses: ["::ffff:10.0.0.1"] }, "as plain IPv4"],
      [true, "trustProxy"]
    ] as const) {
      const { path } = writeConfig("trust-bad", { trustProxy })
      const r = spawnSync(process.execPath, [main, "--config", path], { env: cleanEnv(), encoding: "utf8" })
      expect(r.status, JSON.stringify(trustProxy)).toBe(2)
      expect(r.stderr, JSON.stringify(trustProxy)).toContain("trustProxy")
      expect(r.stderr, JSON.stringify(trustProxy)).toContain(expected)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})

describe("IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers-06) on answers from the client's limiter", () => {
  const rate = (r: { headers: Headers }) => ({
    limit: r.headers.get("ratelimit-limit"),
    remaining: r.headers.get("ratelimit-remaining"),
    reset: r.headers.get("ratelimit-reset"),
    policy: r.headers.get("ratelimit-policy"),
    retryAfter: r.headers.get("retry-after")
  })

  it("count down with each request; the 429's Reset is its Retry-After; nothing on unauthenticated answers", async () => {
    // 3 at once, then one every 100 s: each request's reset is a whole number of 100 s steps.
    const limits = { rateLimit: { perSecond: 0.01, burst: 3 } }
    await withProxy("ratelimit", { limits }, async ({ base, headers }) => {
      const answers = []
      for (let i = 0; i < 4; i++) answers.push(rate(await call(base, "GET", list, headers)))
      const policy = "3;w=300"
      expect(answers).toEqual([
        { limit: "3", remaining: "2", reset: "100", policy, retryAfter: null },
        { limit: "3", remaining: "1", reset: "200", policy, retryAfter: null },
        { limit: "3", remaining: "0", reset: "300", policy, retryAfter: null },
        { limit: "3", remaining: "0", reset: "100", policy, retryAfter: "100" }
      ])
      // Changes are counted like reads, and refused ones too (the limit is taken before the body is read).
      const change = await call(base, "POST", list, headers, { target_url: "https://hooks.example.com/x", events: [] })
      expect(change.status).toBe(429)
      expect(rate(change)).toMatchObject({ remaining: "0", reset: change.headers.get("retry-after") })
      // No client, no limiter: a 401 or an operations endpoint says nothing about rate limits.
      for (const r of [await call(base, "GET", list, {}), await call(base, "GET", "/healthz", {})])
        expect(rate(r)).toMatchObject({ limit: null, remaining: null, reset: null, policy: null })
    })
  })

  it("an upstream 429: Remaining 0 and Reset equal to the Retry-After the client is given", async () => {
    await withProxy(
      "ratelimit-upstream",
      {},
      async ({ base, headers }) => {
        const r = await call(base, "GET", "/management/v1/projects/proj_busy/webhooks", headers)
        expect(r.status).toBe(429)
        expect(rate(r)).toEqual({ limit: "20", remaining: "0", reset: "7", policy: "20;w=2", retryAfter: "7" })
      },
      { projects: "*" }
    )
  })
})
