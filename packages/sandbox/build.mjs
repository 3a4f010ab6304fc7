// The bin (and the runnable README walkthrough) as single bundled files, made by the repo's shared bundler.
import { spawnSync } from "node:child_process"

const result = spawnSync(
  process.execPath,
  ["../../scripts/bundle.mjs", "src/main.ts", "dist/main.js", "examples/walkthrough.ts", "dist/walkthrough.js"],
  { stdio: "inherit", cwd: import.meta.dirname }
)
process.exit(result.status ?? 1)
