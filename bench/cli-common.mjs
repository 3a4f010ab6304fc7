// Shared by the cli-* benchmarks: the built bins, a sandbox child process (the test kit's), and its request counter.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { sandboxBin, startSandboxProcess } from "./kit.mjs"

const here = dirname(fileURLToPath(import.meta.url))
export const vwhBin = join(here, "../apps/cli/dist/vwh.js")

export { sandboxBin }

export const requireBuilt = () => {
  for (const [bin, dir] of [
    [vwhBin, "apps/cli"],
    [sandboxBin, "packages/sandbox"]
  ]) {
    if (!existsSync(bin)) {
      console.error(`missing ${bin}: run \`node build.mjs\` in ${dir} first`)
      process.exit(2)
    }
  }
}

// The sandbox's demo credentials (printed in its banner); the developer's own are never used here.
export const credentials = {
  VOUCHERIFY_MANAGEMENT_ID: "sandbox-management-id",
  VOUCHERIFY_MANAGEMENT_TOKEN: "sandbox-management-token"
}

export const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VOUCHERIFY_")))

/** Starts the built sandbox on a free port with the demo credentials; resolves with its URL and a stop(). */
export const startSandbox = (projects = []) => startSandboxProcess({ projects })

/** A receiver in a child process (a child, so that spawnSync in the parent cannot stall it): 200 to every POST. */
export const startReceiver = () =>
  new Promise((resolve, reject) => {
    const code = `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => s.end("ok")) })
      .listen(0, "127.0.0.1", function () { console.log("port " + this.address().port) })`
    const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.on("data", (d) => {
      const m = /port (\d+)/.exec(String(d))
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}/hooks`, stop: () => child.kill("SIGTERM") })
    })
    child.on("exit", (code) => reject(new Error(`receiver exited ${code}`)))
  })

/** Management API requests the sandbox has served so far (its control API). */
export const requestCount = async (url) => {
  const res = await fetch(`${url}/sandbox/stats`, {
    headers: {
      "x-management-id": credentials.VOUCHERIFY_MANAGEMENT_ID,
      "x-management-token": credentials.VOUCHERIFY_MANAGEMENT_TOKEN
    }
  })
  return (await res.json()).requests
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
