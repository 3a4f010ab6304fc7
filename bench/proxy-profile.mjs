// Where the proxy's CPU goes: the BUILT vwh-proxy under a saturated GET list (autocannon) with `node --cpu-prof`,
// then the functions with the most self time, mapped back to their sources, and that time summed by package.
// Usage: node proxy-profile.mjs [--duration 10] [--connections 20] [--top 40] [--dir /tmp]. Writes the .cpuprofile
// there (open it in Chrome DevTools).
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
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
// The bundle's lines mapped back to their sources through its linked source maps (dist/**/*.js.map).
const maps = new Map()
const sourceOf = (url, line, column) => {
  if (!url.startsWith("file://")) return undefined
  if (!maps.has(url)) {
    const map = `${fileURLToPath(url)}.map`
    maps.set(url, existsSync(map) ? new SourceMap(JSON.parse(readFileSync(map, "utf8"))) : undefined)
  }
  const entry = maps.get(url)?.findEntry(line, column)
  if (!entry?.originalSource) return undefined
  // "…/node_modules/.pnpm/effect@3.x/node_modules/effect/src/internal/fiberRuntime.ts" → "effect/src/internal/fiberRuntime.ts"
  const file = entry.originalSource
    .replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "")
    .replace(/^(\.\.\/)+/, "")
  return { file, line: entry.originalLine + 1 }
}
const packageOf = (file) =>
  file.startsWith("src/")
    ? "proxy (apps/proxy/src)"
    : file.startsWith("packages/")
      ? file.split("/").slice(0, 2).join("/")
      : file.startsWith("@")
        ? file.split("/").slice(0, 2).join("/")
        : file.split("/")[0]
const self = new Map()
const byPackage = new Map()
let total = 0
for (const node of profile.nodes) {
  const t = dt.get(node.id) ?? 0
  total += t
  const { functionName, url, lineNumber, columnNumber } = node.callFrame
  const source = sourceOf(url, lineNumber, columnNumber)
  const where = source ? `${source.file}:${source.line}` : `${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`
  const key = `${functionName || "(anonymous)"} ${where}`
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
            : source
              ? packageOf(source.file)
              : "proxy bundle (unmapped)"
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t)
}
const pct = (t) => `${((t / total) * 100).toFixed(1)} %`
console.log(`profile: ${join(dir, file)}`)
for (const [k, t] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`${pct(t).padStart(8)}  ${k}`)
console.log("")
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(`${pct(t).padStart(8)}  ${k}`)
