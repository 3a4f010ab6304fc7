// The bin is one bundled file (fast start, no TS at run time), made by the repo's shared bundler.
import { spawnSync } from "node:child_process"

const result = spawnSync(process.execPath, ["../../scripts/bundle.mjs", "src/main.ts", "dist/main.js"], {
  stdio: "inherit",
  cwd: import.meta.dirname
})
process.exit(result.status ?? 1)
