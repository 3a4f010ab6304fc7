// Builds vwh as one standalone executable for Linux x64 (Node's single-executable applications): this Node binary
// with the CLI injected, nothing else to install. Usage, from apps/cli:
//   node sea.mjs [--out dist/sea/vwh]
// It builds dist/ first when it is missing (node build.mjs), bundles src/sea.ts as the executable's main script,
// makes the preparation blob (node --experimental-sea-config) with dist/'s files as assets, copies this Node
// binary and injects the blob with postject, then runs `--version` to check the result.
import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { parseArgs } from "node:util"

const cwd = import.meta.dirname
const { values } = parseArgs({ options: { out: { type: "string", default: join(cwd, "dist", "sea", "vwh") } } })
const out = resolve(values.out)

if (process.platform !== "linux" || process.arch !== "x64") {
  console.error(`sea.mjs builds the Linux x64 executable; this is ${process.platform} ${process.arch}`)
  process.exit(2)
}

const step = (what, args) => {
  const result = spawnSync(process.execPath, args, { cwd, stdio: "inherit" })
  if (result.status !== 0) {
    console.error(`sea.mjs: ${what} failed`)
    process.exit(result.status ?? 1)
  }
}

const dist = join(cwd, "dist")
const assets = ["cli.cjs", "cli.cjs.cache", "sandbox.cjs", "help.json"]
if (!assets.every((a) => existsSync(join(dist, a)))) step("building dist/ (node build.mjs)", ["build.mjs"])

const work = join(dist, "sea-work")
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const main = join(work, "main.cjs")
step("bundling src/sea.ts", ["../../scripts/bundle.mjs", "src/sea.ts", main])

const blob = join(work, "sea.blob")
const config = join(work, "sea-config.json")
writeFileSync(
  config,
  JSON.stringify({
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    // The main script is a few KB; the CLI it loads has its own code cache (an asset).
    useCodeCache: false,
    assets: Object.fromEntries(assets.map((a) => [a, join(dist, a)]))
  })
)
step("making the preparation blob", ["--experimental-sea-config", config])

mkdirSync(dirname(out), { recursive: true })
rmSync(out, { force: true })
copyFileSync(process.execPath, out)
chmodSync(out, 0o755)
const { inject } = createRequire(import.meta.url)("postject")
await inject(out, "NODE_SEA_BLOB", readFileSync(blob), {
  // Node's fuse for single-executable applications (doc/api/single-executable-applications.md).
  sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"
})
rmSync(work, { recursive: true, force: true })

const version = execFileSync(out, ["--version"], { encoding: "utf8" }).trim()
const expected = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")).version
if (version !== expected) {
  console.error(`sea.mjs: ${out} --version printed ${JSON.stringify(version)}, expected ${expected}`)
  process.exit(1)
}
const mb = (statSync(out).size / 1024 / 1024).toFixed(1)
console.log(`${out}: vwh ${version}, Linux x64, ${mb} MiB (node ${process.versions.node})`)
