// Global setup of the install tests: pack every public package with pnpm (what `pnpm publish` would upload),
// list each tarball, and install the tarballs with plain npm into an empty folder outside the workspace, as a
// user would (only the tarballs and their declared dependencies, from the npm cache or registry). Every test file
// reads the result with inject("installed"); the folder is removed at the end (VWH_KEEP_INSTALL=1 keeps it).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"
import { type Installed, npmEnv, publicPackages, repoRoot, run } from "./helpers.js"

declare module "vitest" {
  export interface ProvidedContext {
    installed: Installed
  }
}

const pnpmCommand = (): [string, Array<string>] => {
  const execPath = process.env.npm_execpath
  // Under `pnpm run` (turbo, npm test) reuse the running pnpm; otherwise the pinned one through npx.
  if (execPath?.includes("pnpm")) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []]
  }
  const version = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).packageManager.split("@")[1]
  return [process.platform === "win32" ? "npx.cmd" : "npx", ["-y", `pnpm@${version}`]]
}

export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), "vwh-install-"))
  const packs = join(root, "packs")
  const app = join(root, "app")
  mkdirSync(packs)

  const packStart = Date.now()
  const [pnpm, pnpmArgs] = pnpmCommand()
  const packed = await run(
    pnpm,
    [
      ...pnpmArgs,
      "-r",
      ...publicPackages.flatMap((p) => ["--filter", p]),
      "pack",
      "--pack-destination",
      packs,
      "--json"
    ],
    { cwd: repoRoot }
  )
  if (packed.code !== 0) throw new Error(`pnpm pack failed (${packed.code}):\n${packed.stdout}\n${packed.stderr}`)
  const results = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{
    name: string
    filename: string
  }>
  const tarballs: Record<string, string> = {}
  const files: Record<string, Array<string>> = {}
  const manifests: Record<string, Record<string, unknown>> = {}
  for (const { name, filename } of results) {
    tarballs[name] = filename
    const listed = await run("tar", ["-tzf", filename])
    if (listed.code !== 0) throw new Error(`tar -tzf ${filename}: ${listed.stderr}`)
    files[name] = listed.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.replace(/^package\//, ""))
    const manifest = await run("tar", ["-xzOf", filename, "package/package.json"])
    manifests[name] = JSON.parse(manifest.stdout)
  }
  const packMs = Date.now() - packStart

  // The consumer: its package.json, tsconfigs and source, then `npm install <every tarball>`.
  cpSync(join(repoRoot, "packaging", "consumer"), app, { recursive: true })
  const installStart = Date.now()
  const installed = await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      ...publicPackages.map((p) => {
        const tarball = tarballs[p]
        if (tarball === undefined) throw new Error(`pnpm pack made no tarball of ${p}`)
        return tarball
      })
    ],
    { cwd: app, env: npmEnv() }
  )
  if (installed.code !== 0) throw new Error(`npm install failed (${installed.code}):\n${installed.stderr}`)
  const installMs = Date.now() - installStart
  console.log(`install tests: pnpm pack ${packMs} ms, npm install ${installMs} ms, in ${root}`)

  project.provide("installed", { root, app, tarballs, files, manifests, timings: { packMs, installMs } })
  return () => {
    if (process.env.VWH_KEEP_INSTALL === "1") console.log(`install tests: kept ${root}`)
    else rmSync(root, { recursive: true, force: true })
  }
}
