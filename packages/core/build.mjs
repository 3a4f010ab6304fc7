// Builds the published form of core: ESM JavaScript and .d.ts in dist/ (tsc -p tsconfig.build.json).
// The workspace itself imports src/*.ts (package.json "exports"); the packed manifest points at dist
// ("publishConfig"), so nothing here is needed to develop or test the other packages.
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"

const cwd = import.meta.dirname
const dist = join(cwd, "dist")
rmSync(dist, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd, stdio: "inherit" })
if (result.status !== 0) process.exit(result.status ?? 1)

// Version.ts reads package.json; the published file carries the two values instead, so dist/ needs no JSON
// import (Node 20 before 20.10 cannot parse `with { type: "json" }`) and a bundle does not inline package.json.
const pkg = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"))
const versionFile = join(dist, "Version.js")
const source = readFileSync(versionFile, "utf8")
const jsonImport = /^import pkg from "\.\.\/package\.json" with \{ type: "json" \};$/m
if (!jsonImport.test(source)) throw new Error(`dist/Version.js: the package.json import to inline is not there`)
writeFileSync(
  versionFile,
  source.replace(jsonImport, `const pkg = ${JSON.stringify({ name: pkg.name, version: pkg.version })};`)
)
