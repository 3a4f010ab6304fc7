import { spawnSync } from "node:child_process"
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync
} from "node:fs"
import { join } from "node:path"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hashKey } from "../src/Keys.js"
import { cleanEnv, dir, main, root, runProxy, spawnProxy, upstreamEnv, writeConfig } from "./built.js"
import { startFakeUpstream } from "./helpers.js"

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>
let fake: Fake
beforeAll(async () => {
  fake = await startFakeUpstream(() => ({
    status: 200,
    body: { object: "list", data_ref: "data", data: [], total: 0 }
  }))
})
afterAll(() => fake.close())

/** Lists webhooks of proj_a through a running proxy. */
const list = (port: number, headers: Record<string, string>) =>
  fetch(`http://127.0.0.1:${port}/management/v1/projects/proj_a/webhooks`, { headers })

/** Asserts a refused start: exit 2, nothing listening, no stack trace; returns stderr. */
const refused = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, cwd?: string) => {
  const r = runProxy(args, env, cwd)
  expect(r.status, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(2)
  expect(r.stdout).not.toContain("listening")
  expect(r.stderr).not.toMatch(/\n\s+at /)
  return r.stderr
}

describe("strict start-up of the built bin", () => {
  it("a usage error names what is wrong (with a did-you-mean), exits 2 and starts nothing, even with upstream credentials set", () => {
    const { path } = writeConfig("usage", { audit: { path: join(dir, "usage.jsonl") } })
    const env = upstreamEnv(fake)
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [["--confg", path], 'unknown option --confg for vwh-proxy serve (did you mean "--config"?)'],
      [["--config"], "--config needs a value (FILE)"],
      [["--config="], "--config needs a value (FILE)"],
      [["--config", "--help-me"], "--config needs a value (FILE)"],
      [["--config", path, "extra"], 'unexpected argument "extra" for vwh-proxy serve'],
      [[path], `unexpected argument "${path}": to serve with a config file, use --config ${path}`],
      [["serve", "--config", path, "--config", path], "--config is given twice"],
      [["srve"], 'unknown command "srve" (did you mean "serve"?)'],
      [["hash-keys"], 'unknown command "hash-keys" (did you mean "hash-key"?)'],
      [["serve", "--id", "x"], "--id does not apply to vwh-proxy serve (it is an option of hash-key, remove-key)"],
      [["hash-key", "--id", "x", "--access", "reed"], '--access "reed": use read or write (did you mean "read"?)'],
      [["--", "x"], 'unexpected argument "x" for vwh-proxy serve']
    ]
    for (const [args, message] of cases) {
      const stderr = refused(args, env)
      expect(stderr.trim().split("\n"), args.join(" ")).toHaveLength(1)
      expect(stderr, args.join(" ")).toContain(`vwh-proxy: ${message}`)
      expect(stderr).toContain("--help`")
    }
  })

  it("--config=FILE is the same as --config FILE", async () => {
    const { path, headers } = writeConfig("equals", { audit: { path: join(dir, "equals.jsonl") } })
    const p = spawnProxy([`--config=${path}`], upstreamEnv(fake))
    try {
      expect((await list(await p.port, headers)).status).toBe(200)
    } finally {
      p.child.kill("SIGTERM")
      expect(await p.exited).toBe(0)
    }
  })

  it("upstream credentials without a config: refuses to start and says why (no demo client on a real account)", () => {
    for (const env of [
      upstreamEnv(fake),
      cleanEnv({ VOUCHERIFY_MANAGEMENT_ID: "org-id", VOUCHERIFY_MANAGEMENT_TOKEN_FILE: join(dir, "token") }),
      cleanEnv({ VOUCHERIFY_CLUSTER: "us1" })
    ]) {
      writeFileSync(join(dir, "token"), "a-real-token\n")
      const stderr = refused([], { ...env, PORT: "0" })
      expect(stderr).toContain("refusing to start")
      expect(stderr).toContain("no config was given (--config FILE or PROXY_CONFIG)")
      expect(stderr).toContain("vwh-proxy hash-key --config proxy.json")
      expect(stderr).not.toContain("vwhk_")
      expect(stderr).not.toContain("a-real-token")
    }
    const half = refused([], cleanEnv({ VOUCHERIFY_MANAGEMENT_ID: "org-id", PORT: "0" }))
    expect(half).toContain("VOUCHERIFY_MANAGEMENT_ID is set but VOUCHERIFY_MANAGEMENT_TOKEN is not")
  })

  it("a config without upstream credentials refuses to start unless it says upstream.sandbox: true", async () => {
    const { path } = writeConfig("no-creds", { audit: { path: join(dir, "no-creds.jsonl") } })
    const stderr = refused(["--config", path], cleanEnv())
    expect(stderr).toContain("no upstream credentials")
    expect(stderr).toContain('"upstream": {"sandbox": true}')
    const sandboxed = writeConfig("sandboxed", {
      audit: { path: join(dir, "sandboxed.jsonl") },
      upstream: { sandbox: true }
    })
    const contradicting = refused(["--config", sandboxed.path], upstreamEnv(fake))
    expect(contradicting).toContain("upstream.sandbox: true but VOUCHERIFY_MANAGEMENT_ID")
    const p = spawnProxy(["--config", sandboxed.path], cleanEnv())
    try {
      const port = await p.port
      expect(p.output.text).toContain("EMBEDDED SANDBOX")
      expect((await list(port, sandboxed.headers)).status).toBe(200)
    } finally {
      p.child.kill("SIGTERM")
      await p.exited
    }
  })

  it("the environment is checked: PORT, LOG_LEVEL and *_FILE problems are one line each, exit 2", () => {
    const { path } = writeConfig("env", { audit: { path: join(dir, "env.jsonl") } })
    expect(refused(["--config", path], upstreamEnv(fake, { PORT: "eighty" }))).toContain(
      'config error: environment: PORT: must be an integer 0-65535 (0 picks a free port), got "eighty"'
    )
    expect(refused(["--config", path], upstreamEnv(fake, { LOG_LEVEL: "warnng" }))).toContain(
      'config error: environment: LOG_LEVEL: use debug, info, warning, error, none; got "warnng" (did you mean "warning"?)'
    )
    const both = refused(
      ["--config", path],
      upstreamEnv(fake, { VOUCHERIFY_MANAGEMENT_TOKEN_FILE: join(dir, "token") })
    )
    expect(both).toContain("VOUCHERIFY_MANAGEMENT_TOKEN and VOUCHERIFY_MANAGEMENT_TOKEN_FILE are both set")
    const env = upstreamEnv(fake, { VOUCHERIFY_MANAGEMENT_TOKEN_FILE: join(dir, "missing-token") })
    delete env.VOUCHERIFY_MANAGEMENT_TOKEN
    expect(refused(["--config", path], env)).toContain(
      `VOUCHERIFY_MANAGEMENT_TOKEN_FILE: cannot read ${join(dir, "missing-token")} (ENOENT)`
    )
    writeFileSync(join(dir, "empty-token"), "\n")
    env.VOUCHERIFY_MANAGEMENT_TOKEN_FILE = join(dir, "empty-token")
    expect(refused(["--config", path], env)).toContain("is empty")
  })

  it("secrets from *_FILE (mounted files) reach the upstream, read once, never printed", async () => {
    const token = join(dir, "upstream-token")
    const id = join(dir, "upstream-id")
    writeFileSync(token, `${fake.token}\n`, { mode: 0o600 })
    writeFileSync(id, "fake-upstream-from-file")
    const { path, headers } = writeConfig("secret-files", { audit: { path: join(dir, "secret-files.jsonl") } })
    const env = cleanEnv({
      VOUCHERIFY_API_URL: fake.url,
      VOUCHERIFY_MANAGEMENT_ID_FILE: id,
      VOUCHERIFY_MANAGEMENT_TOKEN_FILE: token
    })
    const p = spawnProxy(["--config", path], env)
    try {
      const port = await p.port
      // Read once: changing the file later changes nothing.
      writeFileSync(token, "rotated-on-disk")
      expect((await list(port, headers)).status).toBe(200)
      const seen = fake.seen.at(-1)!
      expect(seen.headers["x-management-id"]).toBe("fake-upstream-from-file")
      expect(seen.headers["x-management-token"]).toBe(fake.token)
      await new Promise((r) => setTimeout(r, 100))
      expect(p.output.text).not.toContain(fake.token)
    } finally {
      p.child.kill("SIGTERM")
      expect(await p.exited).toBe(0)
    }
  })

  it("LOG_LEVEL=warning keeps the access log quiet; PORT and HOST override the file", async () => {
    const { path, headers } = writeConfig("levels", { port: 1, audit: { path: join(dir, "levels.jsonl") } })
    const p = spawnProxy(["--config", path], upstreamEnv(fake, { LOG_LEVEL: "WARNING", PORT: "0", HOST: "127.0.0.1" }))
    try {
      const port = await p.port
      expect(port).not.toBe(1)
      expect((await list(port, headers)).status).toBe(200)
      await new Promise((r) => setTimeout(r, 100))
      expect(p.output.text).not.toContain('"message":"request"')
      expect(p.output.text).not.toContain('"message":"started"')
    } finally {
      p.child.kill("SIGTERM")
      await p.exited
    }
  })

  it("check-config reports what serve would do without starting it; the same problems, the same exit 2", () => {
    const { path } = writeConfig("check", { port: 0, audit: { path: join(dir, "check.jsonl") } })
    const ok = runProxy(["check-config", "--config", path], upstreamEnv(fake))
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.stdout).toContain(`config ok: ${path}`)
    expect(ok.stdout).toContain(`upstream: ${fake.url} (credentials from the environment)`)
    expect(ok.stdout).toMatch(/clients: {2}ci-bot \(proj_a; read, write; key [0-9a-f]{8}\)/)
    expect(ok.stdout).not.toContain(fake.token)
    expect(existsSync(join(dir, "check.jsonl"))).toBe(false)
    const viaEnv = runProxy(["check-config"], upstreamEnv(fake, { PROXY_CONFIG: path }))
    expect(viaEnv.stdout).toContain(`config ok: ${path}`)
    expect(refused(["check-config", "--config", join(dir, "nope.json")], upstreamEnv(fake))).toContain("cannot read")
    expect(refused(["check-config"], upstreamEnv(fake))).toContain("refusing to start")
  })

  it("the unchanged proxy.example.json refuses to start, each placeholder pointing at vwh-proxy hash-key", () => {
    const example = join(root, "proxy.example.json")
    const stderr = refused(["--config", example], upstreamEnv(fake))
    const lines = stderr.trim().split("\n")
    for (const [index, id] of [
      [0, "ci-bot"],
      [1, "dashboard"]
    ] as const) {
      expect(lines).toContain(
        `config error: ${example}: clients.${index}.keyHashes.0: not a key hash (a placeholder?): run \`vwh-proxy hash-key --config ${example} --id ${id}\` to mint a key and write its hash here`
      )
    }
    // No key in the example is a guessable one (the old one held sha256("foo") and sha256("bar")).
    expect(readFileSync(example, "utf8")).not.toMatch(/sha256:[0-9a-f]{64}/)
  })

  it("hash-key --config fills the example's placeholders and adds clients in place; the keys work; nothing else changes", async () => {
    const file = join(dir, "from-example.json")
    copyFileSync(join(root, "proxy.example.json"), file)
    chmodSync(file, 0o640)
    const before = readFileSync(file, "utf8")
    const keyOf = (stdout: string) => /^key:\s+(vwhk_\S+)$/m.exec(stdout)![1]!
    const fill = runProxy(["hash-key", "--config", file, "--id", "ci-bot"], cleanEnv())
    expect(fill.status, fill.stderr).toBe(0)
    expect(fill.stdout).toContain("client ci-bot given its key (was a placeholder)")
    // The other placeholder is still there: said now, not at the next start.
    expect(fill.stderr).toContain("clients.1.keyHashes.0: not a key hash")
    const ciBotKey = keyOf(fill.stdout)
    expect(runProxy(["hash-key", "--config", file, "--id", "dashboard"], cleanEnv()).status).toBe(0)
    const added = runProxy(
      ["hash-key", "--config", file, "--id", "reporting", "--project", "proj_a", "--project", "proj_b"],
      cleanEnv()
    )
    expect(added.status, added.stderr).toBe(0)
    expect(added.stdout).toContain("client reporting added (projects proj_a, proj_b; access read)")
    expect(added.stderr).toBe("")
    const after = readFileSync(file, "utf8")
    // Only the two placeholder lines changed, and one entry was appended: every other byte is as it was.
    const changed = before.split("\n").filter((l) => !after.split("\n").includes(l))
    expect(changed).toHaveLength(2)
    expect(changed.every((l) => l.includes("<placeholder"))).toBe(true)
    expect(JSON.parse(after).clients[0].keyHashes).toEqual([hashKey(Redacted.make(ciBotKey))])
    expect(after).toContain('"projects": ["proj_a", "proj_b"]')
    expect(statSync(file).mode & 0o777).toBe(0o640)
    // A duplicate id is refused and the file left alone.
    const duplicate = runProxy(["hash-key", "--config", file, "--id", "reporting", "--project", "proj_c"], cleanEnv())
    expect(duplicate.status).toBe(2)
    expect(duplicate.stderr).toContain(
      'client "reporting" already exists and has a key: choose another --id, or add --rotate'
    )
    expect(duplicate.stdout).not.toContain("vwhk_")
    expect(readFileSync(file, "utf8")).toBe(after)
    // The written config starts, and the minted key lets its client in.
    const config = JSON.parse(after)
    writeFileSync(
      join(dir, "from-example-ready.json"),
      JSON.stringify({ ...config, port: 0, audit: { path: join(dir, "from-example.jsonl") } })
    )
    const p = spawnProxy(["--config", join(dir, "from-example-ready.json")], upstreamEnv(fake))
    try {
      const port = await p.port
      const res = await fetch(`http://127.0.0.1:${port}/management/v1/projects/proj_your_project_id/webhooks`, {
        headers: { "x-management-id": "ci-bot", "x-management-token": ciBotKey }
      })
      expect(res.status).toBe(200)
    } finally {
      p.child.kill("SIGTERM")
      await p.exited
    }
  })

  it("hash-key --config follows a symlink, refuses while another writer holds the lock, and checks its options", () => {
    const target = join(dir, "linked-target.json")
    const link = join(dir, "linked.json")
    writeFileSync(target, JSON.stringify({ clients: [] }, null, 2))
    symlinkSync(target, link)
    expect(runProxy(["hash-key", "--config", link, "--id", "a", "--project", "*"], cleanEnv()).status).toBe(0)
    expect(JSON.parse(readFileSync(target, "utf8")).clients[0]).toMatchObject({ id: "a", projects: "*" })
    writeFileSync(`${target}.lock`, "")
    const locked = runProxy(["hash-key", "--config", link, "--id", "b", "--project", "p"], cleanEnv())
    expect(locked.status).toBe(2)
    expect(locked.stderr).toContain(`${target}.lock exists: another vwh-proxy is changing`)
    expect(JSON.parse(readFileSync(target, "utf8")).clients).toHaveLength(1)
    unlinkSync(`${target}.lock`)
    const noProject = runProxy(["hash-key", "--config", target, "--id", "c"], cleanEnv({}))
    expect(noProject.status).toBe(2)
    const noId = runProxy(["hash-key", "--config", target], cleanEnv())
    expect(noId.status).toBe(2)
    expect(noId.stderr).toContain("hash-key --config needs --id")
    const badId = runProxy(["hash-key", "--config", link, "--id", "no spaces", "--project", "p"], cleanEnv())
    expect(badId.stderr).toContain(`--id "no spaces": must be 1-64 letters`)
  })

  it("ships a vwh-proxy bin: package.json names the built bundle, which runs as an executable", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
    expect(pkg.bin).toEqual({ "vwh-proxy": "./dist/main.js" })
    expect(statSync(main).mode & 0o111).not.toBe(0)
    expect(readFileSync(main, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true)
    const r = spawnSync(main, ["--version"], { encoding: "utf8", env: cleanEnv() })
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(pkg.version)
    const help = spawnSync(main, ["--help"], { encoding: "utf8", env: cleanEnv() })
    for (const command of ["[serve]", "check-config", "hash-key"]) expect(help.stdout).toContain(`vwh-proxy ${command}`)
  })
})
