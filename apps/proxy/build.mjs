// The proxy ships as one bundled file built by the repo's shared esbuild recipe.
import { spawnSync } from "node:child_process"

const result = spawnSync(process.execPath, ["../../scripts/bundle.mjs", "src/main.ts", "dist/main.js"], {
  stdio: "inherit"
})
process.exit(result.status ?? 1)
