import { deliveryEnvelope } from "@voucherify-webhooks/core/MakeDelivery"
import { signPayload } from "@voucherify-webhooks/core/Signature"
import {
  closedPort,
  startReceiver,
  startTestSandbox,
  type TestSandbox,
  waitFor
} from "@voucherify-webhooks/sandbox/testing"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { tempFile, vwh, vwhBackground } from "./harness.js"

let s: TestSandbox
beforeAll(async () => {
  s = await startTestSandbox({ projects: ["proj_a", "proj_b"] })
})
afterAll(() => s.close())
beforeEach(() => s.reset())

const json = <A = unknown>(text: string): A => JSON.parse(text) as A
const oneLine = (stderr: string) => stderr.trim().split("\n")
const file = tempFile

interface Wh {
  readonly id: string
  readonly target_url: string
  readonly events: ReadonlyArray<string>
  readonly active: boolean
}

const create = async (project: string, url: string, ...events: Array<string>) => {
  const r = await vwh(
    ["webhooks", "create", "--project", project, "--url", url, ...events.flatMap((e) => ["--event", e]), "-o", "json"],
    s.env
  )
  expect(r.code).toBe(0)
  return json<Wh>(r.stdout)
}

describe("vwh webhooks", () => {
  it("create, list, get, update, delete round-trip with JSON on stdout", async () => {
    const created = await create("proj_a", "https://example.com/a", "redemption.succeeded", "voucher.published")
    expect(created).toMatchObject({ target_url: "https://example.com/a", active: true })

    const list = await vwh(["webhooks", "list", "--project", "proj_a", "--output", "json"], s.env)
    expect(list.code).toBe(0)
    expect(list.stderr).toBe("")
    expect(json<Array<Wh>>(list.stdout).map((w) => w.id)).toEqual([created.id])

    const table = await vwh(["webhooks", "list", "--project", "proj_a"], s.env)
    expect(table.stdout).toMatch(/^ID\s+ACTIVE\s+EVENTS\s+TARGET_URL\n/)

    const got = await vwh(["webhooks", "get", "--project", "proj_a", created.id, "-o", "json"], s.env)
    expect(json<Wh>(got.stdout).id).toBe(created.id)

    const updated = await vwh(
      [
        "webhooks",
        "update",
        "--project",
        "proj_a",
        created.id,
        "--add-event",
        "redemption.failed",
        "--remove-event",
        "voucher.published",
        "--inactive",
        "-o",
        "json"
      ],
      s.env
    )
    expect(updated.code).toBe(0)
    expect(json<Wh>(updated.stdout)).toMatchObject({
      target_url: "https://example.com/a",
      events: ["redemption.succeeded", "redemption.failed"],
      active: false
    })
    // A change of URL alone keeps the events and the inactive state.
    const moved = await vwh(
      ["webhooks", "update", "-p", "proj_a", created.id, "--url", "https://example.com/b", "-o", "json"],
      s.env
    )
    expect(json<Wh>(moved.stdout)).toMatchObject({
      target_url: "https://example.com/b",
      active: false,
      events: ["redemption.succeeded", "redemption.failed"]
    })

    const deleted = await vwh(["webhooks", "delete", "--project", "proj_a", "--yes", created.id], s.env)
    expect(deleted.code).toBe(0)
    const after = await vwh(["webhooks", "list", "--project", "proj_a", "-o", "json"], s.env)
    expect(json(after.stdout)).toEqual([])
  })

  it("delete without a terminal and without --yes refuses before any call (exit 2)", async () => {
    const created = await create("proj_a", "https://example.com/a", "voucher.created")
    const before = await s.requests()
    const r = await vwh(["webhooks", "delete", "--project", "proj_a", created.id], s.env)
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toHaveLength(1)
    expect(r.stderr).toContain("--yes")
    expect(await s.requests()).toBe(before)
  })

  it("exit 2 for usage and validation errors, one line, no stack", async () => {
    for (const args of [
      ["webhooks", "list"],
      ["webhooks", "list", "--project", "proj_a", "--output", "xml"],
      ["webhooks", "lst"],
      ["webhooks", "create", "--project", "proj_a", "--url", "https://x.example", "--event", "redemption.suceeded"],
      ["webhooks", "update", "--project", "proj_a", "wh_x", "--active", "--inactive"],
      ["webhooks", "list", "--project", "proj_a", "--base-url", "not a url"]
    ]) {
      const r = await vwh(args, s.env)
      expect(r.code, args.join(" ")).toBe(2)
      expect(oneLine(r.stderr), args.join(" ")).toHaveLength(1)
      expect(r.stderr).toMatch(/^vwh: /)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    const suggestion = await vwh(
      ["webhooks", "create", "-p", "proj_a", "--url", "https://x.example", "-e", "redemption.suceeded"],
      s.env
    )
    expect(suggestion.stderr).toContain('did you mean "redemption.succeeded"')
    const config = await vwh(["webhooks", "list", "-p", "proj_a"], { ...s.env, VOUCHERIFY_TIMEOUT: "soon" })
    expect(config.code).toBe(2)
    expect(config.stderr).toContain("VOUCHERIFY_TIMEOUT")
  })

  it("exit 3 with a wrong token, which is never printed", async () => {
    const r = await vwh(["webhooks", "list", "--project", "proj_a"], {
      ...s.env,
      VOUCHERIFY_MANAGEMENT_TOKEN: "wrong-token-123"
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/401.*request_id v-/)
    expect(r.stderr).not.toContain("wrong-token-123")
    const flag = await vwh(["webhooks", "list", "--project", "proj_a", "--token", "wrong-token-456"], s.env)
    expect(flag.code).toBe(3)
    expect(flag.stderr).toContain("warning: --token")
    expect(flag.stderr).not.toContain("wrong-token-456")
    const none = await vwh(["webhooks", "list", "--project", "proj_a"], {
      VOUCHERIFY_API_URL: s.env.VOUCHERIFY_API_URL!
    })
    expect(none.code).toBe(3)
  })

  it("exit 4 for a missing webhook or project, with the request_id", async () => {
    const r = await vwh(["webhooks", "get", "--project", "proj_a", "wh_000000000000000000000000"], s.env)
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/request_id v-/)
    expect((await vwh(["webhooks", "list", "--project", "proj_nope"], s.env)).code).toBe(4)
  })

  it("exit 5 when still rate limited after the client's retries", async () => {
    await s.run(s.sandbox.setRateLimit({ limit: 1, windowMs: 60_000 }))
    expect((await vwh(["webhooks", "list", "--project", "proj_a"], s.env)).code).toBe(0)
    const r = await vwh(["webhooks", "list", "--project", "proj_a"], {
      ...s.env,
      VOUCHERIFY_MAX_RETRY_AFTER: "1 second"
    })
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/rate limit.*retry in \d+ s/)
  })

  it("exit 6 when nothing listens", async () => {
    const port = await closedPort()
    const r = await vwh(["webhooks", "list", "--project", "proj_a", "--base-url", `http://127.0.0.1:${port}`], {
      ...s.env,
      VOUCHERIFY_MAX_RETRIES: "0"
    })
    expect(r.code).toBe(6)
    expect(r.stderr).toContain("ECONNREFUSED")
  })
})

