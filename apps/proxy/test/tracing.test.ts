import { waitFor as kitWaitFor, startReceiver } from "@voucherify-webhooks/sandbox/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, runProxy, spawnProxy, upstreamEnv, webhookJson, writeConfig } from "./built.js"
import { call, startFakeUpstream } from "./helpers.js"

/** What an OTLP/HTTP collector would receive: each POST to /v1/traces, its headers and its body (the kit's receiver). */
const startCollector = () =>
  startReceiver({
    path: "",
    answer: () => ({ status: 200, body: "{}", headers: { "content-type": "application/json" } })
  })

interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly attributes: ReadonlyArray<{ key: string; value: Record<string, unknown> }>
  readonly status: { readonly code: number }
}
const serverKind = 2
const clientKind = 3

/** Every span in the JSON posts received so far. */
const spansOf = (posts: ReadonlyArray<{ body: string }>): Array<Span> =>
  posts.flatMap((p) =>
    (
      JSON.parse(p.body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Span> }> }>
      }
    ).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
  )

const attribute = (span: Span, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value
  return value === undefined ? undefined : (Object.values(value)[0] as unknown)
}

/** Waits until `f` finds something (spans arrive in export batches). */
const waitFor = <A>(what: string, f: () => A | undefined): Promise<A> =>
  kitWaitFor(what, f, { until: (a): a is A => a !== undefined, timeoutMs: 15_000, intervalMs: 50 })

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>
let fake: Fake
let receiver: Awaited<ReturnType<typeof startCollector>>
beforeAll(async () => {
  fake = await startFakeUpstream((req) =>
    req.url?.includes("/proj_broken/")
      ? { status: 500, body: { code: 500, message: "Internal error" } }
      : req.method === "GET"
        ? { status: 200, body: { object: "list", data_ref: "data", data: [], total: 0 } }
        : { status: 200, body: webhookJson("https://hooks.example.com/x") }
  )
  receiver = await startCollector()
})
afterAll(async () => {
  await fake.close()
  await receiver.close()
})

const list = "/management/v1/projects/proj_a/webhooks"
const incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
const incomingParent = "00f067aa0ba902b7"

const startTraced = (name: string, otel: Record<string, string>) => {
  const config = writeConfig(name, { upstream: { maxRetries: 0 } }, { projects: "*" })
  const proxy = spawnProxy(["--config", config.path], { ...upstreamEnv(fake), ...otel })
  const { "content-type": _, ...headers } = config.headers
  return { proxy, headers, key: config.key }
}

