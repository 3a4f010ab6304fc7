import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { layer, Sandbox, type SandboxOptions } from "../src/Sandbox.js"

export type SandboxService = Sandbox

export interface Started {
  readonly sandbox: SandboxService
  readonly run: <A, E>(effect: Effect.Effect<A, E>) => Promise<A>
  readonly close: () => Promise<void>
  /** The management headers for this sandbox's credentials. */
  readonly auth: Record<string, string>
  /** fetch against the sandbox URL with the credentials (unless `auth: false`) and JSON content type. */
  readonly call: (
    method: string,
    path: string,
    options?: { readonly body?: unknown; readonly raw?: string; readonly auth?: boolean | Record<string, string> }
  ) => Promise<{ status: number; headers: Headers; text: string; json: () => unknown }>
}

/** A real sandbox on 127.0.0.1:0; close() closes its scope (server and delivery fibers). */
export const start = async (options: SandboxOptions = {}): Promise<Started> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(layer({ host: "127.0.0.1", port: 0, ...options }), scope)
  )
  const sandbox = Context.get(context, Sandbox)
  const auth = {
    "x-management-id": sandbox.credentials.managementId,
    "x-management-token": Redacted.value(sandbox.credentials.managementToken)
  }
  return {
    sandbox,
    auth,
    run: (effect) => Effect.runPromise(effect),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
    call: async (method, path, o = {}) => {
      const headers: Record<string, string> = {
        ...(o.auth === false ? {} : typeof o.auth === "object" ? o.auth : auth),
        ...(o.body !== undefined || o.raw !== undefined ? { "content-type": "application/json" } : {})
      }
      const res = await fetch(`${sandbox.url}${path}`, {
        method,
        headers,
        ...(o.raw !== undefined ? { body: o.raw } : o.body !== undefined ? { body: JSON.stringify(o.body) } : {})
      })
      const text = await res.text()
      return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown }
    }
  }
}
