// The GitHub Actions recipe of the README (docs/ci/vwh-drift.yml), read from the file and run: its `vwh` steps,
// with its environment, through the installed vwh against the installed sandbox, over a day in the life of a
// webhooks.yaml (first apply, a hand-made change found by the nightly check, the merge that fixes it).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { parse } from "yaml"
import { npmEnv, type RunningSandbox, repoRoot, run, startSandboxBin } from "./helpers.js"

const installed = inject("installed")

interface Step {
  readonly name?: string
  readonly run?: string
  readonly uses?: string
}
interface Workflow {
  readonly on: Record<string, unknown>
  readonly env: Record<string, string>
  readonly jobs: Record<string, { readonly if?: string; readonly steps: ReadonlyArray<Step> }>
}

const workflow = parse(readFileSync(join(repoRoot, "docs", "ci", "vwh-drift.yml"), "utf8")) as Workflow
const vwhStep = (job: string) => {
  const steps = workflow.jobs[job]?.steps.filter((s) => s.run?.startsWith("vwh ")) ?? []
  expect(steps, `job ${job} has one vwh step`).toHaveLength(1)
  return steps[0]!.run!
}

let sandbox: RunningSandbox
let dir: string
beforeAll(async () => {
  sandbox = await startSandboxBin(installed)
  dir = mkdtempSync(join(installed.root, "ci-"))
})
afterAll(() => sandbox?.stop())

/** One step's `run`, as Actions runs it (bash -e), with the workflow's env and the secrets pointing at the sandbox. */
const step = (command: string) =>
  run("bash", ["-e", "-c", command], {
    cwd: dir,
    env: npmEnv({
      ...workflow.env,
      VOUCHERIFY_MANAGEMENT_ID: sandbox.env.VOUCHERIFY_MANAGEMENT_ID,
      VOUCHERIFY_MANAGEMENT_TOKEN: sandbox.env.VOUCHERIFY_MANAGEMENT_TOKEN,
      VOUCHERIFY_API_URL: sandbox.env.VOUCHERIFY_API_URL,
      PATH: `${join(installed.app, "node_modules", ".bin")}:${process.env.PATH}`
    })
  })

describe("the CI recipe (docs/ci/vwh-drift.yml)", () => {
  it("checks on a schedule and on pull requests, applies on a push to main, installing the published CLI", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push", "schedule", "workflow_dispatch"])
    expect(workflow.on.push).toEqual({ branches: ["main"], paths: ["webhooks.yaml"] })
    expect(workflow.jobs.drift?.if).toBe("github.event_name != 'push'")
    expect(workflow.jobs.apply?.if).toBe("github.event_name == 'push'")
    for (const job of ["drift", "apply"]) {
      const install = workflow.jobs[job]?.steps.find((s) => s.run?.startsWith("npm install"))
      expect(install?.run).toMatch(/^npm install --global @voucherify-webhooks\/cli@\d+\.\d+\.\d+$/)
    }
    expect(vwhStep("drift")).toBe("vwh apply -f webhooks.yaml --prune --dry-run")
    expect(vwhStep("apply")).toBe("vwh apply -f webhooks.yaml --prune --auto-approve")
  })

  it("runs its own commands: drift found (exit 10), applied on merge, clean, hand-made change found and undone", async () => {
    writeFileSync(
      join(dir, "webhooks.yaml"),
      "projects:\n  proj_sandbox:\n    - target_url: https://example.com/hooks/ci\n      events: [redemption.succeeded]\n"
    )
    const drift = vwhStep("drift")
    const apply = vwhStep("apply")

    const first = await step(drift)
    expect(first.code).toBe(10)
    expect(first.stdout).toContain("+ create     https://example.com/hooks/ci")

    const merged = await step(apply)
    expect(merged.code).toBe(0)
    expect(merged.stderr).toMatch(/✓ proj_sandbox: create https:\/\/example\.com\/hooks\/ci → wh_\w+\n$/)

    expect(await step(drift)).toMatchObject({ code: 0 })

    // Someone adds a webhook by hand: the nightly check fails and names it; the next apply removes it.
    const byHand = await step(
      "vwh webhooks create --project proj_sandbox --url https://example.com/by-hand --event voucher.published"
    )
    expect(byHand.code).toBe(0)
    const byHandId = /Created webhook (wh_\w+)/.exec(byHand.stdout)?.[1]
    const nightly = await step(drift)
    expect(nightly.code).toBe(10)
    expect(nightly.stdout).toMatch(/- delete\s+https:\/\/example\.com\/by-hand/)
    const fixed = await step(apply)
    expect(fixed.code).toBe(0)
    expect(fixed.stderr).toContain(`✓ proj_sandbox: delete ${byHandId}`)
    const listed = await step("vwh webhooks list --project proj_sandbox -o json")
    expect((JSON.parse(listed.stdout) as Array<{ target_url: string }>).map((w) => w.target_url)).toEqual([
      "https://example.com/hooks/ci"
    ])
  })
})
