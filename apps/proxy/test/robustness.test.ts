import { Agent, request } from "node:http"
import { maxEventNameLength, maxEventsPerWebhook } from "@voucherify-webhooks/core/EventType"
import { maxJsonDepth } from "@voucherify-webhooks/core/ServerErrors"
import { normalizeTargetUrl, WebhookCreate } from "@voucherify-webhooks/core/Webhook"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { checkPolicy } from "../src/Policy.js"
import { auth, baseConfig, keys, startFakeUpstream, startProxy } from "./helpers.js"

// Budgets out of the way, so that bad bodies reach the checks under test rather than stopping at a 429.
const config = baseConfig({
  limits: {
    requestTimeoutMs: 5_000,
    maxBodyBytes: 65_536,
    rateLimit: { perSecond: 1e6, burst: 1e6 },
    failedLogins: { perAddress: { perSecond: 1e6, burst: 1e6 }, perClient: { perSecond: 1e6, burst: 1e6 } }
  }
})
const validCreate = Schema.decodeUnknownEither(Schema.parseJson(WebhookCreate), { onExcessProperty: "error" })
const collectionPath = /^\/management\/v1\/projects\/[^/]+\/webhooks$/
const itemPath = /^\/management\/v1\/projects\/[^/]+\/webhooks\/[^/]+$/

/** What the upstream must never receive: a body or route the proxy should have refused. */
const invalidForwarded = (method: string, url: string, body: string): string | undefined => {
  const path = url.split("?")[0] ?? ""
  if (method === "GET" && (collectionPath.test(path) || itemPath.test(path))) return undefined
  if (method === "DELETE" && itemPath.test(path)) return undefined
  if ((method === "POST" && collectionPath.test(path)) || (method === "PUT" && itemPath.test(path))) {
    const decoded = validCreate(body)
    if (Either.isLeft(decoded)) return `invalid body ${body.slice(0, 200)}`
    // What goes upstream is the URL as the policy read it, never a raw string another parser could read otherwise.
    if (decoded.right.target_url !== normalizeTargetUrl(decoded.right.target_url)) {
      return `raw target_url forwarded ${JSON.stringify(decoded.right.target_url)}`
    }
    const policy = Effect.runSync(Effect.either(checkPolicy(config.policy, decoded.right)))
    return Either.isLeft(policy) ? `policy-violating body ${body.slice(0, 200)}` : undefined
  }
  return `${method} ${path}`
}

/**
 * Why an error answer is not in one of Voucherify's two shapes — `{code, key?, message, details?, request_id}` or
 * the framework's `{statusCode, error, message}` — or undefined when it is (or is not an error).
 */
const errorShape = (status: number, text: string): string | undefined => {
  if (status < 400 || status === 204) return undefined
  if (text.length > 8_000) return `answer of ${text.length} characters`
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text)
  } catch {
    return `not JSON: ${text.slice(0, 80)}`
  }
  if (body.code === status && typeof body.message === "string" && typeof body.request_id === "string") return undefined
  if (body.statusCode === status && typeof body.error === "string" && typeof body.message === "string") return undefined
  return `unexpected body ${text.slice(0, 120)}`
}

interface Bad {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body?: string | undefined
}

const project = fc.constantFrom(
  "proj_a",
  "proj_b",
  "proj_zz",
  "",
  "%2e%2e",
  "..",
  "proj a",
  "proj%2Fx",
  "ü",
  "x".repeat(300)
)
const id = fc.constantFrom("wh_aaaaaaaaaaaaaaaaaaaaaaaa", "", "..", "%00", "wh x", "a".repeat(250), "%2F")
const printable = fc.string({ unit: fc.constantFrom(..."abcXYZ019 -_./:;=?&%{}[]\"'\\<>!@#$*+,~`|^"), maxLength: 40 })
const wrongValue = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  printable
)

