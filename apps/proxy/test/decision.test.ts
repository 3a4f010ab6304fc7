import { join } from "node:path"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as CoreConfig from "@voucherify-webhooks/core/Config"
import { proxyDecisionHeader, proxyErrorKeys } from "@voucherify-webhooks/core/ProxyDecision"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hashKey, mintKey } from "../src/Keys.js"
import { dir, eventually, spawnProxy, upstreamEnv, webhookJson, writeConfig } from "./built.js"
import { startFakeUpstream } from "./helpers.js"

// Errors say who decided (x-vwh-proxy-decision + the proxy's own keys), core's client words them as the proxy's,
// and readiness tells the truth about the proxy's upstream credentials: all on the built proxy.

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>
let fake: Fake
/** What the fake Voucherify answers management calls with; the readiness probe's GET / always gets 200. */
let upstream: (url: string) => { status: number; body?: unknown } = () => ({ status: 200, body: list })
const list = { object: "list", data_ref: "data", data: [], total: 0 }
beforeAll(async () => {
  fake = await startFakeUpstream((req) => (req.url === "/" ? { status: 200, body: {} } : upstream(req.url ?? "")))
})
afterAll(() => fake.close())

const readerKey = Redacted.value(mintKey())
let proxy: ReturnType<typeof spawnProxy>
let base = ""
let writer: { key: string; headers: Record<string, string> }
beforeAll(async () => {
  const written = writeConfig("decision", {
    audit: { path: join(dir, "decision.jsonl") },
    readiness: { timeoutMs: 2_000, cacheMs: 0 },
    policy: { allowedHosts: ["hooks.example.com"] },
    limits: { maxBodyBytes: 2_048 }
  })
  const config = JSON.parse((await import("node:fs")).readFileSync(written.path, "utf8"))
  config.clients.push({
    id: "reader",
    keyHash: hashKey(Redacted.make(readerKey)),
    projects: ["proj_a"],
    access: ["read"],
    rateLimit: { perSecond: 0.01, burst: 3 }
  })
  ;(await import("node:fs")).writeFileSync(written.path, JSON.stringify(config))
  writer = written
  proxy = spawnProxy(["--config", written.path], upstreamEnv(fake))
  base = `http://127.0.0.1:${await proxy.port}`
})
afterAll(async () => {
  proxy.child.kill("SIGTERM")
  await proxy.exited
})

const webhooksPath = "/management/v1/projects/proj_a/webhooks"
const reader = { "x-management-id": "reader", "x-management-token": readerKey }
const send = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
  const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
  const text = await res.text()
  let json: { key?: string } = {}
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, decision: res.headers.get(proxyDecisionHeader), key: json.key, text }
}
const hook = (target_url = "https://hooks.example.com/x") =>
  JSON.stringify({ target_url, events: ["redemption.succeeded"] })
const json = { "content-type": "application/json" }

/** Core's Webhooks client aimed at the proxy with `id`/`key`: what vwh and any script use. */
const client = (id: string, key: string) =>
  Layer.provide(
    Webhooks.Default,
    Layer.merge(
      CoreConfig.layer({
        baseUrl: base,
        credentials: Option.some({ managementId: id, managementToken: Redacted.make(key) }),
        maxRetries: 0
      }),
      FetchHttpClient.layer
    )
  )
const failureOf = <A, E>(effect: Effect.Effect<A, E, Webhooks>, id: string, key: string) =>
  Effect.runPromise(Effect.flip(effect).pipe(Effect.provide(client(id, key))))

