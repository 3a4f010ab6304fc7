// Builds vwh into dist/ with the repo's shared bundler:
// - vwh.js: the bin, small: prints cached help and the version itself, else loads the CLI;
// - cli.cjs: the CLI, and cli.cjs.cache, the V8 code cache of a warm-up run (see src/CodeCache.ts);
// - sandbox.cjs: loaded only by `vwh sandbox`;
// - help.json: every command's --help (see src/HelpCache.ts);
// - THIRD_PARTY_LICENSES.md: the licences of the packages bundled into them.
import { execFile, spawnSync } from "node:child_process"
import { rmSync, statSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import { join } from "node:path"
import { promisify } from "node:util"
import { sourcesOfMaps, writeNotices } from "../../scripts/notices.mjs"

const cwd = import.meta.dirname
const dist = join(cwd, "dist")
rmSync(dist, { recursive: true, force: true })
const bundle = spawnSync(
  process.execPath,
  [
    "../../scripts/bundle.mjs",
    "src/bin.ts",
    "dist/vwh.js",
    "src/Cli.ts",
    "dist/cli.cjs",
    "src/sandbox/main.ts",
    "dist/sandbox.cjs"
  ],
  { stdio: "inherit", cwd }
)
if (bundle.status !== 0) process.exit(bundle.status ?? 1)

// The licences of the bundled packages travel with the bundles (the maps stay out of the published package).
writeNotices(
  join(dist, "THIRD_PARTY_LICENSES.md"),
  sourcesOfMaps(["vwh.js.map", "cli.cjs.map", "sandbox.cjs.map"].map((m) => join(dist, m))),
  "vwh"
)

const cli = createRequire(import.meta.url)("./dist/cli.cjs")
writeFileSync(join(dist, "help.json"), `${JSON.stringify(cli.allHelp())}\n`)

// The warm-up: `vwh webhooks list` against a stand-in on loopback that answers with one webhook.
const server = createServer((req, res) => {
  res.setHeader("content-type", "application/json")
  res.end(
    JSON.stringify({
      object: "list",
      data_ref: "data",
      data: [
        {
          id: "wh_build",
          object: "webhook",
          created_at: "2024-01-01T00:00:00.000Z",
          target_url: "https://example.com/hooks",
          events: ["redemption.succeeded"],
          active: true
        }
      ],
      total: 1
    })
  )
})
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
const cacheFile = join(dist, "cli.cjs.cache")
try {
  await promisify(execFile)(process.execPath, ["dist/vwh.js", "webhooks", "list", "--project", "proj_build"], {
    cwd,
    env: {
      PATH: process.env.PATH,
      VOUCHERIFY_API_URL: `http://127.0.0.1:${server.address().port}`,
      VOUCHERIFY_MANAGEMENT_ID: "build",
      VOUCHERIFY_MANAGEMENT_TOKEN: "build",
      VWH_WRITE_CODE_CACHE: cacheFile
    }
  })
} finally {
  server.close()
}
if (statSync(cacheFile).size === 0) throw new Error("the code cache is empty")
