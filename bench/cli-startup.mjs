// vwh cold start: `vwh --help`, `vwh webhooks list` (against a local sandbox) and `vwh trigger` (one signed
// delivery to a local receiver), each as a ratio to `node -e 0` measured in the same run, interleaved so machine
// noise hits all alike. Median of N runs (default 15). Prints pass/MISS against the targets (--help ≤ 1.5×,
// webhooks list ≤ 2.5×); trigger is reported.
// Usage: node cli-startup.mjs [--runs 15] [--sea apps/cli/dist/sea/vwh]   (build first: apps/cli and
// packages/sandbox, `node build.mjs`; --sea adds rows for the standalone executable, built by apps/cli/sea.mjs)
import { spawnSync } from "node:child_process"
import { parseArgs } from "node:util"
import { cleanEnv, credentials, median, requireBuilt, startReceiver, startSandbox, vwhBin } from "./cli-common.mjs"

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" }, sea: { type: "string" } } })
const runs = Number(values.runs)
requireBuilt()

const sandbox = await startSandbox()
const receiver = await startReceiver()
const env = { ...cleanEnv(), ...credentials, VOUCHERIFY_API_URL: sandbox.url, VOUCHERIFY_WEBHOOK_SECRET: "whsec_bench" }

// "--help (live)" skips the build-time help cache (VWH_HELP_CACHE=0): the whole CLI evaluated and rendering help.
const cases = {
  "node -e 0": ["-e", "0"],
  "vwh --help": [vwhBin, "--help"],
  "vwh --help (live)": [vwhBin, "--help"],
  "vwh events": [vwhBin, "events"],
  "vwh webhooks list": [vwhBin, "webhooks", "list", "--project", "proj_sandbox"],
  "vwh trigger": [vwhBin, "trigger", "redemption.succeeded", "--to", receiver.url],
  ...(values.sea === undefined
    ? {}
    : {
        "standalone --help": [values.sea, "--help"],
        "standalone webhooks list": [values.sea, "webhooks", "list", "--project", "proj_sandbox"]
      })
}

const time = (name, args) => {
  const start = process.hrtime.bigint()
  // The standalone executable is its own program; every other case runs under this Node.
  const [command, rest] = name.startsWith("standalone") ? [args[0], args.slice(1)] : [process.execPath, args]
  const r = spawnSync(command, rest, {
    env: name.includes("(live)") ? { ...env, VWH_HELP_CACHE: "0" } : env,
    stdio: ["ignore", "ignore", "pipe"]
  })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`)
  return ms
}

try {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
  for (const [name, args] of Object.entries(cases)) time(name, args) // warm the file cache
  for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(cases)) samples[name].push(time(name, args))
  const base = median(samples["node -e 0"])
  console.log(`cold start, median of ${runs} (node ${process.version})`)
  for (const [name, xs] of Object.entries(samples)) {
    const m = median(xs)
    console.log(`  ${name.padEnd(26)} ${m.toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}× node`)
  }
  // Targets of issue 11: asking for help costs about what starting Node costs; a real command, little more.
  const targets = [
    ["vwh --help", 1.5],
    ["vwh webhooks list", 2.5]
  ]
  for (const [name, limit] of targets) {
    const ratio = median(samples[name]) / base
    console.log(
      `target: ${name} ≤ ${limit.toFixed(2)}× node: ${ratio <= limit ? "pass" : "MISS"} (${ratio.toFixed(2)}×)`
    )
  }
} finally {
  sandbox.stop()
  receiver.stop()
}
