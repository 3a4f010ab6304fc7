// The sandbox's test kit (@voucherify-webhooks/sandbox/testing) for the bench scripts. It is TypeScript and the
// workspace's packages export their sources, so, as receive.mjs does with core, it is bundled by path with
// esbuild into a temporary file first (well under a second), then imported. The sandbox itself runs as its
// built bin: `sandboxBin` is where the bench scripts' build step puts it.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build } from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))
export const sandboxBin = join(here, "../packages/sandbox/dist/main.js")

const dir = mkdtempSync(join(tmpdir(), "vwh-bench-kit-"))
process.on("exit", () => rmSync(dir, { recursive: true, force: true }))
const out = join(dir, "testing.mjs")
const testing = join(here, "../packages/sandbox/src/testing")
// Only what runs outside the sandbox's process (the in-process sandbox would bring the whole server along).
await build({
  stdin: {
    contents: ["SandboxProcess", "Receiver", "WaitFor"].map((m) => `export * from "./${m}.ts"`).join("\n"),
    resolveDir: testing,
    loader: "ts"
  },
  outfile: out,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  logLevel: "error"
})
const kit = await import(pathToFileURL(out).href)

/** The built sandbox on a free port (the kit's startSandboxProcess); killed with the script if it dies half-way. */
export const startSandboxProcess = async (options = {}) => {
  const sandbox = await kit.startSandboxProcess({ bin: sandboxBin, ...options })
  process.on("exit", () => sandbox.child.kill("SIGTERM"))
  return sandbox
}
export const { startReceiver, waitFor } = kit