const badBody: fc.Arbitrary<string> = fc.oneof(
  // malformed JSON
  printable.map((s) => `{${s}`),
  fc.constantFrom("", "{", "[", "null", "true", "1", '"x"', '{"target_url":', "\u0000", '{"a":1}}'),
  // wrong types
  fc
    .record({ target_url: wrongValue, events: wrongValue, active: wrongValue }, { requiredKeys: [] })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      target_url: fc.constant("https://hooks.example.com/x"),
      events: fc.array(fc.oneof(printable, fc.integer() as fc.Arbitrary<unknown>), { maxLength: 4 }),
      active: fc.oneof(fc.boolean(), printable as fc.Arbitrary<unknown>)
    })
    .map((o) => JSON.stringify(o)),
  // valid types, but against policy or excess properties
  fc
    .record({
      target_url: fc.constantFrom(
        "http://hooks.example.com/x",
        "https://10.0.0.1/x",
        "https://[::1]/",
        "https://localhost/x",
        "https://169.254.169.254/",
        "ftp://x.example.com/",
        "https://u:p@x.example.com/",
        "https://[fe80::1%25eth0]/",
        "https://0x7f000001/",
        "javascript:alert(1)"
      ),
      events: fc.constant(["redemption.succeeded"]),
      active: fc.boolean()
    })
    .map((o) => JSON.stringify(o)),
  fc.constant(
    JSON.stringify({ target_url: "https://a.example.com/", events: ["redemption.succeeded", "redemption.succeeded"] })
  ),
  fc.constant(JSON.stringify({ target_url: "https://a.example.com/", events: ["nope.event"] })),
  fc.constant(JSON.stringify({ target_url: "https://a.example.com/", events: ["redemption.succeeded"], extra: 1 })),
  // huge, over the body limit or not
  fc
    .integer({ min: 17_000, max: 90_000 })
    .map((n) => JSON.stringify({ target_url: `https://a.example.com/${"x".repeat(n)}`, events: [] })),
  // deeply nested, anywhere
  fc
    .tuple(
      fc.integer({ min: maxJsonDepth - 2, max: 20_000 }),
      fc.constantFrom("target_url", "events", "active", "x", "root")
    )
    .map(([depth, where]) => {
      const deep = `${"[".repeat(depth)}${depth % 2 === 0 ? "1" : "{}"}${"]".repeat(depth)}`
      const fields: Record<string, string> = {
        target_url: '"https://a.example.com/"',
        events: '["redemption.succeeded"]',
        active: "true"
      }
      if (where === "root") return deep
      fields[where] = deep
      return `{${Object.entries(fields)
        .map(([k, v]) => `"${k}":${v}`)
        .join(",")}}`
    }),
  // oversized event names and lists
  fc
    .integer({ min: maxEventNameLength + 1, max: 60_000 })
    .map((n) => JSON.stringify({ target_url: "https://a.example.com/", events: [`a.${"b".repeat(n)}`] })),
  fc
    .integer({ min: maxEventsPerWebhook + 1, max: 5_000 })
    .map((n) =>
      JSON.stringify({ target_url: "https://a.example.com/", events: Array.from({ length: n }, (_, i) => `ab.c${i}`) })
    ),
  fc.integer({ min: 4, max: maxEventsPerWebhook }).map((n) =>
    JSON.stringify({
      target_url: "https://a.example.com/",
      events: Array.from({ length: n }, (_, i) => `voucher.creat${i}`)
    })
  ),
  // control characters, whitespace and backslashes anywhere in target_url, and parser-confusable URLs
  fc
    .tuple(
      fc.constantFrom(
        "\t",
        "\r",
        "\n",
        "\u0000",
        "\u001b[31m",
        "\u0007",
        "\u00ad",
        "\u202e",
        "\u200b",
        " ",
        "\\",
        "\u00a0"
      ),
      fc.constantFrom(
        "https://x.example.com/p",
        "https://x.example.com\\@169.254.169.254/",
        "https://good.com/",
        "https://a.example.com/q?x=1"
      )
    )
    .chain(([odd, url]) =>
      fc
        .integer({ min: 0, max: url.length })
        .map((at) => `{"target_url":"${url.slice(0, at)}${odd}${url.slice(at)}","events":["redemption.succeeded"]}`)
    ),
  fc
    .record({
      target_url: fc.constantFrom(
        "https://x.example.com\\@169.254.169.254/latest",
        "https://X.EXAMPLE.com:443/a/./b/../c",
        "https://x.example.com/%2e%2e/%2E/secret",
        "https://x.exampl%65.com/",
        "https://\uff58.example.com/",
        "https://b\u00fccher.example.com/",
        "https://x.example.com./",
        "https://localhost../",
        "https://LOCALHOST./",
        "https://metadata.google.internal/",
        "https://metadata/",
        "https://kubernetes.default.svc/",
        "https://a.cluster.local/",
        "https://0x7f.1/",
        "https://127.1/",
        "https://[::ffff:127.0.0.1]/",
        "https://2130706433/",
        "https://x.example.com%2F@evil.com/",
        "https://x.example.com#@169.254.169.254/",
        "https://evil.com?.example.com/"
      ),
      events: fc.constant(["redemption.succeeded"]),
      active: fc.boolean()
    })
    .map((o) => JSON.stringify(o))
)

const authHeaders = fc.oneof(
  fc.constant(auth("admin")),
  fc.constant(auth("writer")),
  fc.constant(auth("reader")),
  fc.constant({}),
  printable.map((s) => ({ "x-management-id": "admin", "x-management-token": s })),
  printable.map((s) => ({ "x-management-id": s, "x-management-token": keys.admin }))
)

const oddHeaders = fc.dictionary(
  fc.constantFrom(
    "content-type",
    "accept",
    "x-forwarded-for",
    "x-request-id",
    "transfer-encoding-x",
    "x-odd",
    "accept-encoding"
  ),
  printable,
  { maxKeys: 3 }
)

