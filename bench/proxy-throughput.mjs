// Proxy throughput: GET list through the BUILT vwh-proxy (apps/proxy/dist/main.js) to the BUILT sandbox, next
// to two baselines measured in the same run: the sandbox directly, and a minimal node:http pass-through proxy
// (below) that forwards bytes with a keep-alive agent and checks nothing. Then a sustained run sampling the
// proxy's RSS. Usage: node proxy-throughput.mjs [--duration 10] [--connections 50] [--sustain 30]
// Targets: proxy ≥ 80 % of the pass-through's requests/s, p99 ≤ 1.3× the pass-through's, RSS flat.
import { spawn, spawnSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { Agent, createServer, request } from "node:http"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import autocannon from "autocannon"

const here = dirname(fileURLToPath(import.meta.url))
const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    sustain: { type: "string", default: "30" }
  }
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const sustain = Number(values.sustain)

for (const dir of ["../packages/sandbox", "../apps/proxy"]) {
  const r = spawnSync(process.execPath, ["build.mjs"], { cwd: join(here, dir), stdio: "inherit" })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const start = (bin, args, env, ready) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
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

// --- upstream: the sandbox, with credentials only this run knows
const upstreamCreds = { id: "bench-upstream", token: randomBytes(24).toString("hex") }
const sandbox = await start(
  join(here, "../packages/sandbox/dist/main.js"),
  ["--port", "0"],
  { VOUCHERIFY_MANAGEMENT_ID: upstreamCreds.id, VOUCHERIFY_MANAGEMENT_TOKEN: upstreamCreds.token },
  /listening on (http:\/\/\S+)/
)
const upstreamHeaders = { "x-management-id": upstreamCreds.id, "x-management-token": upstreamCreds.token }
const send = async (base, method, path, headers, body) => {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {})
  })
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`)
}
await send(sandbox.url, "PUT", "/sandbox/rate-limit", upstreamHeaders, { limit: 0, windowMs: 1000 })
const path = "/management/v1/projects/proj_sandbox/webhooks"
for (let i = 0; i < 5; i++) {
  await send(sandbox.url, "POST", path, upstreamHeaders, {
    target_url: `https://hooks${i}.example.com/voucherify`,
    events: ["redemption.succeeded", "voucher.created"],
    active: true
  })
}

// --- baseline: a minimal pass-through proxy (no auth, no validation, no logs)
const target = new URL(sandbox.url)
const agent = new Agent({ keepAlive: true, maxSockets: 256 })
const passThrough = createServer((req, res) => {
  const up = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers)
      upRes.pipe(res)
    }
  )
  up.on("error", () => {
    res.writeHead(502)
    res.end()
  })
  req.pipe(up)
})
await new Promise((r) => passThrough.listen(0, "127.0.0.1", r))
const passUrl = `http://127.0.0.1:${passThrough.address().port}`

// --- vwh-proxy, as operators run it: a config file, upstream from the environment, default logging
const clientKey = `vwhk_${randomBytes(32).toString("base64url")}`
const config = join(tmpdir(), `vwh-proxy-bench-${process.pid}.json`)
writeFileSync(
  config,
  JSON.stringify({
    port: 0,
    clients: [
      {
        id: "bench",
        keyHash: `sha256:${createHash("sha256").update(clientKey).digest("hex")}`,
        projects: "*",
        access: ["read", "write"],
        rateLimit: { perSecond: 1e9, burst: 1e9 }
      }
    ],
    upstream: { maxRetries: 0 }
  })
)
const proxy = await start(
  join(here, "../apps/proxy/dist/main.js"),
  ["--config", config],
  {
    VOUCHERIFY_API_URL: sandbox.url,
    VOUCHERIFY_MANAGEMENT_ID: upstreamCreds.id,
    VOUCHERIFY_MANAGEMENT_TOKEN: upstreamCreds.token,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info"
  },
  /listening on (http:\/\/\S+)/
)
const proxyHeaders = { "x-management-id": "bench", "x-management-token": clientKey }

const cannon = (url, headers, seconds) =>
  new Promise((resolve, reject) => {
    autocannon({ url: `${url}${path}`, headers, connections, duration: seconds }, (err, r) =>
      err ? reject(err) : resolve(r)
    )
  })
const summary = (r) => ({
  rps: Math.round(r.requests.average),
  p50ms: r.latency.p50,
  p99ms: r.latency.p99,
  non2xx: r.non2xx,
  errors: r.errors + r.timeouts
})

const results = {}
for (const [name, url, headers] of [
  ["direct → sandbox", sandbox.url, upstreamHeaders],
  ["pass-through → sandbox", passUrl, upstreamHeaders],
  ["vwh-proxy → sandbox", proxy.url, proxyHeaders]
]) {
  await cannon(url, headers, 2) // warm-up (JIT, keep-alive pools)
  results[name] = summary(await cannon(url, headers, duration))
}
console.log(`GET list (5 webhooks), ${connections} connections, ${duration} s each`)
console.table(results)
const pass = results["pass-through → sandbox"]
const mine = results["vwh-proxy → sandbox"]
const ratio = mine.rps / pass.rps
const p99 = mine.p99ms / Math.max(pass.p99ms, 1)
console.log(
  `throughput vs pass-through: ${(ratio * 100).toFixed(1)} % (target ≥ 80 %) ${ratio >= 0.8 ? "OK" : "MISSED"}`
)
console.log(`p99 vs pass-through:        ${p99.toFixed(2)}× (target ≤ 1.3×) ${p99 <= 1.3 ? "OK" : "MISSED"}`)

// --- sustained: RSS sampled every second while the proxy is under load
const samples = []
const sampler = setInterval(() => samples.push(rssMb(proxy.child.pid)), 1000)
const sustained = summary(await cannon(proxy.url, proxyHeaders, sustain))
clearInterval(sampler)
await sleep(100)
const q = Math.max(1, Math.floor(samples.length / 4))
const early = Math.max(...samples.slice(0, q))
const late = Math.max(...samples.slice(-q))
console.log(
  `sustained ${sustain} s: ${sustained.rps} req/s, ${sustained.non2xx} non-2xx, RSS MB early max ${early.toFixed(1)} → late max ${late.toFixed(1)} (${(((late - early) / early) * 100).toFixed(1)} %), samples: ${samples.map((s) => s.toFixed(0)).join(" ")}`
)

proxy.child.kill("SIGTERM")
sandbox.child.kill("SIGTERM")
passThrough.close()
agent.destroy()
