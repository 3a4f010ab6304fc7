#!/usr/bin/env node
// Lets `npm test` / `npm start` work from a fresh clone with only Node and npm: installs the pinned pnpm's
// locked dependencies when they are missing or stale, then runs the named root task through pnpm.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const pnpmVersion = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1]
const pnpm = ["-y", `pnpm@${pnpmVersion}`]
const npx = process.platform === "win32" ? "npx.cmd" : "npx"

const run = (args) => {
  const result = spawnSync(npx, [...pnpm, ...args], { cwd: root, stdio: "inherit" })
  if (result.error) {
    console.error(`could not run pnpm through npx: ${result.error.message}`)
    process.exit(1)
  }
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const marker = join(root, "node_modules", ".modules.yaml")
const stale = !existsSync(marker) || statSync(join(root, "pnpm-lock.yaml")).mtimeMs > statSync(marker).mtimeMs
if (stale) {
  console.error(`installing the locked dependencies with pnpm ${pnpmVersion}…`)
  run(["install", "--frozen-lockfile"])
}

const [task, ...rest] = process.argv.slice(2)
if (task) run(["run", task, ...rest])