describe("tracing over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set", () => {
  it("one server span and one upstream span per request, in one trace; an incoming trace id is kept", async () => {
    const { proxy, headers, key } = startTraced("otlp-json", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_SERVICE_NAME: "proxy-under-test"
    })
    try {
      const base = `http://127.0.0.1:${await proxy.port}`
      const requests = [
        { id: "trace-test-0001", extra: {} },
        { id: "trace-test-0002", extra: { traceparent: `00-${incomingTrace}-${incomingParent}-01` } },
        { id: "trace-test-0003", extra: {}, create: true }
      ]
      for (const r of requests) {
        const answer = r.create
          ? await call(
              base,
              "POST",
              list,
              { ...headers, "x-request-id": r.id },
              { target_url: "https://hooks.example.com/x", events: ["redemption.succeeded"] }
            )
          : await call(base, "GET", list, { ...headers, "x-request-id": r.id, ...r.extra })
        expect(answer.status).toBe(200)
      }
      for (const r of requests) {
        const server = await waitFor(`the server span of ${r.id}`, () =>
          spansOf(receiver.received).find((s) => s.kind === serverKind && attribute(s, "vwh.request_id") === r.id)
        )
        const inTrace = await waitFor(`the client span of ${r.id}`, () => {
          const spans = spansOf(receiver.received).filter((s) => s.traceId === server.traceId)
          return spans.some((s) => s.kind === clientKind) ? spans : undefined
        })
        expect(inTrace.filter((s) => s.kind === serverKind)).toHaveLength(1)
        const clients = inTrace.filter((s) => s.kind === clientKind)
        expect(clients).toHaveLength(1)
        const upstreamSpan = clients[0]!
        // The upstream span descends from the server span (through core's Webhooks.<operation> span).
        const byId = new Map(inTrace.map((s) => [s.spanId, s]))
        const ancestors: Array<string> = []
        for (let s: Span | undefined = upstreamSpan; s?.parentSpanId; s = byId.get(s.parentSpanId))
          ancestors.push(s.parentSpanId)
        expect(ancestors).toContain(server.spanId)
        // What went upstream names the upstream span: Voucherify's side of the trace hangs under it.
        const sent = fake.seen.filter((s) => s.headers["x-request-id"] === r.id)
        expect(sent).toHaveLength(1)
        expect(sent[0]!.headers.traceparent).toBe(`00-${server.traceId}-${upstreamSpan.spanId}-01`)
        expect(attribute(server, "http.response.status_code")).toBe(200)
        expect(attribute(server, "vwh.client")).toBe("ci-bot")
        expect(server.name).toMatch(/^(GET|POST) \/management\/v1\/projects\/\{projectId\}\/webhooks$/)
        expect(attribute(upstreamSpan, "http.response.status_code")).toBe(200)
      }
      const kept = spansOf(receiver.received).find(
        (s) => s.kind === serverKind && attribute(s, "vwh.request_id") === "trace-test-0002"
      )!
      expect(kept.traceId).toBe(incomingTrace)
      expect(kept.parentSpanId).toBe(incomingParent)
      // An upstream failure: the client span failed with the upstream's status, the server span with the 502.
      const broken = await call(base, "GET", "/management/v1/projects/proj_broken/webhooks", {
        ...headers,
        "x-request-id": "trace-broken-0001"
      })
      expect(broken.status).toBe(502)
      const failed = await waitFor("the failed request's spans", () => {
        const server = spansOf(receiver.received).find((s) => attribute(s, "vwh.request_id") === "trace-broken-0001")
        const client = spansOf(receiver.received).find((s) => s.traceId === server?.traceId && s.kind === clientKind)
        return server && client ? { server, client } : undefined
      })
      expect([failed.server.status.code, attribute(failed.server, "error.type")]).toEqual([2, "502"])
      expect([failed.client.status.code, attribute(failed.client, "error.type")]).toEqual([2, "500"])
      expect(kept.status.code).toBe(1)
      const fresh = spansOf(receiver.received).find(
        (s) => s.kind === serverKind && attribute(s, "vwh.request_id") === "trace-test-0001"
      )!
      expect(fresh.parentSpanId ?? "").toBe("")
      // The service is named, and nothing secret is exported: not the client's key, not the upstream token.
      const everything = receiver.received.map((p) => p.body).join("\n")
      expect(everything).toContain('"proxy-under-test"')
      expect(everything).not.toContain(key)
      expect(everything).not.toContain(fake.token)
      expect(receiver.received.every((p) => p.path === "/v1/traces")).toBe(true)
    } finally {
      proxy.child.kill("SIGTERM")
      await proxy.exited
    }
  })

  it("a caller's 'not sampled' is honoured: nothing exported, and upstream gets the same trace, unsampled", async () => {
    const before = receiver.received.length
    const unsampled = "5bf92f3577b34da6a3ce929d0e0e4736"
    const { proxy, headers } = startTraced("otlp-unsampled", {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100"
    })
    try {
      const base = `http://127.0.0.1:${await proxy.port}`
      const r = await call(base, "GET", list, {
        ...headers,
        "x-request-id": "unsampled-0001",
        traceparent: `00-${unsampled}-${incomingParent}-00`
      })
      expect(r.status).toBe(200)
      const sent = fake.seen.filter((s) => s.headers["x-request-id"] === "unsampled-0001")
      expect(sent[0]!.headers.traceparent).toMatch(new RegExp(`^00-${unsampled}-[0-9a-f]{16}-00$`))
      // A sampled request after it is exported, so the exporter did run: the unsampled one is simply absent.
      await call(base, "GET", list, { ...headers, "x-request-id": "sampled-after-0001" })
      await waitFor("the sampled request's spans", () =>
        spansOf(receiver.received.slice(before)).find((s) => attribute(s, "vwh.request_id") === "sampled-after-0001")
      )
      expect(spansOf(receiver.received.slice(before)).filter((s) => s.traceId === unsampled)).toEqual([])
    } finally {
      proxy.child.kill("SIGTERM")
      await proxy.exited
    }
  })

  it("by default spans go as protobuf, and on SIGTERM the last ones are sent before the process exits", async () => {
    const before = receiver.received.length
    const { proxy, headers } = startTraced("otlp-protobuf", {
      OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
      // Longer than the test: only the flush at shutdown can send these spans.
      OTEL_BSP_SCHEDULE_DELAY: "600000",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20collector-secret,x-tenant=acme"
    })
    const traceId = "6bf92f3577b34da6a3ce929d0e0e4736"
    try {
      const base = `http://127.0.0.1:${await proxy.port}`
      const r = await call(base, "GET", list, { ...headers, traceparent: `00-${traceId}-${incomingParent}-01` })
      expect(r.status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(receiver.received.length).toBe(before)
    } finally {
      proxy.child.kill("SIGTERM")
      expect(await proxy.exited).toBe(0)
    }
    const posts = receiver.received.slice(before)
    expect(posts.length).toBeGreaterThan(0)
    for (const post of posts) {
      expect(post.path).toBe("/v1/traces")
      expect(post.headers["content-type"]).toBe("application/x-protobuf")
      expect(post.headers.authorization).toBe("Bearer collector-secret")
      expect(post.headers["x-tenant"]).toBe("acme")
    }
    // The trace id travels as 16 raw bytes in protobuf.
    expect(Buffer.concat(posts.map((p) => p.bytes)).includes(Buffer.from(traceId, "hex"))).toBe(true)
  })

  it("a collector that is down costs nothing but a warning: requests are served", async () => {
    const dead = await startCollector()
    await dead.close()
    const { proxy, headers } = startTraced("otlp-dead", {
      OTEL_EXPORTER_OTLP_ENDPOINT: dead.url,
      OTEL_BSP_SCHEDULE_DELAY: "100"
    })
    try {
      const base = `http://127.0.0.1:${await proxy.port}`
      for (let i = 0; i < 3; i++) expect((await call(base, "GET", list, headers)).status).toBe(200)
      await waitFor("the warning", () => (proxy.output.text.includes("could not export spans to") ? true : undefined))
      const warnings = proxy.output.text.split("\n").filter((l) => l.includes("could not export spans"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('"logLevel":"WARN"')
    } finally {
      proxy.child.kill("SIGTERM")
      await proxy.exited
    }
  })

  it("bad tracing settings refuse to start: exit 2, naming the variable", () => {
    for (const [env, needle] of [
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" }, "OTEL_EXPORTER_OTLP_ENDPOINT"],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "grpc"],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_TRACES_EXPORTER: "zipkin" }, "zipkin"],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_BSP_SCHEDULE_DELAY: "soon" },
        "OTEL_BSP_SCHEDULE_DELAY"
      ],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_EXPORTER_OTLP_HEADERS: "authorization" },
        "OTEL_EXPORTER_OTLP_HEADERS"
      ]
    ] as const) {
      const { path } = writeConfig("otel-bad", { upstream: { sandbox: true } })
      const r = runProxy(["--config", path], cleanEnv({ PORT: "0", ...env }))
      expect(r.status, JSON.stringify(env)).toBe(2)
      expect(r.stderr, JSON.stringify(env)).toContain(needle)
      expect(r.stderr).not.toMatch(/(OTEL_\w+)\.\1/) // named once, not as a doubled path
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it("OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off even with an endpoint", async () => {
    for (const off of [{ OTEL_SDK_DISABLED: "true" }, { OTEL_TRACES_EXPORTER: "none" }]) {
      const before = receiver.received.length
      const { proxy, headers } = startTraced("otlp-off", {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        ...off
      })
      try {
        const base = `http://127.0.0.1:${await proxy.port}`
        expect((await call(base, "GET", list, headers)).status).toBe(200)
      } finally {
        proxy.child.kill("SIGTERM")
        await proxy.exited
      }
      expect(receiver.received.length, JSON.stringify(off)).toBe(before)
    }
  })
})
