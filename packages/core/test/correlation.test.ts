import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"
import { currentRequestId, currentTraceContext, traceContextFrom, wellFormedRequestId } from "../src/Correlation.js"
import { Webhooks } from "../src/Webhooks.js"
import { webhookJson, webhooksWith } from "./fakeHttp.js"

const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
const parent = "00f067aa0ba902b7"
const listJson = { object: "list", data_ref: "data", data: [webhookJson()], total: 1 }

describe("request ids a server may take from its client", () => {
  it("are 8-128 characters of letters, digits and - _ . : + / =", () => {
    for (const ok of ["req-12345678", "v-0123456789abcdef01", "2f9a1c1e-3b7d-4c1a-9e3f-0a1b2c3d4e5f", "a".repeat(128)])
      expect(wellFormedRequestId(ok)).toBe(ok)
    for (const bad of [
      undefined,
      "",
      "short",
      "a".repeat(129),
      "has space in it",
      "line\nbreak123",
      'quote"d12345',
      "two-ids-1234, second-id-5678", // two x-request-id headers, joined by node
      "naïve-request-id",
      "{json:injection}"
    ])
      expect(wellFormedRequestId(bad)).toBeUndefined()
  })
})

describe("W3C traceparent / tracestate", () => {
  it("takes a well-formed version 00 traceparent as it is, sampled or not", () => {
    expect(traceContextFrom(`00-${trace}-${parent}-01`, undefined)).toEqual({
      traceId: trace,
      parentId: parent,
      sampled: true,
      traceparent: `00-${trace}-${parent}-01`
    })
    expect(traceContextFrom(`00-${trace}-${parent}-00`, undefined)?.sampled).toBe(false)
  })

  it("reads a later version by its first four fields and passes it on as version 00", () => {
    expect(traceContextFrom(`cc-${trace}-${parent}-01-what-the-future-holds`, undefined)?.traceparent).toBe(
      `00-${trace}-${parent}-01`
    )
    expect(traceContextFrom(`01-${trace}-${parent}-01`, undefined)?.traceId).toBe(trace)
  })

  it("refuses anything else: no trace is better than a wrong one", () => {
    for (const bad of [
      "",
      `00-${trace}-${parent}`, // no flags
      `00-${trace.toUpperCase()}-${parent}-01`, // uppercase hex
      `00-${"0".repeat(32)}-${parent}-01`, // all-zero trace id
      `00-${trace}-${"0".repeat(16)}-01`, // all-zero parent id
      `ff-${trace}-${parent}-01`, // version ff is invalid
      `00-${trace}-${parent}-01-extra`, // version 00 is exactly 55 characters
      `cc-${trace}-${parent}-01extra`, // a later version continues with "-"
      `00-${trace}-${parent}-0g`,
      `00_${trace}_${parent}_01`,
      `00-${trace}-${parent}-01, 00-${trace}-${parent}-01` // two headers
    ])
      expect(traceContextFrom(bad, undefined), bad).toBeUndefined()
  })

  it("keeps a valid tracestate with its traceparent, drops an invalid one, never without a traceparent", () => {
    const tp = `00-${trace}-${parent}-01`
    for (const ok of ["congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "tenant1@vendor=x y!, , a=b"])
      expect(traceContextFrom(tp, ok)?.tracestate).toBe(ok)
    for (const bad of [
      "Upper=1",
      "novalue",
      "a=b=c",
      "a=b c=d",
      `a=${"x".repeat(600)}`,
      Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(",")
    ]) {
      const context = traceContextFrom(tp, bad)
      expect(context?.traceId, bad).toBe(trace)
      expect(context?.tracestate, bad).toBeUndefined()
    }
    expect(traceContextFrom(undefined, "congo=t61rcWkgMzE")).toBeUndefined()
  })
})

describe("the Webhooks client passes the request's correlation on", () => {
  const incoming = traceContextFrom(`00-${trace}-${parent}-01`, "congo=t61rcWkgMzE")!

  it.effect("x-request-id, traceparent and tracestate as the server received them (no tracer)", () => {
    const { seen, layer } = webhooksWith([{ status: 200, body: listJson }])
    return Effect.gen(function* () {
      yield* (yield* Webhooks).list("proj_X")
      expect(seen[0]!.headers).toMatchObject({
        "x-request-id": "req-from-the-client-1",
        traceparent: `00-${trace}-${parent}-01`,
        tracestate: "congo=t61rcWkgMzE"
      })
    }).pipe(
      Effect.locally(currentRequestId, "req-from-the-client-1"),
      Effect.locally(currentTraceContext, incoming),
      Effect.withTracerEnabled(false),
      Effect.provide(layer)
    )
  })

  it.effect("with a tracing HttpClient: its own span's traceparent, a child in the same trace", () => {
    const { seen, layer } = webhooksWith([{ status: 200, body: listJson }])
    return Effect.gen(function* () {
      yield* (yield* Webhooks).list("proj_X").pipe(Effect.withParentSpan(incomingSpan))
      const sent = traceContextFrom(seen[0]!.headers.traceparent, undefined)
      expect(sent?.traceId).toBe(trace)
      expect(sent?.parentId).not.toBe(parent)
      expect(seen[0]!.headers.tracestate).toBe("congo=t61rcWkgMzE")
    }).pipe(Effect.locally(currentTraceContext, incoming), Effect.provide(layer))
  })

  it.effect("core used alone (a CLI, a script): no correlation headers of its own", () => {
    const { seen, layer } = webhooksWith([{ status: 200, body: listJson }])
    return Effect.gen(function* () {
      yield* (yield* Webhooks).list("proj_X")
      expect(Object.keys(seen[0]!.headers)).not.toContain("x-request-id")
      expect(Object.keys(seen[0]!.headers)).not.toContain("traceparent")
      expect(Object.keys(seen[0]!.headers)).not.toContain("tracestate")
    }).pipe(Effect.withTracerEnabled(false), Effect.provide(layer))
  })
})

const incomingSpan = Tracer.externalSpan({ traceId: trace, spanId: parent, sampled: true })
