// Builds of vwh-proxy side by side in one run, against one sandbox, next to the pass-through baseline: CPU per
// request (saturated bursts) and the paced rows (throughput, p99), in alternating rounds (order reversed each
// round) so whatever else runs on the machine falls on every build alike. For one change: keep a copy of the build
// before it (`cp -r ../apps/proxy/dist /tmp/before`), rebuild, then
//   node proxy-ab.mjs before=/tmp/before/main.js after=../apps/proxy/dist/main.js
// `--variant undici` builds the current sources twice the same way (scripts/bundle.mjs's options), once as they are
// and once with @effect/platform-node's NodeHttpClient.layerUndici in place of the proxy's own UpstreamClient.ts.
// Usage: node proxy-ab.mjs [name=path/to/main.js …] [--variant undici] [--rounds 6] [--seconds 4] [--connections 20]
//        [--rate <requests/s>: the CPU rounds at a fixed pace, the same work pattern for every build] [--warmup 3000] [--latency 50] [--paced-connections 10] [--no-paced]
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import autocannon from "autocannon"
import { build as esbuild } from "esbuild"
import { bundleOptions } from "../scripts/bundle.mjs"
import { cpuMs, here, load, median, path, proxyBin, send, start, startProxy, startSandbox } from "./proxy-common.mjs"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    variant: { type: "string" },
    rounds: { type: "string", default: "6" },
    seconds: { type: "string", default: "4" },
    connections: { type: "string", default: "20" },
    rate: { type: "string" },
    warmup: { type: "string", default: "3000" },
    latency: { type: "string", default: "50" },
    "paced-connections": { type: "string", default: "10" },
    "no-paced": { type: "boolean", default: false }
  }
})
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const warmup = Number(values.warmup)

const builds = positionals.map((p) => {
  const at = p.indexOf("=")
  return at > 0 ? [p.slice(0, at), resolve(p.slice(at + 1))] : [p, resolve(p)]
})
if (values.variant !== undefined) {
  if (values.variant !== "undici") {
    console.error(`unknown --variant ${values.variant}: the one variant is "undici"`)
    process.exit(2)
  }
  const src = join(here, "../apps/proxy/src")
  // The proxy's only use of its client is Upstream.ts's `UpstreamClient.layer()`: the variant provides the platform's.
  const swap = {
    name: "upstream-client-undici",
    setup(b) {
      b.onResolve({ filter: /\/UpstreamClient\.js$/ }, (args) =>
        args.importer.endsWith("Upstream.ts") ? { path: "UpstreamClient", namespace: "variant" } : undefined
      )
      b.onLoad({ filter: /.*/, namespace: "variant" }, () => ({
        contents:
          'import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"\nexport const layer = () => NodeHttpClient.layerUndici\n',
        loader: "ts",
        resolveDir: src
      }))
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "vwh-proxy-variant-"))
  for (const [name, plugins] of [
    ["UpstreamClient", []],
    ["layerUndici", [swap]]
  ]) {
    const out = join(dir, name, "main.js")
    await esbuild({ ...bundleOptions(join(src, "main.ts"), out, true), plugins })
    builds.push([name, out])
  }
}
if (builds.length === 0) builds.push(["current", proxyBin])

const sandbox = await startSandbox()
const passThrough = await start(
  join(here, "pass-through.mjs"),
  ["--upstream", sandbox.url],
  {},
  /listening on (http:\/\/\S+)/
)
const targets = [["pass-through", passThrough.url, sandbox.headers, passThrough.child.pid]]
for (const [name, bin] of builds) {
  const proxy = await startProxy(sandbox, {}, {}, [], bin)
  targets.push([name, proxy.url, proxy.headers, proxy.child.pid])
}

const cannon = (url, headers, options) =>
  new Promise((resolve, reject) =>
    autocannon({ url: `${url}${path}`, headers, ...options }, (err, r) => (err ? reject(err) : resolve(r)))
  )

