import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { waitFor } from "@voucherify-webhooks/sandbox/testing"
import { describe, expect, it } from "vitest"
import {
  bin,
  listJson,
  ptyAvailable,
  sendJson,
  tempFile,
  useFakeApis,
  vwh,
  vwhChild,
  vwhPty,
  webhookJson
} from "./harness.js"

// The bin as people and scripts meet it: real signals, real pipes, a pseudo-terminal where a prompt is involved.

const api = useFakeApis()
const file = tempFile
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI codes are what these tests look for
const ansi = /\u001b\[/

describe("signals", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143]
  ] as const) {
    it(`${signal} during a hung request cancels it and exits ${code}`, async () => {
      const server = await api(() => false)
      const run = vwhChild(["webhooks", "list", "--project", "proj_x"], server.env)
      await waitFor("1 in server.seen", () => server.seen.length, { until: (n) => n === 1 })
      run.child.kill(signal)
      const { code: exitCode } = await run.exited
      expect(exitCode).toBe(code)
      expect(run.stderr()).toBe(`vwh: interrupted by ${signal}\n`)
      await waitFor("the request to be cancelled", () => server.seen[0]!.cancelled)
    })
  }

  it("an interrupted apply says what it made and what it did not, and exits 130", async () => {
    const creates: Array<string> = []
    const server = await api((req, body, res) => {
      if (req.method === "GET") {
        sendJson(res, 200, listJson([]))
        return true
      }
      creates.push(body)
      // The first create is answered, the others hang until the signal.
      if (creates.length === 1) {
        const { target_url, events } = JSON.parse(body) as { target_url: string; events: Array<string> }
        sendJson(res, 200, webhookJson("wh_made", target_url, events))
      }
      return true
    })
    const path = file(
      "interrupt.yaml",
      `projects:\n  proj_x:\n${["a", "b", "c", "d"].map((x) => `    - target_url: https://example.com/${x}\n      events: [voucher.created]\n`).join("")}`
    )
    const run = vwhChild(["apply", "-f", path, "--concurrency", "2"], server.env)
    // a is made; b and then c (when a's slot frees) hang; d waits for a slot.
    await waitFor("3 in creates", () => creates.length, { until: (n) => n === 3 })
    run.child.kill("SIGINT")
    const { code } = await run.exited
    expect(code).toBe(130)
    const err = run.stderr()
    expect(err).toMatch(/apply interrupted: 1 change\(s\) made, 2 cut short, 1 not started/)
    expect(err).toMatch(/✓ proj_x: create https:\/\/example.com\/a: made/)
    expect(err).toMatch(
      /\? proj_x: create https:\/\/example.com\/b: cut short; it may have been applied: check with `vwh webhooks list --project proj_x`/
    )
    expect(err).toMatch(/- proj_x: create https:\/\/example.com\/d: not started/)
    expect(err).toContain("vwh: interrupted by SIGINT")
    expect(err).not.toContain("nothing was changed")
    expect(creates).toHaveLength(3)
  })

  it("an interrupted create says it may have been applied and how to check", async () => {
    const server = await api(() => false)
    const run = vwhChild(
      ["webhooks", "create", "-p", "proj_x", "--url", "https://example.com/a", "-e", "voucher.created"],
      server.env
    )
    await waitFor("1 in server.seen", () => server.seen.length, { until: (n) => n === 1 })
    run.child.kill("SIGTERM")
    expect((await run.exited).code).toBe(143)
    expect(run.stderr()).toContain(
      "vwh: the create was cut short; the webhook may have been created anyway: check with `vwh webhooks list --project proj_x`"
    )
  })

  it("an apply interrupted while listing says nothing was changed", async () => {
    const server = await api(() => false)
    const path = file("listing.yaml", "projects:\n  proj_x: []\n")
    const run = vwhChild(["apply", "-f", path], server.env)
    await waitFor("1 in server.seen", () => server.seen.length, { until: (n) => n === 1 })
    run.child.kill("SIGINT")
    expect((await run.exited).code).toBe(130)
    expect(run.stderr()).toContain("vwh: apply interrupted before any change; nothing was changed")
  })

  it("listen stops cleanly on SIGTERM (its normal end): exit 0", async () => {
    const run = vwhChild(["listen", "--port", "0", "--secret", "s"])
    await waitFor("listening on on run's stderr", run.stderr, { until: (text) => text.includes("listening on") })
    run.child.kill("SIGTERM")
    expect((await run.exited).code).toBe(0)
  })
})

