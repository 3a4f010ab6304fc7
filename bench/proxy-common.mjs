// What the proxy benchmarks share: build the sandbox and the proxy, start them (and stop them whatever happens),
// a sandbox with credentials only this run knows, a proxy configured as operators run it, and the CPU a process
// has used (from /proc), which is what decides the numbers on a small shared machine.
import { spawn, spawnSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { startSandboxProcess } from "./kit.mjs"

export const here = dirname(fileURLToPath(import.meta.url))

/** Builds the sandbox and the proxy bundles (what `npm start` runs), exiting on failure. */
export const build = () => {
  for (const dir of ["../packages/sandbox", "../apps/proxy"]) {
    const r = spawnSync(process.execPath, ["build.mjs"], { cwd: join(here, dir), stdio: "inherit" })
    if (r.status !== 0) process.exit(r.status ?? 1)
  }
}

// CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (fields 14 and 15).
const clockTicks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100
export const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks
}
export const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
/** How busy the machine is, printed with each phase: the numbers of a busy one are read as such. */
export const load = () => `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`

// Whatever a script started goes down with it, even when it fails half-way.
const children = []
process.on("exit", () => {
  for (const child of children) child.kill("SIGTERM")
})

/** Starts `bin` with node and resolves once stdout matches `ready` (its first group is the URL). */
export const start = (bin, args, env, ready, flags = []) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    children.push(child)
    let text = ""
    const onData = (c) => {
      text += c
      const m = ready.exec(text)
      if (m) {
        // Keep draining stdout (access logs) so the child never blocks on a full pipe.
        child.stdout.off("data", onData)
        child.stdout.resume()
        resolve({ child, url: m[1] })
      }
    }
    child.stdout.on("data", onData)
    child.once("exit", (code) => reject(new Error(`${bin} exited with ${code}: ${text}`)))
  })

/** fetch that throws on a status of 300 or more. */
export const send = async (base, method, path, headers, body) => {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {})
  })
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`)
}

export const path = "/management/v1/projects/proj_sandbox/webhooks"

/** A process and its children (a proxy with `workers` is a primary and its workers), from /proc. */
export const withChildren = (pid) => {
  const children = []
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim()
    if (text !== "") children.push(...text.split(/\s+/).map(Number))
  }
  return [pid, ...children]
}

/**
 * A throwaway redis-server on a free loopback port (no persistence), or the reason there is none (not installed).
 * Stopped with this script.
 */
export const startRedis = async () => {
  if (spawnSync("redis-server", ["--version"]).status !== 0) {
    return { missing: "redis-server is not installed (Debian/Ubuntu: sudo apt-get install redis-server)" }
  }
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmpdir()],
    { stdio: "ignore" }
  )
  children.push(child)
  for (let i = 0; i < 100; i++) {
    if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG") break
    await sleep(50)
  }
  return { child, url: `redis://127.0.0.1:${port}` }
}

/**
 * The built sandbox (the test kit's startSandboxProcess) with credentials only this run knows, no rate limit, and
 * five webhooks in proj_sandbox.
 */
export const startSandbox = async () => {
  const creds = { id: "bench-upstream", token: randomBytes(24).toString("hex") }
  const sandbox = await startSandboxProcess({ credentials: { managementId: creds.id, managementToken: creds.token } })
  const headers = sandbox.auth
  await send(sandbox.url, "PUT", "/sandbox/rate-limit", headers, { limit: 0, windowMs: 1000 })
  for (let i = 0; i < 5; i++) {
    await send(sandbox.url, "POST", path, headers, {
      target_url: `https://hooks${i}.example.com/voucherify`,
      events: ["redemption.succeeded", "voucher.created"],
      active: true
    })
  }
  return { ...sandbox, creds, headers }
}

// Node flags exactly as the proxy's own start script gives them (a larger young generation: less GC per request).
const startScript = JSON.parse(readFileSync(join(here, "../apps/proxy/package.json"), "utf8")).scripts.start
export const proxyNodeFlags = /^node (.*?)\s*dist\/main\.js$/.exec(startScript)?.[1].split(/\s+/).filter(Boolean) ?? []

/**
 * The built vwh-proxy as operators run it: a config file with one read-write client (no client rate limit, so the
 * bench measures the proxy, not its limiter), the upstream from the environment, default logging; `extraEnv` on
 * top (OTEL_* to trace), `extraFlags` for node (--cpu-prof), `bin` another build of it (proxy-ab.mjs).
 */
export const proxyBin = join(here, "../apps/proxy/dist/main.js")
export const startProxy = async (sandbox, extraConfig = {}, extraEnv = {}, extraFlags = [], bin = proxyBin) => {
  const key = `vwhk_${randomBytes(32).toString("base64url")}`
  const config = join(tmpdir(), `vwh-proxy-bench-${process.pid}-${randomBytes(4).toString("hex")}.json`)
  writeFileSync(
    config,
    JSON.stringify({
      port: 0,
      clients: [
        {
          id: "bench",
          keyHash: `sha256:${createHash("sha256").update(key).digest("hex")}`,
          projects: "*",
          access: ["read", "write"],
          rateLimit: { perSecond: 1e9, burst: 1e9 }
        }
      ],
      upstream: { maxRetries: 0 },
      ...extraConfig
    })
  )
  const proxy = await start(
    bin,
    ["--config", config],
    {
      VOUCHERIFY_API_URL: sandbox.url,
      VOUCHERIFY_MANAGEMENT_ID: sandbox.creds.id,
      VOUCHERIFY_MANAGEMENT_TOKEN: sandbox.creds.token,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      ...extraEnv
    },
    /listening on (http:\/\/\S+)/,
    [...proxyNodeFlags, ...extraFlags]
  )
  return { ...proxy, headers: { "x-management-id": "bench", "x-management-token": key } }
}
