// The proxy ships as a bundle built by the repo's shared esbuild recipe: dist/main.js (the vwh-proxy bin: the
// command line, hash-key, check-config) and chunks it loads on demand (the server, only to serve).
import { spawnSync } from "node:child_process"
import { chmodSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { sourcesOfMaps, writeNotices } from "../../scripts/notices.mjs"

const cwd = import.meta.dirname
rmSync(join(cwd, "dist"), { recursive: true, force: true })
const result = spawnSync(process.execPath, ["../../scripts/bundle.mjs", "--split", "src/main.ts", "dist/main.js"], {
  stdio: "inherit",
  cwd
})
if (result.status !== 0) process.exit(result.status ?? 1)
chmodSync(join(cwd, "dist", "main.js"), 0o755)
// The licences of the bundled packages travel with the bundle (the maps stay out of the published package).
const chunks = join(cwd, "dist", "chunks")
writeNotices(
  join(cwd, "dist", "THIRD_PARTY_LICENSES.md"),
  sourcesOfMaps([
    join(cwd, "dist", "main.js.map"),
    ...readdirSync(chunks)
      .filter((f) => f.endsWith(".map"))
      .map((f) => join(chunks, f))
  ]),
  "vwh-proxy"
)