describe("vwh events and help", () => {
  it("lists the known events grouped by resource", async () => {
    const r = await vwh(["events", "--output", "json"])
    expect(r.code).toBe(0)
    const groups = json<Record<string, Array<string>>>(r.stdout)
    expect(groups.redemption).toContain("redemption.succeeded")
    expect(Object.values(groups).flat()).toHaveLength(61)
  })

  it("prints the same help from the build-time cache as live", async () => {
    for (const path of [[], ["webhooks"], ["webhooks", "update"], ["apply"], ["listen"], ["sandbox"]]) {
      const cached = await vwh([...path, "--help"])
      const live = await vwh([...path, "-h"], { VWH_HELP_CACHE: "0" })
      expect(cached.stdout, path.join(" ")).toBe(live.stdout)
    }
  })

  it("has help in our words, with the full command path and examples, on every command", async () => {
    const paths = [
      [],
      ["webhooks"],
      ["webhooks", "create"],
      ["webhooks", "list"],
      ["webhooks", "get"],
      ["webhooks", "update"],
      ["webhooks", "delete"],
      ["events"],
      ["apply"],
      ["listen"],
      ["sandbox"]
    ]
    for (const path of paths) {
      const r = await vwh([...path, "--help"])
      const what = path.join(" ")
      expect(r.code, what).toBe(0)
      expect(r.stdout, what).toMatch(new RegExp(`^Usage:\n  ${["vwh", ...path].join(" ")} `, "m"))
      expect(r.stdout, what).toMatch(/^Examples:\n {2}\$ .*vwh /m)
      // No framework boilerplate, no padding, no colour codes.
      expect(r.stdout, what).not.toMatch(/A user-defined piece of text|This setting is optional|--wizard/)
      expect(r.stdout, what).not.toMatch(/ \n/)
      expect(r.stdout, what).not.toContain("\u001b")
      // Every option has a description of its own.
      for (const line of r.stdout.split("\n").filter((l) => /^ {2}(-\w, )?--|^ {6}--/.test(l))) {
        const next = r.stdout.split("\n")[r.stdout.split("\n").indexOf(line) + 1] ?? ""
        expect(next, `${what}: ${line}`).toMatch(/^ {8}\S/)
      }
    }
    const root = await vwh(["--help"])
    expect(root.stdout).toContain("Exit codes:")
    expect(root.stdout).toContain("VOUCHERIFY_MANAGEMENT_TOKEN")
    // Help asked for after other arguments is the same help.
    const late = await vwh(["webhooks", "list", "--project", "p", "--help"])
    expect(late.stdout).toBe((await vwh(["webhooks", "list", "--help"])).stdout)
    const completions = await vwh(["--completions", "bash"])
    expect(completions.code).toBe(0)
    expect(completions.stdout).toContain("webhooks")
  })
})

