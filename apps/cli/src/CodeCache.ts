import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { constants, Script } from "node:vm"

/**
 * Loads dist/cli.cjs (the CLI, bundled as CommonJS) with the V8 code cache build.mjs wrote beside it, so V8 skips
 * compiling the code a warm-up run of `vwh webhooks list` compiled: most of start-up is compiling the bundle
 * (measured with bench/cli-startup.mjs). Node 22's module.enableCompileCache() does this for any module; Node 20
 * has only vm.Script's cachedData. A missing or rejected cache (another Node version) only costs time.
 */
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
  // The same wrapper Node gives a CommonJS module, on one line so that positions in the bundle stay as they are.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`
  const script = new Script(source, {
    filename: file,
    // import() inside the bundle resolves as in any module (the bundle imports node builtins statically; this is
    // for anything added later).
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    ...(cachedData ? { cachedData } : {})
  })
  const module = { exports: {} }
  script.runInThisContext()(module.exports, createRequire(file), module, file, dir)
  // build.mjs sets this for its warm-up run; the cache holds what that run compiled.
  if (process.env.VWH_WRITE_CODE_CACHE === cacheFile) {
    process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()))
  }
  return module.exports as typeof import("./Cli.js")
}
