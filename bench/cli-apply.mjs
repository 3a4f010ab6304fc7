// vwh apply at scale: 500 webhooks across 10 projects against the built sandbox. Reports the API calls made
// (the sandbox's request counter) against the minimum possible, and the time; then re-applies the same file,
// which must make only the 10 list calls and no mutation; then changes 10% of the webhooks and applies again.
// Usage: node cli-apply.mjs   (build first: apps/cli and packages/sandbox, `node build.mjs`)
import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cleanEnv, credentials, requestCount, requireBuilt, startSandbox, vwhBin } from "./cli-common.mjs"

requireBuilt()
const projects = Array.from({ length: 10 }, (_, i) => `proj_bench${String(i).padStart(2, "0")}`)
const perProject = 50
const events = ["redemption.succeeded", "redemption.failed", "voucher.published", "voucher.created", "customer.created"]

const desired = (variant) => ({
  projects: Object.fromEntries(
    projects.map((p) => [
      p,
      Array.from({ length: perProject }, (_, i) => ({
        target_url: `https://hooks.example.com/${p}/${i}`,
        events: [events[i % events.length], events[(i + 1) % events.length]],
        // variant 1 switches every tenth webhook off: 50 updates.
        active: !(variant === 1 && i % 10 === 0)
      }))
    ])
  )
})

const dir = mkdtempSync(join(tmpdir(), "vwh-bench-"))
const sandbox = await startSandbox(projects)
const env = { ...cleanEnv(), ...credentials, VOUCHERIFY_API_URL: sandbox.url }

const apply = async (label, variant, minimum) => {
  const file = join(dir, `webhooks-${variant}.json`)
  writeFileSync(file, JSON.stringify(desired(variant)))
  const before = await requestCount(sandbox.url)
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [vwhBin, "apply", "-f", file, "--output", "json"], { env, encoding: "utf8" })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`apply exited ${r.status}: ${r.stderr}`)
  const calls = (await requestCount(sandbox.url)) - before
  const { summary } = JSON.parse(r.stdout)
  console.log(
    `  ${label.padEnd(34)} ${String(calls).padStart(4)} calls (minimum ${minimum}, ${(calls / minimum).toFixed(2)}×)  ${(ms / 1000).toFixed(2)} s  ` +
      `created ${summary.create}, updated ${summary.update}, deleted ${summary.delete}, unchanged ${summary.unchanged}`
  )
  return calls === minimum
}

try {
  console.log(`vwh apply: ${projects.length * perProject} webhooks across ${projects.length} projects (concurrency 4)`)
  const ok = [
    await apply("first apply (all new)", 0, projects.length + projects.length * perProject),
    await apply("re-apply (no change)", 0, projects.length),
    await apply("apply with 10% switched off", 1, projects.length + projects.length * (perProject / 10))
  ]
  console.log(ok.every(Boolean) ? "every run made exactly the minimum number of calls" : "MORE calls than the minimum")
} finally {
  sandbox.stop()
}
