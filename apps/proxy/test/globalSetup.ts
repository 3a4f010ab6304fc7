import { spawnSync } from "node:child_process"
import { join } from "node:path"

/**
 * Builds the bundle once, before any test file runs: several files start the built proxy, and a build per file
 * would rewrite dist/main.js while another file's proxy is starting from it.
 */
export default function setup() {
  const built = spawnSync(process.execPath, ["build.mjs"], { cwd: join(import.meta.dirname, ".."), encoding: "utf8" })
  if (built.status !== 0) throw new Error(`node build.mjs failed:\n${built.stdout}${built.stderr}`)
}
