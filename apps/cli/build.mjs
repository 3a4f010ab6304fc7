// The bin is one bundled file (fast start, no TypeScript at run time), made by the repo's shared bundler.
import { spawnSync } from "node:child_process"

const result = spawnSync(process.execPath, ["../../scripts/bundle.mjs", "src/bin.ts", "dist/vwh.js"], {
  stdio: "inherit",
  cwd: import.meta.dirname
})
process.exit(result.status ?? 1)
