// Bundles the bin with the repo's shared bundler: dist/vwh.js, plus dist/sandbox.js (only `vwh sandbox` loads
// it), then captures @effect/cli's help text of every command into dist/help.json (see src/HelpCache.ts).
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"

const cwd = import.meta.dirname
const bundle = spawnSync(
  process.execPath,
  ["../../scripts/bundle.mjs", "src/bin.ts", "dist/vwh.js", "src/sandbox/main.ts", "dist/sandbox.js"],
  { stdio: "inherit", cwd }
)
if (bundle.status !== 0) process.exit(bundle.status ?? 1)

const commands = [
  "",
  "webhooks",
  "webhooks create",
  "webhooks list",
  "webhooks get",
  "webhooks update",
  "webhooks delete",
  "events",
  "apply",
  "listen",
  "sandbox"
]
const help = {}
for (const command of commands) {
  const args = [...command.split(" ").filter(Boolean), "--help"]
  const run = spawnSync(process.execPath, [join(cwd, "dist/vwh.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, VWH_HELP_CACHE: "0" }
  })
  if (run.status !== 0) {
    console.error(`vwh ${args.join(" ")} failed (${run.status}): ${run.stderr}`)
    process.exit(1)
  }
  help[command] = run.stdout
}
writeFileSync(join(cwd, "dist/help.json"), `${JSON.stringify(help)}\n`)
