import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"

/**
 * What ties one request to the calls made while serving it: its request id and its W3C trace context. A server
 * sets them (core's `withRequestId` sets the id); the Webhooks client sends them on with every call, so an upstream
 * log line can be matched to the request that caused it. Unset — a CLI, a script — nothing extra is sent.
 */

/** The request id of the request being served ("" when none): echoed in error bodies, sent upstream as x-request-id. */
export const currentRequestId = globalValue(Symbol.for("@voucherify-webhooks/core/Correlation/requestId"), () =>
  FiberRef.unsafeMake("")
)

/** A W3C trace context (traceparent, and tracestate when it came with a valid one). */
export interface TraceContext {
  readonly traceId: string
  readonly parentId: string
  readonly sampled: boolean
  /** What to send on: version 00 of the same trace id, parent id and flags. */
  readonly traceparent: string
  readonly tracestate?: string
}

/** The trace context of the request being served, when it came with a well-formed one. */
export const currentTraceContext = globalValue(Symbol.for("@voucherify-webhooks/core/Correlation/trace"), () =>
  FiberRef.unsafeMake<TraceContext | undefined>(undefined)
)

/** Request ids a server may take from its client: 8-128 characters, letters, digits and `- _ . : + / =` only. */
export const requestIdPattern = /^[A-Za-z0-9._:+/=-]{8,128}$/

/** The incoming x-request-id when it is well-formed (length and characters), else undefined: mint one then. */
export const wellFormedRequestId = (header: string | undefined): string | undefined =>
  header !== undefined && requestIdPattern.test(header) ? header : undefined

const hex = /^[0-9a-f]+$/
const allZero = /^0+$/

/**
 * W3C Trace Context (Level 1, §3.2): `version-traceid-parentid-flags`, lowercase hex; trace and parent ids not all
 * zeros; version ff invalid; version 00 exactly 55 characters; a later version is read by its first four fields
 * (and must continue with "-" if longer). Several traceparent headers arrive joined by ", " and are invalid.
 */
const parseTraceparent = (header: string) => {
  if (header.length < 55) return undefined
  const version = header.slice(0, 2)
  if (!hex.test(version) || version === "ff") return undefined
  if (version === "00" ? header.length !== 55 : header.length > 55 && header[55] !== "-") return undefined
  if (header[2] !== "-" || header[35] !== "-" || header[52] !== "-") return undefined
  const traceId = header.slice(3, 35)
  const parentId = header.slice(36, 52)
  const flags = header.slice(53, 55)
  if (!hex.test(traceId) || !hex.test(parentId) || !hex.test(flags)) return undefined
  if (allZero.test(traceId) || allZero.test(parentId)) return undefined
  return { traceId, parentId, flags }
}

// tracestate (§3.3): up to 32 comma-separated `key=value` members; keys `a-z0-9_-*/` (with one optional
// `tenant@system`), values printable ASCII without "," and "=", not ending in a space. Blank members are allowed.
const tracestateMember =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/
const maxTracestateLength = 512

const validTracestate = (header: string): boolean => {
  if (header.length > maxTracestateLength) return false
  const members = header.split(",").map((m) => m.trim())
  return members.length <= 32 && members.every((m) => m === "" || tracestateMember.test(m))
}

/**
 * The trace context of an incoming request, when its traceparent is well-formed; its tracestate is kept only
 * when valid too (an invalid one is dropped, as the spec asks, never the trace).
 */
export const traceContextFrom = (
  traceparent: string | undefined,
  tracestate: string | undefined
): TraceContext | undefined => {
  if (traceparent === undefined) return undefined
  const parsed = parseTraceparent(traceparent)
  if (parsed === undefined) return undefined
  const { traceId, parentId, flags } = parsed
  const context = {
    traceId,
    parentId,
    sampled: (Number.parseInt(flags, 16) & 1) === 1,
    traceparent: `00-${traceId}-${parentId}-${flags}`
  }
  return tracestate !== undefined && tracestate !== "" && validTracestate(tracestate)
    ? { ...context, tracestate }
    : context
}
