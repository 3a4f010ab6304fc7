import { spawn } from "node:child_process"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { layer, Sandbox } from "@voucherify-webhooks/sandbox/Sandbox"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"

export const bin = join(import.meta.dirname, "..", "dist", "vwh.js")

export interface Started {
  readonly sandbox: Context.Tag.Service<Sandbox>
  readonly run: <A, E>(effect: Effect.Effect<A, E, Sandbox>) => Promise<A>
  readonly env: Record<string, string>
  readonly close: () => Promise<void>
}

/** The real sandbox on 127.0.0.1:0 in this process; the CLI reaches it over HTTP. */
export const startSandbox = async (projects: ReadonlyArray<string> = []): Promise<Started> => {
  const runtime = ManagedRuntime.make(layer({ host: "127.0.0.1", port: 0, projects }))
  const sandbox = await runtime.runPromise(Sandbox)
  return {
    sandbox,
    run: (effect) => runtime.runPromise(effect),
    env: {
      VOUCHERIFY_API_URL: sandbox.url,
      VOUCHERIFY_MANAGEMENT_ID: sandbox.credentials.managementId,
      VOUCHERIFY_MANAGEMENT_TOKEN: Redacted.value(sandbox.credentials.managementToken)
    },
    close: () => runtime.dispose()
  }
}

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The environment minus anything VOUCHERIFY_*, so the developer's own settings never leak into a test. */
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VOUCHERIFY_"))) as Record<
    string,
    string
  >

/** Runs the built bin as a child process; stdin is a pipe (not a TTY). */
export const vwh = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...cleanEnv(), ...env }, stdio: "pipe" })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += d
    })
    child.stderr.on("data", (d) => {
      stderr += d
    })
    child.stdin.end()
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** A long-running bin (listen): resolves once a stderr line matches, with a way to stop it. */
export const vwhBackground = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  ready: RegExp,
  stream: "stdout" | "stderr" = "stderr"
) =>
  new Promise<{
    match: RegExpMatchArray
    stdout: () => string
    stderr: () => string
    stop: () => Promise<number | null>
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...cleanEnv(), ...env }, stdio: "pipe" })
    let stdout = ""
    let stderr = ""
    const exited = new Promise<number | null>((r) => child.on("close", r))
    const check = () => {
      const match = (stream === "stdout" ? stdout : stderr).match(ready)
      if (match)
        resolve({
          match,
          stdout: () => stdout,
          stderr: () => stderr,
          stop: () => {
            child.kill("SIGINT")
            return exited
          }
        })
    }
    child.stdout.on("data", (d) => {
      stdout += d
      check()
    })
    child.stderr.on("data", (d) => {
      stderr += d
      check()
    })
    child.on("close", (code) => reject(new Error(`exited ${code} before ready: ${stderr}`)))
  })

export interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A plain HTTP receiver on 127.0.0.1:0 that records what it gets. */
export const receiver = async () => {
  const received: Array<Received> = []
  const server = createServer((req, res) => {
    let body = ""
    req.on("data", (d) => {
      body += d
    })
    req.on("end", () => {
      received.push({ headers: req.headers, body })
      res.end("ok")
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r()))
  }
}

/** A port nothing listens on: bound, then closed. */
export const closedPort = async () => {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

export const waitFor = async (check: () => boolean, timeoutMs = 5000) => {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 25))
  }
}

export const requests = (s: Started) => s.run(s.sandbox.requests)
export const reset = (s: Started) => s.run(s.sandbox.reset)
export { Effect }
