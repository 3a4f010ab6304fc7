import type { CallContext } from "@voucherify-webhooks/core/ErrorFromResponse"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type { Snapshot } from "./LiveConfig.js"
import type { Client } from "./ProxyConfig.js"
import type { Quota } from "./RateLimit.js"

/**
 * What the proxy learns about one request while serving it, for whoever answers or logs it at the end. A mutable
 * record shared by reference: the request timeout runs the handler in a child fiber whose own changes would be
 * lost, but a shared record survives.
 */
export interface RequestState {
  /** Extra headers for the response (Retry-After). */
  readonly headers: Record<string, string>
  /** The client id, once its key was verified: only then does the access log name it. */
  client?: string
  /** Which of the client's keys it used: the key's fingerprint (Keys.ts), never the key. */
  key?: string
  /** The client's entry and the config it was let in with (LiveConfig): a reload mid-request changes neither. */
  entry?: Client
  config?: Snapshot
  /** The key of an error the proxy made itself, sent as x-vwh-proxy-decision (core ProxyDecision). */
  decision?: string
  /** True when the answer is Voucherify's error relayed: it carries no proxy marker. */
  relayed?: boolean
  /** Set when a create, update or delete is about to go upstream: from then on it may have been applied. */
  forwarded?: CallContext
  /** The client's address (the socket's peer, or from X-Forwarded-For under `trustProxy`), when it is known. */
  address?: string
  /** The client's rate-limit standing, once its limiter was consulted: answered as RateLimit-* headers. */
  quota?: Quota
}

export const currentRequest = FiberRef.unsafeMake<RequestState>({ headers: {} })

/** A fresh state for one request. */
export const make = (): RequestState => ({ headers: {} })

/** Changes the current request's state. */
export const update = (f: (state: RequestState) => void): Effect.Effect<void> =>
  Effect.map(FiberRef.get(currentRequest), f)

/**
 * Marks the current answer as the proxy's own decision (`key`, sent as the x-vwh-proxy-decision header, see core's
 * ProxyDecision), or as Voucherify's answer relayed (undefined): then it carries no marker.
 */
export const decided = (state: RequestState, key: string | undefined): void => {
  if (key === undefined) state.relayed = true
  else {
    state.relayed = false
    state.decision = key
  }
}
