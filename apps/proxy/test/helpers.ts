import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { startTestSandbox } from "@voucherify-webhooks/sandbox/testing"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { AccessLog } from "../src/AccessLog.js"
import { Audit, AuditFailed } from "../src/Audit.js"
import { hashKey, mintKey } from "../src/ClientAuth.js"
import { decodeConfig, type ProxyConfig, ProxySettings } from "../src/ProxyConfig.js"
import { boundPort, ProxyLive } from "../src/Server.js"
import * as Upstream from "../src/Upstream.js"

export const keys = {
  reader: Redacted.value(mintKey()),
  writer: Redacted.value(mintKey()),
  admin: Redacted.value(mintKey()),
  limited: Redacted.value(mintKey())
}

export const baseConfig = (overrides: Record<string, unknown> = {}): ProxyConfig =>
  Either.getOrThrow(
    decodeConfig({
      port: 0,
      clients: [
        { id: "reader", keyHash: hashKey(Redacted.make(keys.reader)), projects: ["proj_a"], access: ["read"] },
        { id: "ci-bot", keyHash: hashKey(Redacted.make(keys.writer)), projects: ["proj_a"], access: ["read", "write"] },
        {
          id: "admin",
          keyHash: hashKey(Redacted.make(keys.admin)),
          projects: "*",
          access: ["read", "write"],
          rateLimit: { perSecond: 100_000, burst: 100_000 }
        },
        {
          id: "limited",
          keyHash: hashKey(Redacted.make(keys.limited)),
          projects: "*",
          access: ["read"],
          rateLimit: { perSecond: 0.01, burst: 2 }
        }
      ],
      upstream: { timeoutMs: 1_000, maxRetries: 0 },
      limits: { requestTimeoutMs: 5_000, maxBodyBytes: 16_384 },
      readiness: { timeoutMs: 500, cacheMs: 0 },
      ...overrides
    })
  )

export const auth = (id: keyof typeof keys, clientId: string = id === "writer" ? "ci-bot" : id) => ({
  "x-management-id": clientId,
  "x-management-token": keys[id]
})

/**
 * Every audit record, in memory; `fail` makes every write fail, as a full disk would, and `failPhase` only the
 * records of that phase (a disk that fills up between the attempt and the outcome).
 */
export const memoryAudit = (options: { fail?: boolean; failPhase?: "attempt" | "outcome" | "denied" } = {}) => {
  const records: Array<Record<string, unknown>> = []
  const layer = Layer.succeed(Audit, {
    write: (record) =>
      options.fail || options.failPhase === record.phase
        ? Effect.fail(new AuditFailed({ message: "ENOSPC: no space left on device", phase: record.phase }))
        : Effect.sync(() => void records.push({ ...record }))
  })
  return { records, layer }
}

export interface Started {
  readonly url: string
  readonly logs: Array<string>
  readonly close: () => Promise<void>
}

/** The proxy in-process on port 0 with the given upstream; logs are captured as JSON lines. */
export const startProxy = async (options: {
  upstream: Layer.Layer<Upstream.UpstreamTarget, unknown>
  audit?: Layer.Layer<Audit>
  config?: ProxyConfig
}): Promise<Started> => {
  const logs: Array<string> = []
  const settings = options.config ?? baseConfig()
  const layer = ProxyLive({ port: 0, host: "127.0.0.1" }).pipe(
    Layer.provide(options.upstream),
    Layer.provide(options.audit ?? Audit.layer("-")),
    Layer.provide(Layer.succeed(ProxySettings, settings)),
    // Access-log lines and every other log line land in `logs`, so tests see all of what would be printed.
    Layer.provide(
      Layer.effect(
        AccessLog,
        AccessLog.make((line) => void logs.push(line))
      )
    ),
    Layer.provide(
      Logger.replace(
        Logger.defaultLogger,
        Logger.map(Logger.jsonLogger, (line) => void logs.push(line))
      )
    )
  )
  const runtime = ManagedRuntime.make(layer)
  const port = await runtime.runPromise(boundPort)
  return { url: `http://127.0.0.1:${port}`, logs, close: () => runtime.dispose() }
}

/** An in-process sandbox (the kit's) as the upstream, with credentials only this run knows; `sandbox` is its service. */
export const startSandbox = async (projects: ReadonlyArray<string> = ["proj_a", "proj_b"]) => {
  const credentials = { managementId: "upstream-id", managementToken: mintKey() }
  const sandbox = await startTestSandbox({ projects, credentials })
  return { ...sandbox, upstream: Upstream.remote(sandbox.url, credentials), credentials }
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "hang"

/** A scripted upstream over real HTTP that counts and keeps what it was sent. */
export const startFakeUpstream = async (reply: (req: IncomingMessage, body: string) => Reply) => {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }> = []
  const hung: Array<(status: number, body?: unknown) => void> = []
  const server: Server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => {
      body += c
    })
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })
      const r = reply(req, body)
      if (r === "hang") {
        hung.push((status, body) => {
          res.writeHead(status, { "content-type": "application/json" })
          res.end(body === undefined ? "" : JSON.stringify(body))
        })
        return
      }
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers })
      res.end(r.body === undefined ? "" : JSON.stringify(r.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  const token = mintKey()
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    /** Answer the requests that were left hanging, one function each. */
    pendingResponses: () => hung.splice(0),
    token: Redacted.value(token),
    upstream: Upstream.remote(`http://127.0.0.1:${port}`, { managementId: "fake-upstream", managementToken: token }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export const webhookBody = (overrides: Record<string, unknown> = {}) => ({
  target_url: "https://hooks.example.com/voucherify",
  events: ["redemption.succeeded"],
  active: true,
  ...overrides
})

export const call = async (
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown
) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
  const text = await res.text()
  let json: unknown
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, headers: res.headers, text, json: json as Record<string, unknown> }
}