describe("pipes and colour", () => {
  it("a closed stdout ends vwh quietly: `vwh events | head -1`", async () => {
    const first = (await vwh(["events"])).stdout.split("\n")[0]
    const r = spawnSync(
      "bash",
      ["-c", `"${process.execPath}" "${bin}" events | head -1; echo "status \${PIPESTATUS[0]}" >&2`],
      { encoding: "utf8" }
    )
    expect(r.stdout).toBe(`${first}\n`)
    // 0 when everything fit in the pipe before head left, 141 when a write found it closed: never a trace.
    expect(r.stderr).toMatch(/^status (0|141)\n$/)
  })

  it("a stdout closed before the first write: no trace, exit 141", async () => {
    const run = vwhChild(["events"])
    run.child.stdout.destroy()
    const { code } = await run.exited
    expect(code).toBe(141)
    expect(run.stderr()).toBe("")
  })

  it("a closed stdout ends a long output quietly too: `vwh --help | head -1`", () => {
    const r = spawnSync(
      "bash",
      ["-c", `"${process.execPath}" "${bin}" --help | head -1; echo "status \${PIPESTATUS[0]}" >&2`],
      {
        encoding: "utf8"
      }
    )
    expect(r.stdout).toBe("vwh: manage Voucherify webhooks from a terminal.\n")
    expect(r.stderr).toMatch(/^status (0|141)\n$/)
  })

  const planFixture = async () => {
    const server = await api((req, _body, res) => {
      sendJson(res, 200, listJson([webhookJson("wh_old", "https://example.com/old", ["voucher.deleted"])]))
      return req.method === "GET"
    })
    const path = file(
      "colour.yaml",
      "projects:\n  proj_x:\n    - target_url: https://example.com/new\n      events: [voucher.created]\n"
    )
    return { server, path }
  }

  it("plain plan through a pipe; FORCE_COLOR forces colour, NO_COLOR wins otherwise", async () => {
    const { server, path } = await planFixture()
    const plain = await vwh(["apply", "-f", path, "--prune", "--dry-run"], server.env)
    expect(plain.code).toBe(10)
    expect(plain.stdout).toContain("+ create     https://example.com/new")
    expect(plain.stdout).not.toMatch(ansi)
    const forced = await vwh(["apply", "-f", path, "--prune", "--dry-run"], { ...server.env, FORCE_COLOR: "1" })
    expect(forced.stdout).toContain("\u001b[32m  + create     https://example.com/new\u001b[39m")
    expect(forced.stdout).toContain("\u001b[31m  - delete     https://example.com/old (wh_old)\u001b[39m")
  })

  it.skipIf(!ptyAvailable)("the plan is in colour on a terminal, and plain there with NO_COLOR", async () => {
    const { server, path } = await planFixture()
    const tty = vwhPty(["apply", "-f", path, "--prune", "--dry-run"], server.env)
    expect(await tty.exited).toBe(10)
    expect(tty.output()).toContain("\u001b[32m  + create")
    const noColour = vwhPty(["apply", "-f", path, "--prune", "--dry-run"], { ...server.env, NO_COLOR: "1" })
    expect(await noColour.exited).toBe(10)
    expect(noColour.output()).toContain("+ create")
    expect(noColour.output()).not.toMatch(ansi)
  })
})

describe.skipIf(!ptyAvailable)("prompts on a terminal", () => {
  it("Ctrl-C at the delete prompt: aborted, exit 130, nothing deleted", async () => {
    const server = await api((req, _body, res) => {
      sendJson(res, 200, webhookJson("wh_1", "https://example.com/a", ["voucher.created"]))
      return req.method === "GET"
    })
    const tty = vwhPty(["webhooks", "delete", "--project", "proj_x", "wh_1"], server.env)
    await waitFor("[y/N] on tty's output", tty.output, { until: (text) => text.includes("[y/N]") })
    tty.write("\u0003")
    expect(await tty.exited).toBe(130)
    expect(tty.output()).toContain("vwh: aborted; nothing was changed")
    expect(tty.output()).not.toContain("unexpected")
    expect(server.seen.map((r) => r.method)).toEqual(["GET"])
  })

  it("apply --prune shows the plan and asks before deleting; yes applies it, no changes nothing", async () => {
    let deleted = 0
    const server = await api((req, _body, res) => {
      if (req.method === "DELETE") {
        deleted++
        res.writeHead(204).end()
        return true
      }
      sendJson(
        res,
        200,
        listJson(deleted ? [] : [webhookJson("wh_old", "https://example.com/old", ["voucher.deleted"])])
      )
      return true
    })
    const path = file("prune.yaml", "projects:\n  proj_x: []\n")
    const no = vwhPty(["apply", "-f", path, "--prune"], server.env)
    await waitFor("[y/N] on no's output", no.output, { until: (text) => text.includes("[y/N]") })
    expect(no.output()).toContain("- delete     https://example.com/old (wh_old)")
    no.write("n\r")
    expect(await no.exited).toBe(2)
    expect(deleted).toBe(0)

    const yes = vwhPty(["apply", "-f", path, "--prune"], server.env)
    await waitFor("[y/N] on yes's output", yes.output, { until: (text) => text.includes("[y/N]") })
    yes.write("y\r")
    expect(await yes.exited).toBe(0)
    expect(deleted).toBe(1)
  })
})

describe("one deadline", () => {
  it("--timeout bounds the whole command, retries included, and the error says what was tried", async () => {
    const server = await api(() => false)
    const started = Date.now()
    const r = await vwh(["webhooks", "list", "--project", "proj_x", "--timeout", "1s"], server.env)
    const elapsed = Date.now() - started
    expect(r.code).toBe(6)
    expect(elapsed).toBeLessThan(5_000)
    expect(r.stderr).toMatch(/within the deadline of 1s \(1 attempt over 1\.\d s\); .*VOUCHERIFY_TIMEOUT/)
  })

  it("a server failing every attempt: retries stop at the deadline, counted", async () => {
    const server = await api((_req, _body, res) => {
      sendJson(res, 503, { code: 503, message: "Service Unavailable" })
      return true
    })
    const started = Date.now()
    const r = await vwh(["webhooks", "list", "--project", "proj_x"], { ...server.env, VOUCHERIFY_TIMEOUT: "1 second" })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(r.code).toBe(6)
    expect(r.stderr).toMatch(new RegExp(`gave up after ${server.seen.length} attempts? over \\d\\.\\d s`))
  })
})

describe("version", () => {
  it("prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string }
    const r = await vwh(["--version"])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`${pkg.version}\n`)
  })
})
