import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { SandboxError } from "../Errors.js"
import { demoCredentials, type SandboxOptions } from "../Options.js"
import { layer, Sandbox } from "../Sandbox.js"
import { acquire, runPromise } from "../Scoped.js"
import { type RunningSandbox, runningSandbox } from "../StartSandbox.js"

/** A JSON answer read whole: status, headers, text, and the text parsed on demand. */
export interface CallResult {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: () => unknown
}

export interface CallOptions {
  /** Sent as JSON (with `content-type: application/json`). */
  readonly body?: unknown
  /** Sent as it is (with `content-type: application/json`), for bodies that are not valid JSON. */
  readonly raw?: string
  /** Default: the sandbox's credentials; `false` sends none; an object sends those headers instead. */
  readonly auth?: boolean | Record<string, string>
}

/** A sandbox in this process: its Effect service, and the promise API of `startSandbox` over it. */
export interface TestSandbox extends RunningSandbox {
  readonly sandbox: Sandbox
  /** Runs one of the service's effects, rejecting with its own error. */
  readonly run: <A, E>(effect: Effect.Effect<A, E>) => Promise<A>
  /** x-management-id and x-management-token. */
  readonly auth: Record<string, string>
  /** fetch on the sandbox's URL with its credentials (unless `auth` says otherwise), read whole. */
  readonly call: (method: string, path: string, options?: CallOptions) => Promise<CallResult>
}

/** The defaults a test wants: loopback, a free port, the demo credentials (never the developer's own). */
export const testSandboxLayer = (options: SandboxOptions = {}): Layer.Layer<Sandbox, SandboxError> =>
  layer({ host: "127.0.0.1", port: 0, credentials: demoCredentials, ...options })

/** Requests with credentials against a base URL, each answer read whole. */
export const caller =
  (base: string, auth: Record<string, string>) =>
  async (method: string, path: string, o: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = {
      ...(o.auth === false ? {} : typeof o.auth === "object" ? o.auth : auth),
      ...(o.body !== undefined || o.raw !== undefined ? { "content-type": "application/json" } : {})
    }
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(o.raw !== undefined ? { body: o.raw } : o.body !== undefined ? { body: JSON.stringify(o.body) } : {})
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown }
  }

const wrap = (sandbox: Sandbox, close: () => Promise<void>): TestSandbox => {
  const auth = {
    "x-management-id": sandbox.credentials.managementId,
    "x-management-token": Redacted.value(sandbox.credentials.managementToken)
  }
  return { ...runningSandbox(sandbox, close), sandbox, run: runPromise, auth, call: caller(sandbox.url, auth) }
}

/**
 * A sandbox in this process, for plain async tests: `close()` (or `await using`) stops it. Effect tests use
 * {@link testSandboxLayer} and the `Sandbox` service instead (`layer(testSandboxLayer())` in @effect/vitest).
 */
export const startTestSandbox = async (options: SandboxOptions = {}): Promise<TestSandbox> => {
  const { value, close } = await acquire(Layer.build(testSandboxLayer(options)))
  return wrap(Context.get(value, Sandbox), close)
}
