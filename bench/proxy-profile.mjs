// Where the proxy's CPU goes: the BUILT vwh-proxy under a saturated GET list (autocannon) with `node --cpu-prof`,
// then the functions with the most self time, grouped by package. Usage: node proxy-profile.mjs [--duration 10]
// [--connections 20] [--top 40] [--dir /tmp]. Writes the .cpuprofile there (open it in Chrome DevTools).
import { readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import autocannon from "autocannon"
import { build, path, sleep, startProxy, startSandbox } from "./proxy-common.mjs"

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "20" },
    top: { type: "string", default: "40" },
    dir: { type: "string", default: tmpdir() },
    "no-build": { type: "boolean", default: false }
  }
})
if (!values["no-build"]) build()
const dir = join(values.dir, `vwh-proxy-prof-${process.pid}`)
const sandbox = await startSandbox()
const proxy = await startProxy(sandbox, {}, {}, ["--cpu-prof", `--cpu-prof-dir=${dir}`])
const cannon = (seconds) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${proxy.url}${path}`,
        headers: proxy.headers,
        connections: Number(values.connections),
        duration: seconds
      },
      (err, r) => (err ? reject(err) : resolve(r))
    )
  )
await cannon(2)
const r = await cannon(Number(values.duration))
console.log(`${Math.round(r.requests.average)} req/s, ${r.non2xx} non-2xx`)
const exited = new Promise((resolve) => proxy.child.once("exit", resolve))
proxy.child.kill("SIGTERM")
await exited
sandbox.child.kill("SIGTERM")
await sleep(100)
const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))
const profile = JSON.parse(readFileSync(join(dir, file), "utf8"))
const dt = new Map()
for (let i = 0; i < profile.samples.length; i++) {
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const self = new Map()
const byPackage = new Map()
let total = 0
for (const node of profile.nodes) {
  const t = dt.get(node.id) ?? 0
  total += t
  const { functionName, url, lineNumber } = node.callFrame
  const key = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + t)
  const pkg =
    functionName === "(garbage collector)"
      ? "(gc)"
      : functionName === "(idle)"
        ? "(idle)"
        : url.startsWith("node:")
          ? "node internals"
          : url === ""
            ? "(native/program)"
            : "proxy bundle"
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t)
}
const pct = (t) => `${((t / total) * 100).toFixed(1)} %`
console.log(`profile: ${join(dir, file)}`)
for (const [k, t] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`${pct(t).padStart(8)}  ${k}`)
console.log("")
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(`${pct(t).padStart(8)}  ${k}`)