const badRequest: fc.Arbitrary<Bad> = fc.oneof(
  // mutations with a bad body
  fc.record({
    method: fc.constantFrom("POST", "PUT"),
    path: fc
      .tuple(project, id, fc.boolean())
      .map(([p, w, item]) => `/management/v1/projects/${p}/webhooks${item ? `/${w}` : ""}`),
    headers: fc.tuple(authHeaders, oddHeaders).map(([a, o]) => ({ "content-type": "application/json", ...o, ...a })),
    body: badBody
  }),
  // odd paths and methods, reads included
  fc.record({
    method: fc.constantFrom("GET", "DELETE", "PATCH", "OPTIONS", "HEAD", "POST", "PUT"),
    path: fc.oneof(
      fc.tuple(project, id).map(([p, w]) => `/management/v1/projects/${p}/webhooks/${w}/extra`),
      fc.tuple(project).map(([p]) => `/management/v1/projects/${p}`),
      printable.map((s) => `/${encodeURIComponent(s)}`),
      fc.constantFrom(
        "/",
        "//",
        "/management",
        "/management/v1/projects//webhooks",
        "/docs/../metrics",
        "/healthz?x=%zz",
        "/%"
      ),
      fc.tuple(project, id).map(([p, w]) => `/management/v1/projects/${p}/webhooks/${w}?q=${"y".repeat(50)}`)
    ),
    headers: fc.tuple(authHeaders, oddHeaders).map(([a, o]) => ({ ...o, ...a })),
    body: fc.option(badBody, { nil: undefined })
  })
)

describe("robustness", () => {
  let fake: Awaited<ReturnType<typeof startFakeUpstream>>
  let proxy: Awaited<ReturnType<typeof startProxy>>
  const invalid: Array<string> = []
  beforeAll(async () => {
    fake = await startFakeUpstream((req, body) => {
      const problem = invalidForwarded(req.method ?? "", req.url ?? "", body)
      if (problem) invalid.push(problem)
      const webhook = {
        id: "wh_aaaaaaaaaaaaaaaaaaaaaaaa",
        object: "webhook",
        created_at: new Date().toISOString(),
        target_url: "https://a.example.com/",
        events: ["redemption.succeeded"],
        active: true
      }
      if (req.method === "DELETE") return { status: 204 }
      if (req.method === "GET" && collectionPath.test(req.url ?? "")) {
        return { status: 200, body: { object: "list", data_ref: "data", data: [webhook], total: 1 } }
      }
      return { status: 200, body: webhook }
    })
    proxy = await startProxy({
      upstream: fake.upstream,
      audit: (await import("./helpers.js")).memoryAudit().layer,
      config
    })
  })
  afterAll(async () => {
    await proxy.close()
    await fake.close()
  })

  it("10,000 generated bad requests: never a 5xx, never a crash, nothing invalid forwarded, every error in Voucherify's shape", async () => {
    const samples = fc.sample(badRequest, { numRuns: 10_000, seed: 20261128 })
    const agent = new Agent({ keepAlive: true, maxSockets: 32 })
    const url = new URL(proxy.url)
    const statuses = new Map<number, number>()
    const failures: Array<string> = []
    const send = (bad: Bad) =>
      new Promise<void>((resolve) => {
        const body = bad.body === undefined ? undefined : Buffer.from(bad.body)
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            method: bad.method,
            // Raw spaces and non-ASCII cannot go on the request line; escape just those, keep the rest odd.
            path: bad.path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)),
            agent,
            headers: { ...bad.headers, ...(body ? { "content-length": String(body.length) } : {}) }
          },
          (res) => {
            let text = ""
            res.setEncoding("utf8")
            res.on("data", (c) => {
              text += c
            })
            res.on("end", () => {
              const status = res.statusCode ?? 0
              statuses.set(status, (statuses.get(status) ?? 0) + 1)
              if (status >= 500) failures.push(`${status} ${bad.method} ${bad.path} ${bad.body?.slice(0, 100)}`)
              // A HEAD answer has no body to check.
              const shape = bad.method === "HEAD" ? undefined : errorShape(status, text)
              if (shape !== undefined) failures.push(`shape ${status} ${shape} ${bad.method} ${bad.path}`)
              resolve()
            })
          }
        )
        req.on("error", (e) => {
          failures.push(`socket ${e.message} ${bad.method} ${bad.path}`)
          resolve()
        })
        req.end(body)
      })
    let next = 0
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < samples.length) await send(samples[next++]!)
      })
    )
    agent.destroy()
    expect([...new Set(failures.map((f) => f.split(" ").slice(0, 3).join(" ")))].slice(0, 20)).toEqual([])
    expect(invalid.slice(0, 10)).toEqual([])
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(10_000)
    // Most never reach the upstream at all.
    expect(fake.seen.length).toBeLessThan(2_500)
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200)
    console.log("statuses", Object.fromEntries(statuses), "forwarded", fake.seen.length)
  }, 120_000)
})