describe("errors say who decided", () => {
  it("every error the proxy makes carries x-vwh-proxy-decision and its own key; Voucherify's relayed errors carry neither", async () => {
    const cases: Array<[string, Awaited<ReturnType<typeof send>>, number, string, string | undefined]> = [
      [
        "wrong key",
        await send("GET", webhooksPath, { ...reader, "x-management-token": "vwhk_wrong" }),
        401,
        "proxy_unauthorized",
        "proxy_unauthorized"
      ],
      [
        "read-only client writes",
        await send("POST", webhooksPath, { ...reader, ...json }, hook()),
        403,
        "proxy_scope_denied",
        "proxy_scope_denied"
      ],
      [
        "host outside the policy",
        await send("POST", webhooksPath, { ...writer.headers }, hook("https://elsewhere.example.org/x")),
        400,
        "proxy_policy_violation",
        "proxy_policy_violation"
      ],
      [
        "body over the limit",
        await send("POST", webhooksPath, writer.headers, hook(`https://hooks.example.com/${"a".repeat(3_000)}`)),
        413,
        "body_too_large",
        undefined
      ],
      [
        "not JSON",
        await send("POST", webhooksPath, { ...writer.headers, "content-type": "text/plain" }, "x"),
        415,
        "unsupported_media_type",
        undefined
      ],
      [
        "schema",
        await send("POST", webhooksPath, writer.headers, JSON.stringify({ events: [] })),
        400,
        "invalid_request",
        "invalid_payload"
      ],
      ["no such route", await send("GET", "/management/v1/nope", writer.headers), 404, "no_such_route", undefined]
    ]
    for (const [what, r, status, decision, key] of cases) {
      expect([what, r.status, r.decision, r.key], r.text).toEqual([what, status, decision, key])
      expect(proxyErrorKeys).toHaveProperty(decision)
    }
    // The reader's rate limit (burst 3) is spent by now: the proxy's 429, not Voucherify's.
    let limited = await send("GET", webhooksPath, reader)
    while (limited.status === 200) limited = await send("GET", webhooksPath, reader)
    expect([limited.status, limited.decision, limited.key]).toEqual([429, "proxy_rate_limited", "proxy_rate_limited"])

    // Voucherify's own answers are relayed unmarked.
    upstream = () => ({ status: 404, body: { code: 404, key: "not_found", message: "Resource not found" } })
    const missing = await send("GET", `${webhooksPath}/wh_x`, writer.headers)
    expect([missing.status, missing.decision, missing.key]).toEqual([404, null, "not_found"])
    upstream = () => ({ status: 403, body: { code: 403, key: "forbidden", message: "Forbidden" } })
    const forbidden = await send("GET", webhooksPath, writer.headers)
    expect([forbidden.status, forbidden.decision, forbidden.key]).toEqual([403, null, "forbidden"])
    upstream = () => ({ status: 200, body: list })
    expect((await send("GET", webhooksPath, writer.headers)).decision).toBeNull()
  })

  it("core's client words the proxy's refusals as the proxy's: no cluster hint on its 403, its 401 points at the client key", async () => {
    const scope = await failureOf(
      Effect.flatMap(Webhooks, (w) =>
        w.create("proj_b", { target_url: "https://hooks.example.com/x", events: ["redemption.succeeded"] })
      ),
      "ci-bot",
      writer.key
    )
    expect(scope._tag, scope.message).toBe("AuthError")
    expect(scope.message).toMatch(
      /^The proxy refused: client ci-bot may not write project proj_b \(403 proxy_scope_denied\)/
    )
    expect(scope.message).not.toContain("VOUCHERIFY_CLUSTER")
    const auth = await failureOf(
      Effect.flatMap(Webhooks, (w) => w.list("proj_a")),
      "ci-bot",
      "vwhk_wrong"
    )
    expect(auth.message).toContain("The proxy refused the client id or key (401 proxy_unauthorized)")
    // Voucherify's own 403, relayed: its wording and hint as before.
    upstream = () => ({ status: 403, body: { code: 403, key: "forbidden", message: "Forbidden" } })
    const relayed = await failureOf(
      Effect.flatMap(Webhooks, (w) => w.list("proj_a")),
      "ci-bot",
      writer.key
    )
    upstream = () => ({ status: 200, body: list })
    expect(relayed.message).toMatch(/^Voucherify refused access to project proj_a \(403\)/)
    expect(relayed.message).toContain("VOUCHERIFY_CLUSTER")
  })

  it("an upstream 401 to the proxy's own credentials: 502 upstream_unauthorized, ERROR once, counted, /readyz 503 until a call succeeds", async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    upstream = () => ({ status: 401, body: { code: 401, key: "unauthorized", message: "Unauthorized" } })
    for (let i = 0; i < 3; i++) {
      const r = await send("GET", webhooksPath, writer.headers)
      expect([r.status, r.decision, r.key]).toEqual([502, "upstream_unauthorized", "upstream_unauthorized"])
    }
    const ready = await fetch(`${base}/readyz`)
    const body = (await ready.json()) as { status: string; detail: string }
    expect(ready.status).toBe(503)
    expect(body.status).toBe("not ready")
    expect(body.detail).toMatch(
      /^the upstream rejected the proxy's credentials \(401\): fix VOUCHERIFY_MANAGEMENT_ID .* \(3 refusals since \d{4}-/
    )
    await eventually(
      () => proxy.output.text.includes("the upstream rejected the proxy's credentials"),
      5_000,
      "the log"
    )
    const errors = proxy.output.text
      .split("\n")
      .filter((l) => l.includes("the upstream rejected the proxy's credentials"))
      .map((l) => JSON.parse(l) as { logLevel: string })
    expect(errors.map((e) => e.logLevel)).toEqual(["ERROR"])
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toContain('vwh_proxy_upstream_credentials_rejected_total{status="401"} 3')

    upstream = () => ({ status: 200, body: list })
    expect((await send("GET", webhooksPath, writer.headers)).status).toBe(200)
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    await eventually(
      () => proxy.output.text.includes("the upstream accepts the proxy's credentials again (after 3 refusals)"),
      5_000,
      "the all-clear"
    )
  })
})

