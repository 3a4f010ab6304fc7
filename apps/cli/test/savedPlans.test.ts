import { readFileSync, statSync, writeFileSync } from "node:fs"
import { startTestSandbox, type TestSandbox } from "@voucherify-webhooks/sandbox/testing"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { tempFile, vwh } from "./harness.js"

// Saved plans against the real sandbox: `--plan-out` writes the plan and the webhooks it was computed from;
// `vwh apply plan.json` makes exactly those changes, or none when the webhooks moved since.

let s: TestSandbox
beforeAll(async () => {
  s = await startTestSandbox({ projects: ["proj_a"] })
})
afterAll(() => s.close())
beforeEach(() => s.reset())

const tmp = (name: string) => tempFile(`plans-${name}`)
const write = (name: string, text: string) => tempFile(`plans-${name}`, text)
interface Wh {
  readonly id: string
  readonly target_url: string
  readonly events: ReadonlyArray<string>
}
const list = async () =>
  JSON.parse((await vwh(["webhooks", "list", "-p", "proj_a", "-o", "json"], s.env)).stdout) as Array<Wh>
const create = async (url: string) => {
  const r = await vwh(
    ["webhooks", "create", "-p", "proj_a", "--url", url, "-e", "voucher.created", "-o", "json"],
    s.env
  )
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as Wh
}
const desired =
  "projects:\n  proj_a:\n    - target_url: https://example.com/keep\n      events: [voucher.created, voucher.deleted]\n"

describe("saved plans", () => {
  it("--plan-out saves without applying; `apply PLAN` makes exactly that plan", async () => {
    const old = await create("https://example.com/old")
    const file = write("a.yaml", desired)
    const plan = tmp("a.plan.json")
    const before = await s.requests()
    const saved = await vwh(["apply", "-f", file, "--prune", "--plan-out", plan], s.env)
    expect(saved.code).toBe(10)
    expect(saved.stdout).toContain("+ create     https://example.com/keep")
    expect(saved.stdout).toContain(`- delete     https://example.com/old (${old.id})`)
    expect(saved.stderr).toContain(`apply exactly it with \`vwh apply ${plan}\``)
    expect(await s.requests()).toBe(before + 1)
    expect(statSync(plan).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(plan, "utf8"))).toMatchObject({ vwh_plan: 1, prune: true })

    // The file changes after the plan was made: the plan, not the file, is applied.
    writeFileSync(file, "projects:\n  proj_a: []\n")
    const applied = await vwh(["apply", plan, "--auto-approve"], s.env)
    expect(applied.code).toBe(0)
    expect(applied.stdout).toContain("Applied: 1 created, 0 updated, 1 deleted")
    expect((await list()).map((w) => [w.target_url, w.events])).toEqual([
      ["https://example.com/keep", ["voucher.created", "voucher.deleted"]]
    ])
  })

  it("refuses a stale plan, changing nothing (exit 8)", async () => {
    await create("https://example.com/old")
    const plan = tmp("b.plan.json")
    expect((await vwh(["apply", "-f", write("b.yaml", desired), "--prune", "--plan-out", plan], s.env)).code).toBe(10)
    const sneaky = await create("https://example.com/sneaky")
    const before = await s.requests()
    const r = await vwh(["apply", plan, "--auto-approve"], s.env)
    expect(r.code).toBe(8)
    expect(r.stderr).toContain(`proj_a: ${sneaky.id} (https://example.com/sneaky) was created`)
    expect(r.stderr).toContain("nothing was changed")
    expect(await s.requests()).toBe(before + 1)
    expect((await list()).map((w) => w.target_url).sort()).toEqual([
      "https://example.com/old",
      "https://example.com/sneaky"
    ])
  })

  it("refuses a plan with deletions without a terminal or --auto-approve, and a plan made elsewhere", async () => {
    await create("https://example.com/old")
    const plan = tmp("c.plan.json")
    await vwh(["apply", "-f", write("c.yaml", desired), "--prune", "--plan-out", plan], s.env)
    const before = await s.requests()
    const unasked = await vwh(["apply", plan], s.env)
    expect(unasked.code).toBe(2)
    expect(unasked.stderr).toContain("--auto-approve")
    expect(await s.requests()).toBe(before + 1)

    const elsewhere = await vwh(["apply", plan, "--auto-approve", "--base-url", "http://127.0.0.1:9"], s.env)
    expect(elsewhere.code).toBe(2)
    expect(elsewhere.stderr).toMatch(
      /was made against http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:9; nothing was changed/
    )

    const edited = write("d.plan.json", readFileSync(plan, "utf8").replace('"vwh_plan": 1', '"vwh_plan": 2'))
    const bad = await vwh(["apply", edited], s.env)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("is not a plan saved by `vwh apply --plan-out`")
    expect((await list()).map((w) => w.target_url)).toEqual(["https://example.com/old"])
  })

  it("says what to give when the file and the plan are both missing or both given", async () => {
    expect((await vwh(["apply"], s.env)).stderr).toContain("nothing to apply")
    expect((await vwh(["apply", "-f", "x.yaml", "p.json"], s.env)).stderr).toContain("not both")
  })
})
