// The standalone executable of vwh (apps/cli/sea.mjs), built into the install folder and used as the npm bin is:
// --version, help, a create + list against the installed sandbox, and its own `vwh sandbox`.
import { spawn } from "node:child_process"
import { readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { npmEnv, type RunningSandbox, repoRoot, run, startSandboxBin } from "./helpers.js"

const installed = inject("installed")
const linuxX64 = process.platform === "linux" && process.arch === "x64"
if (!linuxX64)
  console.warn(`the standalone executable is built for Linux x64 only; skipped on ${process.platform} ${process.arch}`)

const cliVersion = installed.manifests["@voucherify-webhooks/cli"]!.version as string
const exe = join(installed.root, "sea", "vwh")
let built: Awaited<ReturnType<typeof run>>
let buildMs = 0
let sandbox: RunningSandbox

describe.runIf(linuxX64)("the standalone executable (Linux x64)", () => {
  beforeAll(async () => {
    const start = Date.now()
    built = await run(process.execPath, [join(repoRoot, "apps", "cli", "sea.mjs"), "--out", exe], {
      cwd: join(repoRoot, "apps", "cli"),
      env: npmEnv(),
      timeoutMs: 170_000
    })
    buildMs = Date.now() - start
    sandbox = await startSandboxBin(installed)
  })
  afterAll(() => sandbox?.stop())

  it("is built by one script, which checks it and says its size", () => {
    expect(built.stderr.replace(/^warning: Can't find string offset for section name .*\n/gm, "")).toMatch(
      /^(Wrote single executable preparation blob to .*\n)?$/
    )
    expect(built.code).toBe(0)
    const mib = statSync(exe).size / 1024 / 1024
    expect(built.stdout).toContain(`${exe}: vwh ${cliVersion}, Linux x64, ${mib.toFixed(1)} MiB`)
    console.log(`standalone executable: built in ${buildMs} ms, ${mib.toFixed(1)} MiB`)
    // The size the CLI's README states (users download it) is this one, within 10 %.
    const readme = readFileSync(join(repoRoot, "apps", "cli", "README.md"), "utf8")
    const stated = Number(/standalone executable for Linux x64 \(about (\d+) MiB/.exec(readme)?.[1])
    expect(Math.abs(stated - mib) / mib).toBeLessThan(0.1)
  })

  it("prints its version and help without Node or any file beside it", async () => {
    expect(await run(exe, ["--version"], { env: npmEnv() })).toMatchObject({
      code: 0,
      stdout: `${cliVersion}\n`,
      stderr: ""
    })
    const help = await run(exe, ["webhooks", "--help"], { env: npmEnv() })
    expect(help).toMatchObject({ code: 0, stderr: "" })
    expect(help.stdout).toContain("vwh webhooks <command> [options]")
  })

  it("creates and lists webhooks against the installed sandbox", async () => {
    const env = npmEnv(sandbox.env)
    const created = await run(
      exe,
      [
        "webhooks",
        "create",
        "--project",
        "proj_sandbox",
        "--url",
        "https://example.com/sea",
        "--event",
        "voucher.published",
        "-o",
        "json"
      ],
      { env }
    )
    expect(created).toMatchObject({ code: 0, stderr: "" })
    const { id } = JSON.parse(created.stdout) as { id: string }
    const listed = await run(exe, ["webhooks", "list", "--project", "proj_sandbox"], { env })
    expect(listed).toMatchObject({ code: 0, stderr: "" })
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+yes\\s+voucher\\.published\\s+https://example\\.com/sea`))
  })

  it("runs its own sandbox (a bundle it carries inside), quietly", async () => {
    const child = spawn(exe, ["sandbox", "--port", "0"], {
      env: npmEnv({ VOUCHERIFY_MANAGEMENT_ID: "", VOUCHERIFY_MANAGEMENT_TOKEN: "" })
    })
    let out = ""
    let err = ""
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString("utf8")
    })
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 20 s: ${out}${err}`)), 20_000)
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString("utf8")
        const found = /listening on (http:\/\/\S+)/.exec(out)?.[1]
        if (found) {
          clearTimeout(timer)
          resolve(found)
        }
      })
    })
    try {
      const env = npmEnv({
        VOUCHERIFY_API_URL: url,
        VOUCHERIFY_MANAGEMENT_ID: "sandbox-management-id",
        VOUCHERIFY_MANAGEMENT_TOKEN: "sandbox-management-token"
      })
      const listed = await run(exe, ["webhooks", "list", "--project", "proj_sandbox", "-o", "json"], { env })
      expect(listed).toMatchObject({ code: 0, stdout: "[]\n" })
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGINT")
      expect(await exited).toBe(0)
    }
    expect(err).toBe("")
  })
})