describe("readiness.project: an authenticated probe", () => {
  it("shows rejected credentials on /readyz before any client calls, and clears when they work", async () => {
    let answer = 401
    const probed = await startFakeUpstream((req) =>
      req.url?.startsWith("/management/v1/projects/proj_probe/webhooks")
        ? answer === 200
          ? { status: 200, body: list }
          : { status: answer, body: { code: answer, key: "unauthorized", message: "Unauthorized" } }
        : { status: 200, body: webhookJson("https://hooks.example.com/x") }
    )
    const { path } = writeConfig("probe", {
      audit: { path: join(dir, "probe.jsonl") },
      readiness: { project: "proj_probe", cacheMs: 0 }
    })
    const p = spawnProxy(["--config", path], upstreamEnv(probed))
    try {
      const url = `http://127.0.0.1:${await p.port}/readyz`
      const refused = await fetch(url)
      expect(refused.status).toBe(503)
      expect(refused.headers.get(proxyDecisionHeader)).toBe("not_ready")
      expect(((await refused.json()) as { detail: string }).detail).toMatch(
        /^the upstream rejected the proxy's credentials \(401\)/
      )
      const seen = probed.seen.filter((s) => s.url.startsWith("/management/v1/projects/proj_probe/webhooks"))
      expect(seen[0]!.headers["x-app-id"] ?? seen[0]!.headers["x-management-id"]).toBe("fake-upstream")
      answer = 200
      const ok = await fetch(url)
      expect(ok.status).toBe(200)
      expect(((await ok.json()) as { detail: string }).detail).toBe(
        "upstream lists project proj_probe with the proxy's credentials"
      )
    } finally {
      p.child.kill("SIGTERM")
      await p.exited
      await probed.close()
    }
  })
})

describe("the README says what each error key means", () => {
  it("its table lists every key the proxy makes, with its status, and no other", async () => {
    const { readFileSync } = await import("node:fs")
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8")
    const section = readme.slice(readme.indexOf("### What each error key means"), readme.indexOf("## Audit trail"))
    const rows = [...section.matchAll(/^\| `(\w+)` +\| (\d+) +\|/gm)].map((m) => [m[1], Number(m[2])])
    expect(rows).toEqual(Object.entries(proxyErrorKeys).map(([key, v]) => [key, v.status]))
  })
})
