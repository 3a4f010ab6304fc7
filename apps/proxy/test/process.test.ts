import { spawn, spawnSync } from "node:child_process"
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { join } from "node:path"
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "vitest"
import { hashKey, mintKey } from "../src/Keys.js"
import { cleanEnv, dir, main, spawnProxy, upstreamEnv, webhookJson, writeConfig } from "./built.js"
import { startFakeUpstream } from "./helpers.js"

describe("the built proxy as a process", () => {
  it("refuses a bad config: exit 2, one line per problem with its path, no stack trace", () => {
    const path = join(dir, "bad.json")
    writeFileSync(
      path,
      JSON.stringify({
        port: "eighty",
        clients: [
          { id: "ci bot", keyHash: "md5:abc", projects: ["proj_a"], access: ["admin"] },
          { id: "x", keyHash: hashKey(mintKey()), projects: "*", access: [] }
        ],
        policy: { allowedHosts: ["*.Example.com"], surprise: true }
      })
    )
    const r = spawnSync(process.execPath, [main, "--config", path], { env: cleanEnv(), encoding: "utf8" })
    expect(r.status).toBe(2)
    const lines = r.stderr.trim().split("\n")
    expect(r.stderr).not.toMatch(/\n\s+at /)
    for (const needle of [
      "port",
      "clients.0.id",
      "clients.0.keyHash",
      "clients.0.access.0",
      "clients.1.access",
      "policy.allowedHosts.0",
      "policy.surprise"
    ]) {
      expect(
        lines.some((l) => l.includes(`: ${needle}: `)),
        `${needle} in\n${r.stderr}`
      ).toBe(true)
    }
    expect(lines.every((l) => l.startsWith("config error: "))).toBe(true)
    const missing = spawnSync(process.execPath, [main, "--config", join(dir, "nope.json")], {
      env: cleanEnv(),
      encoding: "utf8"
    })
    expect(missing.status).toBe(2)
    expect(missing.stderr.trim().split("\n")).toHaveLength(1)
  })

  it("hash-key mints a key whose hash is what the config wants", () => {
    const r = spawnSync(process.execPath, [main, "hash-key", "--id", "ci-bot"], { env: cleanEnv(), encoding: "utf8" })
    expect(r.status).toBe(0)
    const key = /key:\s+(vwhk_\S+)/.exec(r.stdout)![1]!
    const hash = /keyHash:\s+(sha256:[0-9a-f]{64})/.exec(r.stdout)![1]!
    expect(hashKey(Redacted.make(key))).toBe(hash)
  })

  it("with no config: demo client on the embedded sandbox, works end to end", async () => {
    const p = spawnProxy([], { ...cleanEnv(), PORT: "0" })
    try {
      const port = await p.port
      expect(p.output.text).toContain("EMBEDDED SANDBOX")
      const token = /VOUCHERIFY_MANAGEMENT_TOKEN=(\S+)/.exec(p.output.text)![1]!
      const headers = { "x-management-id": "demo", "x-management-token": token, "content-type": "application/json" }
      const created = await fetch(`http://127.0.0.1:${port}/management/v1/projects/proj_sandbox/webhooks`, {
        method: "POST",
        headers,
        body: JSON.stringify({ target_url: "https://example.com/hooks", events: ["redemption.succeeded"] })
      })
      expect(created.status).toBe(200)
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)
    } finally {
      p.child.kill("SIGTERM")
      expect(await p.exited).toBe(0)
    }
  })

  it("SIGTERM drains: the in-flight request completes 200 and the process exits 0; no secret in any output", async () => {
    const fake = await startFakeUpstream((req) =>
      req.url?.startsWith("/management") ? "hang" : { status: 404, body: { code: 404, message: "Resource not found" } }
    )
    // Answer management calls slowly, by hand, so one request is surely in flight at SIGTERM.
    const audit = join(dir, "audit.jsonl")
    const { path: config, key } = writeConfig("proxy", {
      audit: { path: audit },
      upstream: { timeoutMs: 10_000, maxRetries: 0 }
    })
    const p = spawnProxy(["--config", config], upstreamEnv(fake))
    try {
      const port = await p.port
      const headers = { "x-management-id": "ci-bot", "x-management-token": key, "content-type": "application/json" }
      const base = `http://127.0.0.1:${port}/management/v1/projects/proj_a/webhooks`
      const inFlight = fetch(base, {
        method: "POST",
        headers,
        body: JSON.stringify({ target_url: "https://hooks.example.com/secret-path", events: ["redemption.succeeded"] })
      }).then(async (r) => ({ status: r.status, body: await r.text() }))
      const bad = await fetch(base, {
        method: "POST",
        headers: { ...headers, "x-management-token": "vwhk_nope" },
        body: "{}"
      })
      expect(bad.status).toBe(401)
      while (fake.seen.filter((s) => s.url.startsWith("/management")).length === 0)
        await new Promise((r) => setTimeout(r, 20))
      p.child.kill("SIGTERM")
      await new Promise((r) => setTimeout(r, 300))
      // Still draining: now let the upstream answer.
      const pending = fake.pendingResponses()
      expect(pending).toHaveLength(1)
      pending[0]!(200, webhookJson("https://hooks.example.com/secret-path"))
      const done = await inFlight
      expect(done.status).toBe(200)
      expect(await p.exited).toBe(0)
      const records = readFileSync(audit, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
      expect(records.map((r) => [r.phase, r.status ?? null])).toEqual([
        ["attempt", null],
        ["outcome", 200]
      ])
      const everything = p.output.text + readFileSync(audit, "utf8") + done.body
      expect(everything).not.toContain(fake.token)
      expect(everything).not.toContain(key)
      // The webhook itself comes back to its owner; logs and the audit trail keep only the target's host.
      expect(p.output.text + readFileSync(audit, "utf8")).not.toContain("secret-path")
      expect(p.output.text).toContain('"message":"request"')
      expect(p.output.text).toContain('"message":"shutting down: drained 1 in-flight request"')
    } finally {
      p.child.kill("SIGKILL")
      await fake.close()
    }
  })

  it("an upstream URL with user:password in it is printed without them, in the banner and the log", async () => {
    const fake = await startFakeUpstream(() => ({ status: 404, body: { code: 404, message: "Resource not found" } }))
    const secret = "tok3n-in-the-url-9f8e7d"
    const { path } = writeConfig("userinfo", { audit: { path: join(dir, "userinfo.jsonl") } })
    const p = spawnProxy(
      ["--config", path],
      upstreamEnv(fake, { VOUCHERIFY_API_URL: fake.url.replace("http://", `http://someone:${secret}@`) })
    )
    try {
      await p.port
      await new Promise((r) => setTimeout(r, 200))
      expect(p.output.text.split("\n")[0]).toMatch(/^vwh-proxy \d+\.\d+\.\d+\S* listening on http:\/\//)
      expect(p.output.text).toContain(`upstream: ${fake.url} (credentials from the environment, never shown)`)
      expect(p.output.text).toContain(`"upstream":"${fake.url}"`)
      expect(p.output.text).not.toContain(secret)
      expect(p.output.text).not.toContain("someone")
      expect(p.output.text).not.toContain(fake.token)
    } finally {
      p.child.kill("SIGTERM")
      await p.exited
      await fake.close()
    }
  })

  for (const auditTo of ["stdout", "file"] as const) {
    it(`a closed stdout never takes the proxy down (audit to ${auditTo}): it keeps serving and says so once on stderr`, async () => {
      const fake = await startFakeUpstream((req) =>
        req.method === "GET"
          ? { status: 200, body: { object: "list", data_ref: "data", data: [], total: 0 } }
          : { status: 200, body: webhookJson("https://hooks.example.com/x") }
      )
      const auditFile = join(dir, `stdout-${auditTo}.jsonl`)
      const { path: config, headers } = writeConfig(`stdout-${auditTo}`, {
        audit: { path: auditTo === "stdout" ? "-" : auditFile },
        upstream: { maxRetries: 0 }
      })
      const child = spawn(process.execPath, [main, "--config", config], {
        env: upstreamEnv(fake),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stderr!.on("data", (c) => {
        stderr += c
      })
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      try {
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout!.on("data", (c) => {
            stdout += c
            const m = /listening on http:\/\/[^:]+:(\d+)/.exec(stdout)
            if (m) resolve(Number(m[1]))
          })
          child.on("exit", (code) => reject(new Error(`exited ${code}: ${stdout}${stderr}`)))
        })
        // The reader goes away: the next line the proxy writes hits a closed pipe (EPIPE).
        child.stdout!.destroy()
        const base = `http://127.0.0.1:${port}/management/v1/projects/proj_a/webhooks`
        const statuses: Array<number> = []
        for (let i = 0; i < 5; i++) {
          statuses.push((await fetch(base, { headers })).status)
          await new Promise((r) => setTimeout(r, 50))
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200])
        const created = await fetch(base, {
          method: "POST",
          headers,
          body: JSON.stringify({ target_url: "https://hooks.example.com/x", events: ["redemption.succeeded"] })
        })
        const createdBody = (await created.json()) as Record<string, string>
        if (auditTo === "stdout") {
          // The audit trail is gone with stdout: no change may go unrecorded, so changes are refused, reads served.
          expect(created.status).toBe(500)
          expect(createdBody).toMatchObject({ key: "proxy_audit_unavailable" })
          expect(fake.seen.filter((s) => s.method === "POST")).toHaveLength(0)
        } else {
          expect(created.status).toBe(200)
          expect(readFileSync(auditFile, "utf8")).toContain('"phase":"outcome"')
        }
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
        expect(child.exitCode).toBeNull()
        const said = stderr.split("\n").filter((l) => l.includes("stdout"))
        expect(said, stderr).toHaveLength(1)
        expect(said[0]).toContain("keeps serving")
        child.kill("SIGTERM")
        expect(await exited).toBe(0)
        expect(stderr).not.toMatch(/Unhandled|EPIPE.*\n\s+at /)
      } finally {
        child.kill("SIGKILL")
        await fake.close()
      }
    })
  }

  it("SIGTERM with requests still in flight after the grace period: the log says how many were cut", async () => {
    const fake = await startFakeUpstream(() => "hang")
    const { path, headers } = writeConfig("drain-cut", {
      audit: { path: join(dir, "drain-cut.jsonl") },
      upstream: { timeoutMs: 20_000, maxRetries: 0 },
      limits: { shutdownGraceMs: 300 }
    })
    const p = spawnProxy(["--config", path], upstreamEnv(fake))
    try {
      const port = await p.port
      const base = `http://127.0.0.1:${port}/management/v1/projects/proj_a/webhooks`
      const inFlight = Array.from({ length: 3 }, () => fetch(base, { headers }).catch((e: Error) => e))
      while (fake.seen.length < 3) await new Promise((r) => setTimeout(r, 20))
      p.child.kill("SIGTERM")
      expect(await p.exited).toBe(0)
      for (const r of await Promise.all(inFlight)) expect(r).toBeInstanceOf(Error)
      expect(p.output.text).toContain(
        '"message":"shutting down: 3 in-flight requests, 0 finished, 3 cut off after the 300 ms grace period"'
      )
      expect(p.output.text).not.toContain("drained")
    } finally {
      p.child.kill("SIGKILL")
      for (const answer of fake.pendingResponses()) answer(500)
      await fake.close()
    }
  })

  it("SIGTERM does not wait for a connection that never sent a request (a browser's spare socket)", async () => {
    const graceMs = 30_000
    const { path } = writeConfig("drain-spare", { limits: { shutdownGraceMs: graceMs }, upstream: { sandbox: true } })
    const p = spawnProxy(["--config", path], { ...cleanEnv(), PORT: "0" })
    try {
      const port = await p.port
      const spare = connect(port, "127.0.0.1")
      const closed = new Promise<void>((resolve) => spare.once("close", () => resolve()))
      await new Promise<void>((resolve) => spare.once("connect", () => resolve()))
      const started = Date.now()
      p.child.kill("SIGTERM")
      expect(await p.exited).toBe(0)
      await closed
      // It used to hold the shutdown for the whole grace period; now it is closed as soon as draining starts.
      expect(Date.now() - started).toBeLessThan(graceMs / 2)
      expect(p.output.text).toContain('"message":"shutting down: drained 0 in-flight requests"')
    } finally {
      p.child.kill("SIGKILL")
    }
  })

  it("an existing audit file others can read is kept as it is, with a warning at start; a new one is 0600", async () => {
    const shared = join(dir, "shared-audit.jsonl")
    writeFileSync(shared, "", { mode: 0o644 })
    chmodSync(shared, 0o644)
    const fresh = join(dir, `fresh-audit-${process.pid}.jsonl`)
    for (const [audit, warned] of [
      [shared, true],
      [fresh, false]
    ] as const) {
      const { path } = writeConfig(`mode-${warned}`, { audit: { path: audit }, upstream: { sandbox: true } })
      const p = spawnProxy(["--config", path], { ...cleanEnv(), PORT: "0" })
      try {
        await p.port
        await new Promise((r) => setTimeout(r, 200))
        const warning = `audit file ${audit} is open to other users (mode 0644): run chmod 600 ${audit} unless that is intended`
        if (warned) expect(p.output.text).toContain(warning)
        else {
          expect(p.output.text).not.toContain("open to other users")
          expect(statSync(audit).mode & 0o777).toBe(0o600)
        }
      } finally {
        p.child.kill("SIGTERM")
        await p.exited
      }
    }
    expect(statSync(shared).mode & 0o777).toBe(0o644)
  })
})