/** Warm-up by requests, then alternating rounds; per target: every round's requests, time, p99 and CPU. */
const rounded = async (connections, rate) => {
  for (const [, url, headers] of targets) await cannon(url, headers, { connections, amount: warmup })
  const runs = Object.fromEntries(targets.map(([name]) => [name, []]))
  for (let i = 0; i < rounds; i++) {
    for (const [name, url, headers, pid] of i % 2 === 0 ? targets : [...targets].reverse()) {
      const before = cpuMs(pid)
      const r = await cannon(url, headers, {
        connections,
        duration: seconds,
        ...(rate === undefined ? {} : { overallRate: rate })
      })
      runs[name].push({
        requests: r.requests.total,
        seconds: r.duration,
        p99: Math.max(1, r.latency.p99),
        cpu: cpuMs(pid) - before,
        failed: r.non2xx + r.errors + r.timeouts
      })
    }
  }
  return runs
}
const sum = (rs, k) => rs.reduce((t, r) => t + r[k], 0)
const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`

console.log(`builds: ${builds.map(([n, b]) => `${n}=${b}`).join(", ")}; start: ${load()}`)
const saturated = await rounded(Number(values.connections), values.rate && Number(values.rate))
const perReq = (rs) => sum(rs, "cpu") / Math.max(1, sum(rs, "requests"))
const base = saturated["pass-through"]
const first = saturated[builds[0][0]]
console.log(
  `\nCPU per request: ${values.connections} connections${values.rate ? ` at ${values.rate} requests/s in all` : ""}, ${warmup} warm-up requests each, ${rounds} alternating rounds of ${seconds} s (${load()})`
)
console.table(
  Object.fromEntries(
    Object.entries(saturated).map(([name, rs]) => [
      name,
      {
        requests: sum(rs, "requests"),
        "req/s": Math.round(sum(rs, "requests") / sum(rs, "seconds")),
        "CPU ms/req": +perReq(rs).toFixed(3),
        "× pass-through": +(perReq(rs) / perReq(base)).toFixed(2),
        "per round × pass-through": range(rs.map((r, i) => r.cpu / r.requests / (base[i].cpu / base[i].requests))),
        [`per round × ${builds[0][0]}`]: range(
          rs.map((r, i) => r.cpu / r.requests / (first[i].cpu / first[i].requests))
        ),
        [`median × ${builds[0][0]}`]: +median(
          rs.map((r, i) => r.cpu / r.requests / (first[i].cpu / first[i].requests))
        ).toFixed(2),
        "non-2xx/errors": sum(rs, "failed")
      }
    ])
  )
)

if (!values["no-paced"]) {
  await send(sandbox.url, "PUT", "/sandbox/faults", sandbox.headers, { latencyMs: Number(values.latency) })
  const paced = await rounded(Number(values["paced-connections"]))
  await send(sandbox.url, "PUT", "/sandbox/faults", sandbox.headers, { latencyMs: 0 })
  const rate = (r) => r.requests / r.seconds
  const pb = paced["pass-through"]
  console.log(
    `\npaced: upstream latency ${values.latency} ms, ${values["paced-connections"]} connections, ${rounds} alternating rounds of ${seconds} s (${load()})`
  )
  console.table(
    Object.fromEntries(
      Object.entries(paced).map(([name, rs]) => [
        name,
        {
          "req/s": Math.round(sum(rs, "requests") / sum(rs, "seconds")),
          "p99 ms (median of rounds)": median(rs.map((r) => r.p99)),
          "CPU ms/req": +perReq(rs).toFixed(3),
          "req/s × pass-through": +(
            sum(rs, "requests") /
            sum(rs, "seconds") /
            (sum(pb, "requests") / sum(pb, "seconds"))
          ).toFixed(2),
          "per round": range(rs.map((r, i) => rate(r) / rate(pb[i]))),
          "p99 × pass-through": +(median(rs.map((r) => r.p99)) / median(pb.map((r) => r.p99))).toFixed(2),
          "p99 per round": range(rs.map((r, i) => r.p99 / pb[i].p99)),
          "non-2xx/errors": sum(rs, "failed")
        }
      ])
    )
  )
}
process.exit(0)
