import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { tempFile, vwh } from "./harness.js"

// vwh apply through the built vwh-proxy, which stores every target_url normalised (new URL(x).href): apply must
// match a file's spelling to the stored form, or it would create the webhook again on every run.

const proxyDir = join(import.meta.dirname, "..", "..", "proxy")
const proxyBin = join(proxyDir, "dist", "main.js")

let proxy: ChildProcess
let env: Record<string, string>

beforeAll(async () => {
  // turbo builds the proxy before these tests (a devDependency); `vitest run` alone builds it here.
  if (!existsSync(proxyBin)) {
    const built = spawnSync(process.execPath, ["build.mjs"], { cwd: proxyDir, stdio: "inherit" })
    if (built.status !== 0) throw new Error("building the proxy failed")
  }
  // No --config and no upstream credentials: the embedded sandbox and a demo client key, printed at start.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VOUCHERIFY_")))
  proxy = spawn(process.execPath, [proxyBin], { env: { ...clean, PORT: "0", LOG_LEVEL: "none" }, stdio: "pipe" })
  env = await new Promise<Record<string, string>>((resolve, reject) => {
    let out = ""
    proxy.stdout!.on("data", (d) => {
      out += d
      const m = /export (VOUCHERIFY_API_URL=\S+) (VOUCHERIFY_MANAGEMENT_ID=\S+) (VOUCHERIFY_MANAGEMENT_TOKEN=\S+)/.exec(
        out
      )
      if (m) resolve(Object.fromEntries(m.slice(1).map((kv) => kv.split("=") as [string, string])))
    })
    proxy.on("exit", (code) => reject(new Error(`the proxy exited ${code}: ${out}`)))
  })
})

afterAll(() => {
  proxy?.kill("SIGTERM")
})

describe("vwh apply through vwh-proxy", () => {
  it("matches the file's spelling of a target_url to the normalised one the proxy stored", async () => {
    const file = tempFile(
      "proxy-apply.yaml",
      `projects:
  proj_sandbox:
    - target_url: https://Hooks.Example.com
      events: [redemption.succeeded]
    - target_url: https://example.com/a/./b/../voucherify
      events: [voucher.published]
`
    )
    const first = await vwh(["apply", "-f", file], env)
    expect(first.code).toBe(0)
    expect(first.stdout).toContain("Applied: 2 created")

    // What the proxy stored: the normalised URLs.
    const listed = await vwh(["webhooks", "list", "-p", "proj_sandbox", "-o", "json"], env)
    const stored = (JSON.parse(listed.stdout) as Array<{ id: string; target_url: string }>).map((w) => w.target_url)
    expect(stored.sort()).toEqual(["https://example.com/a/voucherify", "https://hooks.example.com/"])

    // A second run has nothing to do, and the plan shows the file's spelling beside the stored one.
    const again = await vwh(["apply", "-f", file, "--dry-run"], env)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged.")
    expect(again.stdout).toMatch(
      /= unchanged {2}https:\/\/Hooks\.Example\.com \(wh_\w+, stored as https:\/\/hooks\.example\.com\/\)/
    )

    // A change of events updates the matched webhook instead of creating a second one.
    const changed = tempFile(
      "proxy-apply-2.yaml",
      `projects:
  proj_sandbox:
    - target_url: https://Hooks.Example.com
      events: [redemption.succeeded, redemption.failed]
    - target_url: https://example.com/a/./b/../voucherify
      events: [voucher.published]
`
    )
    const update = await vwh(["apply", "-f", changed, "--prune", "--auto-approve"], env)
    expect(update.code).toBe(0)
    expect(update.stdout).toContain("Applied: 0 created, 1 updated, 0 deleted, 1 unchanged.")
  })
})
