import { dirname } from "node:path"
import { constants, Script } from "node:vm"

/**
 * Runs a CommonJS bundle from its source text with a V8 code cache, as Node would run the file: most of vwh's
 * start-up is V8 compiling the bundle (measured with bench/cli-startup.mjs), and the cache lets V8 skip compiling
 * what a warm-up run compiled. Node 22's module.enableCompileCache() does this for any module; Node 20 has only
 * vm.Script's cachedData. V8 rejects a cache of another V8 version, other flags or another source
 * (`script.cachedDataRejected`) and compiles as without one: a missing or rejected cache only costs time.
 */
export const runCommonJs = (
  source: string,
  filename: string,
  cachedData: Buffer | undefined,
  require: (id: string) => unknown
): { readonly exports: unknown; readonly script: Script } => {
  // The same wrapper Node gives a CommonJS module, on one line so that positions in the bundle stay as they are.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename,
    // import() inside the bundle resolves as in any module (the bundle imports node builtins statically; this is
    // for anything added later).
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    ...(cachedData ? { cachedData } : {})
  })
  const module = { exports: {} }
  script.runInThisContext()(module.exports, require, module, filename, dirname(filename))
  return { exports: module.exports, script }
}
