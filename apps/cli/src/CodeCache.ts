import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { runCommonJs } from "./RunCommonJs.js"

/** Loads dist/cli.cjs (the CLI, bundled as CommonJS) with the V8 code cache build.mjs wrote beside it (see runCommonJs). */
export const loadCli = (): typeof import("./Cli.js") => {
  const dir = dirname(fileURLToPath(import.meta.url))
  const file = join(dir, "cli.cjs")
  const cacheFile = join(dir, "cli.cjs.cache")
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const { exports, script } = runCommonJs(readFileSync(file, "utf8"), file, cachedData, createRequire(file))
  // build.mjs sets this for its warm-up run; the cache holds what that run compiled.
  if (process.env.VWH_WRITE_CODE_CACHE === cacheFile) {
    process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()))
  }
  return exports as typeof import("./Cli.js")
}
