import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Redacted from "effect/Redacted"
import { hashKey, mintKey } from "../src/Keys.js"

/** The package's directory. */
export const root = join(import.meta.dirname, "..")

/** The built bundle (what `npm start` runs), built once for the whole run by test/globalSetup.ts. */
export const main = join(root, "dist", "main.js")

/** A temporary directory for this test file's configs and audit files. */
export const dir = mkdtempSync(join(tmpdir(), "vwh-proxy-"))

/** The environment without anything that configures the proxy or points it at an upstream, plus `extra`. */
export const cleanEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(env))
    if (
      k.startsWith("VOUCHERIFY_") ||
      k.startsWith("OTEL_") ||
      ["PORT", "HOST", "PROXY_CONFIG", "LOG_LEVEL", "REDIS_URL", "REDIS_URL_FILE"].includes(k)
    )
      delete env[k]
  return { ...env, ...extra }
}

/** Runs the bin to completion (a refused start, check-config, hash-key). */
export const runProxy = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, cwd?: string) =>
  spawnSync(process.execPath, [main, ...args], { env, encoding: "utf8", timeout: 30_000, ...(cwd ? { cwd } : {}) })

const waitForPort = (child: ChildProcess, output: { text: string }) =>
  new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${output.text}`)), 15_000)
    child.stdout!.on("data", () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(output.text)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${output.text}`)))
  })

/** The built proxy as a child process; `port` resolves once its banner names the port it bound. */
export const spawnProxy = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, cwd?: string) => {
  const child = spawn(process.execPath, [main, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd ? { cwd } : {})
  })
  const output = { text: "" }
  child.stdout!.on("data", (c) => {
    output.text += c
  })
  child.stderr!.on("data", (c) => {
    output.text += c
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const port = waitForPort(child, output)
  // A test that expects the process to refuse to start never awaits the port.
  port.catch(() => {})
  return { child, output, exited, port }
}

/** A clean environment pointing the proxy at an upstream (a scripted one, or a sandbox) with its credentials. */
export const upstreamEnv = (
  upstream: { readonly url: string; readonly token: string; readonly id?: string },
  extra: NodeJS.ProcessEnv = {}
) =>
  cleanEnv({
    VOUCHERIFY_API_URL: upstream.url,
    VOUCHERIFY_MANAGEMENT_ID: upstream.id ?? "fake-upstream",
    VOUCHERIFY_MANAGEMENT_TOKEN: upstream.token,
    ...extra
  })

/** A webhook as the upstream answers it. */
export const webhookJson = (target_url: string) => ({
  id: "wh_aaaaaaaaaaaaaaaaaaaaaaaa",
  object: "webhook",
  created_at: new Date().toISOString(),
  target_url,
  events: ["redemption.succeeded"],
  active: true
})

/**
 * A config file with one read-write client "ci-bot" on proj_a (its fields changed by `client`, the file's by
 * `extra`); returns its path and the client's key.
 */
export const writeConfig = (name: string, extra: Record<string, unknown>, client: Record<string, unknown> = {}) => {
  const key = Redacted.value(mintKey())
  const path = join(dir, `${name}.json`)
  writeFileSync(
    path,
    JSON.stringify({
      port: 0,
      clients: [
        {
          id: "ci-bot",
          keyHash: hashKey(Redacted.make(key)),
          projects: ["proj_a"],
          access: ["read", "write"],
          ...client
        }
      ],
      ...extra
    })
  )
  return {
    path,
    key,
    headers: { "x-management-id": "ci-bot", "x-management-token": key, "content-type": "application/json" }
  }
}

/** Polls until `check` is true, or fails after `ms`. */
export const eventually = async (check: () => boolean | Promise<boolean>, ms = 10_000, what = "condition") => {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
