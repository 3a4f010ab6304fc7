// dist/main.js: the vwh-sandbox bin, and dist/walkthrough.js (the runnable README walkthrough), single files made
// by the repo's shared bundler. dist/lib: the library of the published package (the workspace imports src/*.ts):
// its entries, StartSandbox (promises), Sandbox (the Effect layer), ControlClient and testing (the test kit, with no
// test runner in it), as ESM sharing chunks, with @effect/platform-node inlined (its peers would pull
// @effect/cluster, rpc, sql… into every test suite) and effect, @effect/platform and core left to the user's install
// (peers and a dependency), plus .d.ts from tsc.
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { createRequire } from "node:module"
import { resolve } from "node:path"
import { build } from "esbuild"
import { sourcesOfMaps, writeNotices } from "../../scripts/notices.mjs"

const cwd = import.meta.dirname
const step = (args) => {
  const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
rmSync(`${cwd}/dist`, { recursive: true, force: true })
step(["../../scripts/bundle.mjs", "src/main.ts", "dist/main.js", "examples/walkthrough.ts", "dist/walkthrough.js"])
const lib = await build({
  absWorkingDir: cwd,
  metafile: true,
  entryPoints: ["src/StartSandbox.ts", "src/Sandbox.ts", "src/ControlClient.ts", "src/testing.ts"],
  outdir: "dist/lib",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["effect", "@effect/platform", "@voucherify-webhooks/core"],
  chunkNames: "shared-[hash]",
  // The CommonJS modules inlined with platform-node (ws) call require(); give the ESM output one.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);'
  },
  legalComments: "none",
  logLevel: "warning"
})
step([createRequire(import.meta.url).resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"])
// The licences of the packages bundled into the bin and the library travel with them.
writeNotices(
  `${cwd}/dist/THIRD_PARTY_LICENSES.md`,
  [...sourcesOfMaps([`${cwd}/dist/main.js.map`]), ...Object.keys(lib.metafile.inputs).map((i) => resolve(cwd, i))],
  "@voucherify-webhooks/sandbox"
)
