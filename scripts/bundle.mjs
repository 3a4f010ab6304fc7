// One esbuild recipe for every runnable in the repo: a single ESM file for Node 20 that starts fast
// (no module resolution at run time); an `.cjs` output is a CommonJS module instead, with no banner (vwh loads
// its CLI that way, see apps/cli/src/CodeCache.ts). With --split, what an entry imports dynamically (`import()`)
// goes into chunks next to it, loaded only when that import runs (vwh-proxy loads its server only to serve).
// Usage: node ../../scripts/bundle.mjs [--split] <entry.ts> <out.js> […]
import { basename, dirname } from "node:path"
import { pathToFileURL } from "node:url"
import { build } from "esbuild"

/** esbuild's options for one entry (`split`: dynamic imports become chunks next to `out`). */
export const bundleOptions = (entry, outFile, split) => {
  const commonJs = outFile.endsWith(".cjs")
  const out = split
    ? {
        entryPoints: [{ in: entry, out: basename(outFile).replace(/\.js$/, "") }],
        outdir: dirname(outFile),
        splitting: true,
        chunkNames: "chunks/[name]-[hash]"
      }
    : { entryPoints: [entry], outfile: outFile }
  return {
    ...out,
    bundle: true,
    platform: "node",
    target: "node20",
    format: commonJs ? "cjs" : "esm",
    minifySyntax: true,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    // Some CommonJS dependencies of @effect/platform-node call require(); give the ESM bundle one.
    banner: commonJs
      ? {}
      : {
          js: '#!/usr/bin/env node\nimport { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);'
        }
  }
}

// Run as a script (bench/proxy-ab.mjs imports the options to build a variant the same way).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const split = process.argv[2] === "--split"
  const pairs = process.argv.slice(split ? 3 : 2)
  if (pairs.length === 0 || pairs.length % 2 !== 0) {
    console.error("usage: bundle.mjs [--split] <entry.ts> <out.js> [<entry.ts> <out.js> …]")
    process.exit(2)
  }
  for (let i = 0; i < pairs.length; i += 2) await build(bundleOptions(pairs[i], pairs[i + 1], split))
}
