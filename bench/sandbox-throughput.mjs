// Sandbox throughput: requests/second for GET list and POST create against the BUILT sandbox (dist/main.js),
// and its RSS after 100k requests, each next to a baseline measured in the same run: a minimal node:http
// server answering a fixed JSON list. Usage: node sandbox-throughput.mjs [--duration 5] [--connections 50]
// (build first: cd packages/sandbox && node build.mjs)
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import autocannon from "autocannon"
import { sandboxBin as bin, startSandboxProcess } from "./kit.mjs"

const { values } = parseArgs({
  options: { duration: { type: "string", default: "5" }, connections: { type: "string", default: "50" } }
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const bulk = 100_000

if (!existsSync(bin)) {
  console.error(`missing ${bin}: run \`node build.mjs\` in packages/sandbox first`)
  process.exit(2)
}

const rssMb = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024
}

const run = (opts) =>
  new Promise((resolve, reject) => {
    autocannon({ connections, ...opts }, (err, result) => (err ? reject(err) : resolve(result)))
  })

const summary = (r) => ({
  rps: Math.round(r.requests.average),
  p99ms: r.latency.p99,
  ok: r["2xx"],
  non2xx: r.non2xx,
  errors: r.errors
})

// --- the sandbox, as users run it (the test kit starts the bin and reads its banner)
const sandbox = await startSandboxProcess()
const { url, child } = sandbox
const headers = { ...sandbox.auth, "content-type": "application/json" }
const call = async (method, path, body) => {
  const res = await fetch(`${url}${path}`, { method, headers, body: body && JSON.stringify(body) })
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`)
  return res.status === 204 ? undefined : res.json()
}
// The default 2,000/min limit would turn the bench into a 429 bench.
await call("PUT", "/sandbox/rate-limit", { limit: 0, windowMs: 60000 })
const webhook = { target_url: "https://example.com/hook", events: ["redemption.succeeded"], active: true }
const listPath = "/management/v1/projects/proj_sandbox/webhooks"
for (let i = 0; i < 10; i++) await call("POST", listPath, webhook)
const listBody = JSON.stringify(await call("GET", listPath))
// Creates spread over many projects so the 500-webhooks-per-project cap is not what gets measured.
const projects = Array.from({ length: 900 }, (_, i) => `proj_bench${i}`)
for (const id of projects) await call("POST", "/sandbox/projects", { id })
const createRequests = projects.map((p) => ({
  method: "POST",
  path: `/management/v1/projects/${p}/webhooks`,
  body: JSON.stringify(webhook)
}))

// --- the baseline: the cheapest possible server for the same answers, in its own process (for a fair RSS)
const created = JSON.stringify({
  id: "wh_AAAAAAAAAAAAAAAAAAAAAAAA",
  object: "webhook",
  created_at: new Date().toISOString(),
  ...webhook
})
const baselineCode = `
const { createServer } = require("node:http")
const server = createServer((req, res) => {
  req.resume()
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" })
    .end(req.method === "POST" ? process.env.CREATED : process.env.LIST))
})
server.listen(0, "127.0.0.1", () => console.log("port " + server.address().port))`
const baseline = spawn(process.execPath, ["-e", baselineCode], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, LIST: listBody, CREATED: created }
})
const basePort = await new Promise((resolve) => {
  baseline.stdout.once("data", (c) => resolve(Number(/port (\d+)/.exec(String(c))[1])))
})
const baseUrl = `http://127.0.0.1:${basePort}`

const measure = async (target, label) => {
  const list = summary(await run({ url: `${target}${listPath}`, headers, duration }))
  const create = summary(await run({ url: target, headers, duration, requests: createRequests.map((r) => ({ ...r })) }))
  return { label, list, create }
}

const sandboxRss0 = rssMb(child.pid)
const baseRss0 = rssMb(baseline.pid)
const base = await measure(baseUrl, "baseline")
const sand = await measure(url, "sandbox")
// 100k list requests, then RSS.
const baseBulk = summary(await run({ url: `${baseUrl}${listPath}`, headers, amount: bulk }))
const baseRss = rssMb(baseline.pid)
const sandBulk = summary(await run({ url: `${url}${listPath}`, headers, amount: bulk }))
const sandboxRss = rssMb(child.pid)

const ratio = (a, b) => (b === 0 ? "n/a" : (a / b).toFixed(2))
console.log(`sandbox throughput (node ${process.version}, ${connections} connections, ${duration}s per run)`)
console.table({
  "GET list rps": { baseline: base.list.rps, sandbox: sand.list.rps, ratio: ratio(sand.list.rps, base.list.rps) },
  "GET list p99 ms": {
    baseline: base.list.p99ms,
    sandbox: sand.list.p99ms,
    ratio: ratio(sand.list.p99ms, base.list.p99ms)
  },
  "POST create rps": {
    baseline: base.create.rps,
    sandbox: sand.create.rps,
    ratio: ratio(sand.create.rps, base.create.rps)
  },
  "POST create p99 ms": {
    baseline: base.create.p99ms,
    sandbox: sand.create.p99ms,
    ratio: ratio(sand.create.p99ms, base.create.p99ms)
  },
  [`RSS MB after ${bulk / 1000}k more`]: {
    baseline: Math.round(baseRss),
    sandbox: Math.round(sandboxRss),
    ratio: ratio(sandboxRss, baseRss)
  }
})
console.log(
  `sandbox: RSS at start ${sandboxRss0.toFixed(0)} MB; non-2xx list/create/bulk ${sand.list.non2xx}/${sand.create.non2xx}/${sandBulk.non2xx}, errors ${sand.list.errors}/${sand.create.errors}/${sandBulk.errors}; webhooks created ${sand.create.ok}`
)
console.log(
  `baseline: RSS at start ${baseRss0.toFixed(0)} MB; non-2xx ${base.list.non2xx}/${base.create.non2xx}/${baseBulk.non2xx}`
)
baseline.kill()
await sandbox.stop()
