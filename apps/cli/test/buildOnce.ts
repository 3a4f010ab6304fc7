import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const bin = join(root, "dist", "vwh.js")

const newestSource = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name)
    return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }, 0)

/** `pnpm test` works on its own: build when dist is missing or stale (turbo normally built it already). */
export default function setup() {
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestSource(join(root, "src"))) return
  const result = spawnSync(process.execPath, ["build.mjs"], { cwd: root, stdio: "inherit" })
  if (result.status !== 0) throw new Error("building dist/vwh.js failed")
}
