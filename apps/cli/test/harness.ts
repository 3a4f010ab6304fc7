import { spawn, spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { afterEach } from "vitest"

export const bin = join(import.meta.dirname, "..", "dist", "vwh.js")

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
export const vwh = async (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Result> => {
  const run = vwhChild(args, env)
  const { code } = await run.exited
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

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

export { Effect }

/** A file in the temporary directory, unique to this test process. */
export const tempFile = (name: string, text?: string) => {
  const path = join(tmpdir(), `vwh-${process.pid}-${name}`)
  if (text !== undefined) writeFileSync(path, text)
  return path
}

/** A fakeApi per test, closed after each (call at the top of a test file). */
export const useFakeApis = () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of closers.splice(0)) await close()
  })
  return async (answer: Parameters<typeof fakeApi>[0]) => {
    const server = await fakeApi(answer)
    closers.push(server.close)
    return server
  }
}

/** A started bin as a child process, to signal and watch. */
export const vwhChild = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
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
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  )
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/**
 * A Management API stand-in on loopback: `answer` decides each request (return false to leave it hanging). It
 * records every request and whether its connection was closed before an answer (a cancelled request).
 */
export const fakeApi = async (answer: (req: IncomingMessage, body: string, res: ServerResponse) => boolean) => {
  const seen: Array<{ method: string; url: string; body: string; cancelled: boolean }> = []
  const server = createServer((req, res) => {
    let body = ""
    req.on("data", (d) => {
      body += d
    })
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", body, cancelled: false }
      seen.push(entry)
      res.on("close", () => {
        if (!res.writableEnded) entry.cancelled = true
      })
      answer(req, body, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    seen,
    env: { VOUCHERIFY_API_URL: url, VOUCHERIFY_MANAGEMENT_ID: "id-1", VOUCHERIFY_MANAGEMENT_TOKEN: "token-secret-123" },
    close: () => {
      server.closeAllConnections()
      return new Promise<void>((r) => server.close(() => r()))
    }
  }
}

export const webhookJson = (id: string, target_url: string, events: ReadonlyArray<string>, active = true) => ({
  id,
  object: "webhook",
  created_at: "2024-01-01T00:00:00.000Z",
  target_url,
  events,
  active
})

export const listJson = (data: ReadonlyArray<unknown>) => ({
  object: "list",
  data_ref: "data",
  data,
  total: data.length
})

export const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

const hasScript = spawnSync("script", ["--version"]).status === 0
/** util-linux's `script`, to run the bin on a pseudo-terminal; tests that need one skip, saying so, without it. */
export const ptyAvailable = hasScript
if (!hasScript)
  console.warn("skipping the pseudo-terminal tests: install util-linux's `script` (apt-get install bsdutils)")

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`

/** Runs the bin on a pseudo-terminal (stdin, stdout and stderr all a terminal); type into it with `write`. */
export const vwhPty = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const command = [process.execPath, bin, ...args].map(quote).join(" ")
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { ...cleanEnv(), TERM: "xterm", ...env },
    stdio: "pipe"
  })
  let output = ""
  child.stdout.on("data", (d) => {
    output += d
  })
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  return {
    output: () => output,
    write: (text: string) => child.stdin.write(text),
    exited,
    kill: () => child.kill("SIGKILL")
  }
}
