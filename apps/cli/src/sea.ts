import { isBuiltin } from "node:module"
import { dirname, join } from "node:path"
import { getAsset } from "node:sea"
import { runCommonJs } from "./RunCommonJs.js"
import { answerWithoutCli } from "./Start.js"

// The main script of the standalone executable (sea.mjs builds it): Node's single-executable applications run one
// CommonJS script whose require() knows only Node's builtins, so the files of dist/ travel as assets and run from
// memory, the CLI with the code cache the build wrote (made by this same Node binary, so V8 accepts it).
const text = (name: string) => getAsset(name, "utf8")

if (!answerWithoutCli(() => text("help.json"))) {
  // What dist/cli.cjs would see as its own path: `vwh sandbox` requires `${__dirname}/sandbox.cjs`, served here.
  const filename = join(dirname(process.execPath), "cli.cjs")
  const sandboxPath = join(dirname(filename), "sandbox.cjs")
  const builtin = require
  const assetRequire = (id: string): unknown => {
    if (id === sandboxPath) return runCommonJs(text("sandbox.cjs"), sandboxPath, undefined, assetRequire).exports
    if (isBuiltin(id)) return builtin(id)
    // What Node says of a package that is not installed: the bundles ask only for optional ones (ws: bufferutil).
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: "MODULE_NOT_FOUND" })
  }
  const cli = runCommonJs(text("cli.cjs"), filename, Buffer.from(getAsset("cli.cjs.cache")), assetRequire)
    .exports as typeof import("./Cli.js")
  cli.main(process.argv)
}
