import { maxEventsPerWebhook } from "@voucherify-webhooks/core/EventType"
import { maxJsonDepth } from "@voucherify-webhooks/core/ServerErrors"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
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

/** A 400 invalid_payload in Voucherify's shape, nothing forwarded; returns the details. */
const refused = async (method: string, path: string, body: string, who: "writer" | "reader" | "admin" = "writer") => {
  const before = forwarded()
  const r = await call(proxy.url, method, path, auth(who), body)
  expect(r.status, r.text.slice(0, 300)).toBe(400)
  expect(r.json).toMatchObject({ code: 400, key: "invalid_payload", message: "Invalid payload" })
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
      const r = await call(proxy.url, "POST", collection, auth("writer"), webhookBody({ target_url: url }))
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
