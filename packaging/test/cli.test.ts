// vwh as installed from its tarball: the bin on PATH, `npx`, `npm i -g`, against the installed sandbox's bin.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { bin, npmEnv, type RunningSandbox, run, startSandboxBin } from "./helpers.js"

const installed = inject("installed")
const cliVersion = installed.manifests["@voucherify-webhooks/cli"]!.version as string
const vwh = bin(installed, "vwh")

let sandbox: RunningSandbox
beforeAll(async () => {
  sandbox = await startSandboxBin(installed)
})
afterAll(() => sandbox?.stop())

const withSandbox = () => npmEnv(sandbox.env)

describe("vwh installed from the tarball", () => {
  it("--version prints the package's version", async () => {
    const out = await run(vwh, ["--version"], { env: npmEnv() })
    expect(out).toMatchObject({ code: 0, stdout: `${cliVersion}\n`, stderr: "" })
  })

  it("creates and lists webhooks against the installed sandbox's bin", async () => {
    const created = await run(
      vwh,
      [
        "webhooks",
        "create",
        "--project",
        "proj_sandbox",
        "--url",
        "https://example.com/hooks",
        "--event",
        "voucher.published",
        "-o",
        "json"
      ],
      { env: withSandbox() }
    )
    expect(created.stderr).toBe("")
    expect(created.code).toBe(0)
    const webhook = JSON.parse(created.stdout) as { id: string }
    const listed = await run(vwh, ["webhooks", "list", "--project", "proj_sandbox"], { env: withSandbox() })
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(webhook.id)
    expect(listed.stdout).toContain("https://example.com/hooks")
    expect(listed.stdout).toContain("voucher.published")
  })

  it("works with the code cache rejected (another Node version or V8 flags), missing or damaged", async () => {
    // A copy of the installed package whose cache we can spoil; the original stays as installed.
    const copy = mkdtempSync(join(installed.root, "cli-copy-"))
    cpSync(join(installed.app, "node_modules", "@voucherify-webhooks", "cli"), copy, { recursive: true })
    const entry = join(copy, "dist", "vwh.js")
    const cache = join(copy, "dist", "cli.cjs.cache")
    const expected = await run(vwh, ["webhooks", "list", "--project", "proj_sandbox"], { env: withSandbox() })
    expect(expected.code).toBe(0)

    // V8 refuses a cache made under other flags exactly as it refuses one of another V8 version: the same check
    // (version, flags and source hash). Make sure it really is refused here, so the run below is the fallback.
    const probe = `
      const { Script } = require("node:vm"); const fs = require("node:fs")
      const file = ${JSON.stringify(join(copy, "dist", "cli.cjs"))}
      const source = "(function (exports, require, module, __filename, __dirname) {" + fs.readFileSync(file, "utf8") + "\\n})"
      const s = new Script(source, { filename: file, cachedData: fs.readFileSync(${JSON.stringify(cache)}) })
      process.stdout.write(String(s.cachedDataRejected))`
    expect((await run(process.execPath, ["-e", probe], { env: npmEnv() })).stdout).toBe("false")
    expect((await run(process.execPath, ["--stack-size=2000", "-e", probe], { env: npmEnv() })).stdout).toBe("true")

    const rejected = await run(
      process.execPath,
      ["--stack-size=2000", entry, "webhooks", "list", "--project", "proj_sandbox"],
      {
        env: withSandbox()
      }
    )
    expect(rejected).toMatchObject({ code: 0, stdout: expected.stdout, stderr: "" })

    writeFileSync(cache, readFileSync(cache).subarray(0, 1000)) // cut short
    const damaged = await run(process.execPath, [entry, "webhooks", "list", "--project", "proj_sandbox"], {
      env: withSandbox()
    })
    expect(damaged).toMatchObject({ code: 0, stdout: expected.stdout, stderr: "" })

    writeFileSync(cache, "") // empty
    const empty = await run(process.execPath, [entry, "events"], { env: npmEnv() })
    expect(empty.code).toBe(0)
    expect(empty.stdout).toContain("redemption.succeeded")
  })

  it("runs through npx and installs globally from the tarball alone, offline", async () => {
    const tarball = installed.tarballs["@voucherify-webhooks/cli"]!
    // --offline: any dependency it needed from the registry would fail the install (ENOTCACHED).
    const prefix = mkdtempSync(join(installed.root, "global-"))
    const global = await run(
      "npm",
      ["install", "--global", "--offline", "--no-audit", "--no-fund", "--prefix", prefix, tarball],
      {
        env: npmEnv()
      }
    )
    expect(global.stderr).not.toMatch(/ERR!/)
    expect(global.code).toBe(0)
    const globalVwh = join(prefix, "bin", "vwh")
    expect(await run(globalVwh, ["--version"], { env: npmEnv() })).toMatchObject({ code: 0, stdout: `${cliVersion}\n` })
    const listed = await run(globalVwh, ["webhooks", "list", "--project", "proj_sandbox", "-o", "json"], {
      env: withSandbox()
    })
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ object: "webhook" })]))

    const cache = mkdtempSync(join(installed.root, "npx-cache-"))
    const npx = await run("npx", ["--yes", "--offline", "--package", tarball, "--", "vwh", "--version"], {
      env: npmEnv({ npm_config_cache: cache }),
      cwd: installed.root
    })
    expect(npx).toMatchObject({ code: 0, stdout: `${cliVersion}\n` })
  })
})
