// One esbuild recipe for every runnable in the repo: a single ESM file for Node 20 that starts fast
// (no module resolution at run time); an `.cjs` output is a CommonJS module instead, with no banner (vwh loads
// its CLI that way, see apps/cli/src/CodeCache.ts). Usage: node ../../scripts/bundle.mjs <entry.ts> <out.js> […]
import { build } from "esbuild"

const pairs = process.argv.slice(2)
if (pairs.length === 0 || pairs.length % 2 !== 0) {
  console.error("usage: bundle.mjs <entry.ts> <out.js> [<entry.ts> <out.js> …]")
  process.exit(2)
}

for (let i = 0; i < pairs.length; i += 2) {
  const commonJs = pairs[i + 1].endsWith(".cjs")
  await build({
    entryPoints: [pairs[i]],
    outfile: pairs[i + 1],
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
  })
}
