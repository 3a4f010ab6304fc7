// Receiving deliveries: CPU per delivery of core's verifyDelivery and parseDelivery (exact bytes, and the
// compact-form fallback), then requests/second of nodeWebhookHandler over HTTP, each next to a baseline measured
// in the same run: HMAC + timingSafeEqual + JSON.parse by hand, and a bare node:http server doing just that.
// Usage: node receive.mjs [--iterations 20000] [--duration 5] [--connections 20]
// Core is TypeScript: this bundles what it measures with esbuild into a temporary directory first.
import { spawn } from "node:child_process"
import { createHmac, timingSafeEqual } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import autocannon from "autocannon"
import { build } from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))
const core = join(here, "../packages/core/src")
const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "20000" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "20" }
  }
})
const iterations = Number(values.iterations)
const duration = Number(values.duration)
const connections = Number(values.connections)

const dir = mkdtempSync(join(tmpdir(), "receive-bench-"))
const children = []
const cleanup = () => {
  for (const child of children) child.kill()
  rmSync(dir, { recursive: true, force: true })
}
process.on("exit", cleanup)

const bundle = async (name, source) => {
  const entry = join(dir, `${name}.ts`)
  writeFileSync(entry, source)
  const out = join(dir, `${name}.mjs`)
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "error",
    // The entries live in a temporary directory: resolve effect from here.
    nodePaths: [join(here, "node_modules")]
  })
  return out
}

const lib = await import(
  pathToFileURL(
    await bundle(
      "lib",
      `export { verifyDelivery } from "${core}/VerifyDelivery.ts"
       export { parseDelivery } from "${core}/TypedDelivery.ts"
       export { makeDelivery } from "${core}/MakeDelivery.ts"
       export { signPayload } from "${core}/Signature.ts"
       export { runSync } from "effect/Effect"`
    )
  ).href
)

const secret = "whsec_bench"
const delivery = lib.runSync(lib.makeDelivery("redemption.succeeded", { id: "whs_bench000000000001" }))
const body = JSON.stringify(delivery)
const pretty = JSON.stringify(delivery, null, 2)
const signature = signPayloadHex(body)
const headers = { "x-voucherify-signature": signature }

function signPayloadHex(text) {
  return createHmac("sha256", secret).update(text).digest("hex")
}

/** µs per call, after a warm-up. */
const time = (fn) => {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn()
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) fn()
  return Number(process.hrtime.bigint() - start) / 1000 / iterations
}

const baseline = () => {
  const given = Buffer.from(signature, "hex")
  const ok = timingSafeEqual(createHmac("sha256", secret).update(body).digest(), given)
  if (!ok) throw new Error("baseline did not verify")
  return JSON.parse(body)
}
const check = (effect) => {
  const result = lib.runSync(effect)
  if (result.delivery.id !== delivery.id) throw new Error("wrong delivery")
}

console.log(`delivery: redemption.succeeded fixture, ${Buffer.byteLength(body)} bytes; ${iterations} iterations each`)
const base = time(baseline)
const rows = [
  ["baseline: HMAC + timingSafeEqual + JSON.parse", base],
  ["verifyDelivery (exact bytes, envelope decoded)", time(() => check(lib.verifyDelivery(body, headers, secret)))],
  ["parseDelivery (exact bytes, data typed)", time(() => check(lib.parseDelivery(body, headers, secret)))],
  ["parseDelivery (re-indented: compact fallback)", time(() => check(lib.parseDelivery(pretty, headers, secret)))]
]
console.table(rows.map(([what, us]) => ({ what, "µs/delivery": us.toFixed(1), "× baseline": (us / base).toFixed(1) })))

// --- over HTTP: the Node adapter (de-duplication off, else every request after the first is a duplicate)
const adapter = await bundle(
  "server",
  `import * as http from "node:http"
   import { nodeWebhookHandler } from "${core}/ReceiveNode.ts"
   const server = http.createServer(nodeWebhookHandler({ secret: "${secret}", dedupe: false, onDelivery: () => {} }))
   server.listen(0, "127.0.0.1", () => console.log("port " + server.address().port))`
)
const bare = join(dir, "bare.mjs")
writeFileSync(
  bare,
  `import * as http from "node:http"
   import { createHmac, timingSafeEqual } from "node:crypto"
   const server = http.createServer((req, res) => {
     const chunks = []
     req.on("data", (c) => chunks.push(c))
     req.on("end", () => {
       const raw = Buffer.concat(chunks)
       const given = Buffer.from(String(req.headers["x-voucherify-signature"]), "hex")
       const ok = given.length === 32 && timingSafeEqual(createHmac("sha256", "${secret}").update(raw).digest(), given)
       if (!ok) return res.writeHead(401).end()
       const delivery = JSON.parse(raw.toString())
       res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ received: true, id: delivery.id }))
     })
   })
   server.listen(0, "127.0.0.1", () => console.log("port " + server.address().port))`
)

const start = (file) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "inherit"] })
    children.push(child)
    child.stdout.on("data", (c) => {
      const port = /port (\d+)/.exec(String(c))
      if (port) resolve(`http://127.0.0.1:${port[1]}/`)
    })
    child.once("exit", (code) => reject(new Error(`${file} exited with ${code}`)))
  })

const load = (url) =>
  new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: "POST",
        body,
        headers: { ...headers, "content-type": "application/json" },
        connections,
        duration
      },
      (err, r) => (err ? reject(err) : resolve(r))
    )
  })

const results = []
for (const [what, file] of [
  ["baseline: bare node:http, HMAC + JSON.parse", bare],
  ["nodeWebhookHandler (parseDelivery, typed)", adapter]
]) {
  const url = await start(file)
  const r = await load(url)
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors`)
  results.push({ what, "req/s": Math.round(r.requests.average), "p99 ms": r.latency.p99 })
}
console.table(results.map((r) => ({ ...r, "× baseline req/s": (r["req/s"] / results[0]["req/s"]).toFixed(2) })))
cleanup()
process.exit(0)
