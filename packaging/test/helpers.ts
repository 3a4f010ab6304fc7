import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))

/** Every package a user can install; each must pack, install and work from its tarball alone. */
export const publicPackages = [
  "@voucherify-webhooks/core",
  "@voucherify-webhooks/sandbox",
  "@voucherify-webhooks/cli",
  "@voucherify-webhooks/proxy"
] as const

export interface Installed {
  /** The temporary folder (outside the workspace) holding everything below. */
  readonly root: string
  /** The consumer's folder, where `npm install <tarballs>` ran. */
  readonly app: string
  /** Package name → its tarball. */
  readonly tarballs: Record<string, string>
  /** Package name → the paths in its tarball (without the leading `package/`). */
  readonly files: Record<string, Array<string>>
  /** Package name → the package.json inside its tarball (what a registry would serve). */
  readonly manifests: Record<string, Record<string, unknown>>
  readonly timings: { readonly packMs: number; readonly installMs: number }
}

export interface Ran {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end (killed after `timeoutMs`), capturing its output. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}
): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8")
    })
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8")
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000)
    child.on("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    // A child that exits without reading its stdin (most do) makes this write fail with EPIPE; that is no failure
    // of the run (its exit status says how it went), but without a listener it is an unhandled error.
    child.stdin.on("error", () => {})
    child.stdin.end(options.input ?? "")
  })

/**
 * The environment of a user's shell: without the npm_* and pnpm variables `pnpm run` adds (they would make npm
 * act on the workspace's settings), but with the npm cache and registry a user may have configured.
 */
export const npmEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase()
    if (lower === "npm_config_cache" || lower === "npm_config_registry") env[key] = value
    else if (!lower.startsWith("npm_") && !lower.startsWith("pnpm_") && !lower.startsWith("turbo_")) env[key] = value
  }
  return { ...env, ...extra }
}

/** An installed bin of the consumer's node_modules. */
export const bin = (installed: Installed, name: string) => join(installed.app, "node_modules", ".bin", name)

export interface RunningSandbox {
  readonly url: string
  readonly env: { VOUCHERIFY_API_URL: string; VOUCHERIFY_MANAGEMENT_ID: string; VOUCHERIFY_MANAGEMENT_TOKEN: string }
  readonly stop: () => Promise<void>
}

/** Starts the installed `vwh-sandbox` bin on a free port and reads its URL and credentials from the banner. */
export const startSandboxBin = (installed: Installed): Promise<RunningSandbox> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(bin(installed, "vwh-sandbox"), ["--port", "0"], {
      cwd: installed.app,
      env: npmEnv({ VOUCHERIFY_MANAGEMENT_ID: "", VOUCHERIFY_MANAGEMENT_TOKEN: "" }),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`vwh-sandbox printed no banner within 20 s:\n${out}`))
    }, 20_000)
    child.on("exit", (code) => reject(new Error(`vwh-sandbox exited (${code}):\n${out}`)))
    child.stderr?.on("data", (c: Buffer) => {
      out += c.toString("utf8")
    })
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString("utf8")
      const url = /export VOUCHERIFY_API_URL=(\S+)/.exec(out)?.[1]
      const id = /export VOUCHERIFY_MANAGEMENT_ID=(\S+)/.exec(out)?.[1]
      const token = /export VOUCHERIFY_MANAGEMENT_TOKEN=(\S+)/.exec(out)?.[1]
      if (url && id && token) {
        clearTimeout(timer)
        resolve({
          url,
          env: { VOUCHERIFY_API_URL: url, VOUCHERIFY_MANAGEMENT_ID: id, VOUCHERIFY_MANAGEMENT_TOKEN: token },
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done()
              child.once("exit", () => done())
              child.kill("SIGTERM")
            })
        })
      }
    })
  })
