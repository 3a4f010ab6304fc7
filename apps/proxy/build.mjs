// The proxy ships as a bundle built by the repo's shared esbuild recipe: dist/main.js (the vwh-proxy bin: the
// command line, hash-key, check-config) and chunks it loads on demand (the server, only to serve).
import { spawnSync } from "node:child_process"
import { chmodSync, rmSync } from "node:fs"
import { join } from "node:path"

const cwd = import.meta.dirname
rmSync(join(cwd, "dist"), { recursive: true, force: true })
const result = spawnSync(process.execPath, ["../../scripts/bundle.mjs", "--split", "src/main.ts", "dist/main.js"], {
  stdio: "inherit",
  cwd
})
if (result.status === 0) chmodSync(join(cwd, "dist", "main.js"), 0o755)
process.exit(result.status ?? 1)
