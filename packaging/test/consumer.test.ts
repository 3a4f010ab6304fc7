// A user's TypeScript program (packaging/consumer, copied into the install folder) against the installed core and
// sandbox: it typechecks under both module resolutions — with node16, the libraries' own .d.ts are checked too
// (skipLibCheck off; bundler has it on, as most projects) — and `@ts-expect-error` lines in it prove the types are
// read, not `any`. Then it runs a create + list and a typed delivery against the sandbox it starts in-process, and
// the test kit (the installed bin as a process, a verifying receiver).
import { createRequire } from "node:module"
import { join } from "node:path"
import { describe, expect, inject, it } from "vitest"
import { npmEnv, run } from "./helpers.js"

const installed = inject("installed")
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")

const typecheck = (config: string) =>
  run(process.execPath, [tsc, "-p", join(installed.app, config)], { cwd: installed.app, env: npmEnv() })

// Both checks start at once (two processes: the slow part of this file); the tests wait for theirs.
const checks = {
  "tsconfig.bundler.json": typecheck("tsconfig.bundler.json"),
  "tsconfig.node16.json": typecheck("tsconfig.node16.json") // emits out/
}

describe("a TypeScript consumer of the installed packages", () => {
  it.each(["tsconfig.bundler.json", "tsconfig.node16.json"] as const)("typechecks with %s", async (config) => {
    const out = await checks[config]
    expect(out.stdout + out.stderr).toBe("")
    expect(out.code).toBe(0)
  })

  it("runs: creates and lists a webhook with core's client, receives a typed, signed delivery", async () => {
    expect((await checks["tsconfig.node16.json"]).code).toBe(0)
    const out = await run(process.execPath, [join(installed.app, "out", "main.js")], {
      cwd: installed.app,
      env: npmEnv()
    })
    expect(out.stderr).toBe("")
    expect(out.code).toBe(0)
    const result = JSON.parse(out.stdout)
    const coreVersion = installed.manifests["@voucherify-webhooks/core"]!.version
    expect(result).toEqual({
      version: coreVersion,
      userAgent: `voucherify-webhooks-core/${coreVersion} (node ${process.versions.node})`,
      created: {
        id: expect.stringMatching(/^wh_/),
        target_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/hooks$/),
        events: ["redemption.succeeded"],
        active: true
      },
      listed: [result.created.id],
      total: 1,
      missing: "webhook",
      delivery: { status: "succeeded", type: "redemption.succeeded", mismatches: 0 },
      amountIsNumber: true,
      signatureValid: true,
      kit: { type: "voucher.created", rejected: 0 }
    })
  })
})