describe("vwh apply", () => {
  const desired = `
projects:
  proj_a:
    - target_url: https://example.com/one
      events: [redemption.succeeded, voucher.published]
    - target_url: https://example.com/two
      events: [customer.created]
      active: false
  proj_b:
    - target_url: https://example.com/three
      events: [voucher.created]
`

  it("plans, applies with the fewest calls, is idempotent, and prunes", async () => {
    const old = await create("proj_a", "https://example.com/old", "voucher.deleted")
    const one = await create("proj_a", "https://example.com/one", "voucher.published", "customer.created")
    const path = file("apply.yaml", desired)

    // Dry run: the plan, exit 10 for drift, and only the two list calls.
    let before = await s.requests()
    const dry = await vwh(["apply", "-f", path, "--dry-run"], s.env)
    expect(dry.code).toBe(10)
    expect(await s.requests()).toBe(before + 2)
    expect(dry.stdout).toContain(`~ update     https://example.com/one (${one.id})`)
    expect(dry.stdout).toContain("events: + redemption.succeeded")
    expect(dry.stdout).toContain("events: - customer.created")
    expect(dry.stdout).toContain("+ create     https://example.com/two")
    expect(dry.stdout).toContain(`? not in file https://example.com/old (${old.id})`)
    expect(dry.stdout).toContain("Plan: 2 to create, 1 to update, 0 to delete, 0 unchanged, 1 not in the file (kept).")

    // A deletion without a terminal needs --auto-approve: refused, nothing changed beyond the two lists.
    before = await s.requests()
    const refused = await vwh(["apply", "-f", path, "--prune"], s.env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("--auto-approve")
    expect(await s.requests()).toBe(before + 2)

    // Apply with prune: 2 lists + 2 creates + 1 update + 1 delete.
    before = await s.requests()
    const applied = await vwh(["apply", "-f", path, "--prune", "--auto-approve", "--output", "json"], s.env)
    expect(applied.code).toBe(0)
    expect(await s.requests()).toBe(before + 6)
    const report = json<{
      summary: Record<string, number>
      projects: Array<{ actions: Array<{ action: string; result?: { ok: boolean } }> }>
    }>(applied.stdout)
    expect(report.summary).toMatchObject({ create: 2, update: 1, delete: 1, unchanged: 0 })
    expect(report.projects.flatMap((p) => p.actions).every((a) => a.action === "unchanged" || a.result?.ok)).toBe(true)

    const listed = json<Array<Wh>>((await vwh(["webhooks", "list", "-p", "proj_a", "-o", "json"], s.env)).stdout)
    expect(listed.map((w) => w.target_url).sort()).toEqual(["https://example.com/one", "https://example.com/two"])
    expect(listed.find((w) => w.target_url.endsWith("two"))?.active).toBe(false)

    // Re-run: everything unchanged, zero mutating calls, and a clean dry run exits 0.
    before = await s.requests()
    const again = await vwh(["apply", "-f", path, "--prune"], s.env)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged.")
    expect(await s.requests()).toBe(before + 2)
    const clean = await vwh(["apply", "-f", path, "--prune", "--dry-run"], s.env)
    expect(clean.code).toBe(0)
  })

  it("rejects an invalid file whole, before any call, naming every problem by path", async () => {
    const path = file(
      "bad.json",
      JSON.stringify({
        projects: {
          proj_a: [
            { target_url: "https://example.com/one", events: ["redemption.succeeded"] },
            { target_url: "https://example.com/one", events: ["redemption.succeeded", "redemption.suceeded"] }
          ]
        }
      })
    )
    const before = await s.requests()
    const r = await vwh(["apply", "-f", path], s.env)
    expect(r.code).toBe(2)
    expect(await s.requests()).toBe(before)
    expect(r.stderr).toContain(
      'projects.proj_a[1].events[1]: unknown event "redemption.suceeded" (did you mean "redemption.succeeded"?)'
    )
    expect(r.stderr).toContain("projects.proj_a[1].target_url:")
    expect(r.stderr).toMatch(/not valid \(2 problems\); nothing was sent/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it("skips a project with two remote webhooks on one target_url (exit 7) and applies the others", async () => {
    await create("proj_a", "https://example.com/one", "voucher.created")
    await create("proj_a", "https://example.com/one", "voucher.deleted")
    const r = await vwh(["apply", "-f", file("amb.yaml", desired)], s.env)
    expect(r.code).toBe(7)
    expect(r.stderr).toMatch(/proj_a skipped: 2 webhooks .* have target_url https:\/\/example.com\/one/)
    const b = json<Array<Wh>>((await vwh(["webhooks", "list", "-p", "proj_b", "-o", "json"], s.env)).stdout)
    expect(b.map((w) => w.target_url)).toEqual(["https://example.com/three"])
  })

  it("reports a rate limit that outlasts the retries clearly (exit 5)", async () => {
    await s.run(s.sandbox.setRateLimit({ limit: 2, windowMs: 60_000 }))
    const r = await vwh(["apply", "-f", file("rl.yaml", desired)], { ...s.env, VOUCHERIFY_MAX_RETRY_AFTER: "1 second" })
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/apply incomplete: \d+ of 3 change\(s\) failed/)
    expect(r.stderr).toMatch(/rate limit reached \(429\)/)
  })
})

describe("vwh listen", () => {
  it("verifies signatures (401 when bad), prints JSON lines, forwards verified deliveries", async () => {
    const app = await startReceiver()
    const secret = "whsec_listen_test"
    const listener = await vwhBackground(
      ["listen", "--port", "0", "--secret", secret, "--forward-to", app.url, "--output", "json"],
      {},
      /listening on (http:\/\/127\.0\.0\.1:\d+)\//
    )
    try {
      const url = listener.match[1]!
      const body = JSON.stringify(deliveryEnvelope("voucher.created", { projectId: "proj_a" }))
      const good = await fetch(`${url}/anything`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-voucherify-signature": signPayload(body, secret),
          "x-extra": "kept"
        }
      })
      expect(good.status).toBe(202)
      const bad = await fetch(url, {
        method: "POST",
        body,
        headers: { "x-voucherify-signature": signPayload(body, "nope") }
      })
      expect(bad.status).toBe(401)
      const missing = await fetch(url, { method: "POST", body })
      expect(missing.status).toBe(401)

      await waitFor("a line on listener's stdout", listener.stdout, { until: (text) => text.includes("\n") })
      const lines = listener
        .stdout()
        .trim()
        .split("\n")
        .map((l) => json<{ type: string; verified: boolean; forward: { status: number } }>(l))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ type: "voucher.created", verified: true, forward: { status: 200 } })
      expect(app.received).toHaveLength(1)
      expect(app.received[0]!.body).toBe(body)
      expect(app.received[0]!.headers["x-voucherify-signature"]).toBe(signPayload(body, secret))
      expect(app.received[0]!.headers["x-extra"]).toBe("kept")
      expect(listener.stderr()).toContain("rejected")
      expect(listener.stderr()).not.toContain(secret)
    } finally {
      expect(await listener.stop()).toBe(0)
      await app.close()
    }
  })

  it("receives the sandbox's signed deliveries end to end", async () => {
    const secret = Redacted.value(await s.run(s.sandbox.projectSecret("proj_a")))
    const listener = await vwhBackground(
      ["listen", "--port", "0", "--event", "redemption.succeeded"],
      { VOUCHERIFY_WEBHOOK_SECRET: secret },
      /listening on (http:\/\/127\.0\.0\.1:\d+)\//
    )
    try {
      await create("proj_a", `${listener.match[1]}/wh`, "redemption.succeeded", "voucher.created")
      await s.run(s.sandbox.raiseEvent("proj_a", "voucher.created"))
      await s.run(s.sandbox.raiseEvent("proj_a", "redemption.succeeded"))
      await waitFor("redemption.succeeded on listener's stdout", listener.stdout, {
        until: (text) => text.includes("redemption.succeeded")
      })
      const lines = listener.stdout().trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/✓ redemption\.succeeded whs_\w+ entity=\w+ voucher=/)
    } finally {
      await listener.stop()
    }
  })

  it("refuses to start without a secret (exit 2)", async () => {
    const r = await vwh(["listen", "--port", "0"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("VOUCHERIFY_WEBHOOK_SECRET")
  })
})

describe("vwh sandbox", () => {
  it("starts, prints the banner, serves the API and stops on Ctrl-C", async () => {
    const sb = await vwhBackground(
      ["sandbox", "--port", "0", "--project", "proj_z"],
      {},
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
      "stdout"
    )
    try {
      expect(sb.stdout()).toContain("proj_z  webhook secret: whsec_")
      const r = await vwh(["webhooks", "list", "-p", "proj_z", "-o", "json", "--base-url", sb.match[1]!], {
        VOUCHERIFY_MANAGEMENT_ID: "sandbox-management-id",
        VOUCHERIFY_MANAGEMENT_TOKEN: "sandbox-management-token"
      })
      expect(r.code).toBe(0)
      expect(json(r.stdout)).toEqual([])
    } finally {
      expect(await sb.stop()).toBe(0)
    }
  })
})
