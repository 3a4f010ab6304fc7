import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fingerprint, hashKey, mintKey } from "../src/Keys.js"
import { cleanEnv, dir, eventually, runProxy, spawnProxy, upstreamEnv, webhookJson, writeConfig } from "./built.js"
import { startFakeUpstream } from "./helpers.js"

// Key rotation and live reload, on the built proxy: processes, signals and files.

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>
let fake: Fake
/** When set, management calls hang until answered by hand (an in-flight request across a reload). */
let hang = false
beforeAll(async () => {
  fake = await startFakeUpstream((req) =>
    hang && req.method === "POST"
      ? "hang"
      : { status: 200, body: { object: "list", data_ref: "data", data: [], total: 0 } }
  )
})
afterAll(() => fake.close())

const keyOf = (stdout: string) => /^key:\s+(vwhk_\S+)$/m.exec(stdout)![1]!
const as = (key: string) => ({ "x-management-id": "ci-bot", "x-management-token": key })

type Proxy = ReturnType<typeof spawnProxy>

/** Lists proj_a's webhooks with `key`; the status. */
const list = async (port: number, key: string) =>
  (await fetch(`http://127.0.0.1:${port}/management/v1/projects/proj_a/webhooks`, { headers: as(key) })).status

/** The JSON log lines with this message so far. */
const logged = (p: Proxy, message: string | RegExp) =>
  p.output.text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { message: string; logLevel: string; annotations: Record<string, unknown> })
    .filter((l) => (typeof message === "string" ? l.message === message : message.test(l.message)))

/** Sends SIGHUP and waits for the reload it causes to be logged (the n-th reload line of any result). */
const hup = async (p: Proxy) => {
  const before = logged(p, /^config reload/).length
  p.child.kill("SIGHUP")
  await eventually(() => logged(p, /^config reload/).length > before, 10_000, "a reload log line")
  // An invalid config logs one line per problem and a summary: wait for the summary.
  await new Promise((r) => setTimeout(r, 50))
}

const metric = async (port: number, name: string) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return Number(new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, "m").exec(text)?.[1])
}

const stop = async (p: Proxy) => {
  p.child.kill("SIGTERM")
  await p.exited
}

describe("live reload (SIGHUP) and key rotation through the built bin", () => {
  it("rotation: hash-key --rotate adds a key that works after SIGHUP alongside the old; remove-key + SIGHUP retires the old", async () => {
    const { path, key: oldKey } = writeConfig("rotate", {
      audit: { path: join(dir, "rotate.jsonl") },
      reload: { watch: false }
    })
    const oldHash = hashKey(Redacted.make(oldKey))
    const p = spawnProxy(["--config", path], upstreamEnv(fake))
    try {
      const port = await p.port
      expect(await list(port, oldKey)).toBe(200)

      const rotated = runProxy(["hash-key", "--config", path, "--id", "ci-bot", "--rotate"], upstreamEnv(fake))
      expect(rotated.status, rotated.stderr).toBe(0)
      const newKey = keyOf(rotated.stdout)
      const newHash = hashKey(Redacted.make(newKey))
      expect(rotated.stdout).toContain(`client ci-bot now has keys ${fingerprint(oldHash)}, ${fingerprint(newHash)}`)
      expect(JSON.parse(readFileSync(path, "utf8")).clients[0].keyHashes).toEqual([oldHash, newHash])
      // Not watching the file: nothing changes until the signal.
      expect(await list(port, newKey)).toBe(401)

      await hup(p)
      expect(logged(p, "config reloaded")).toHaveLength(1)
      expect(await list(port, newKey)).toBe(200)
      expect(await list(port, oldKey)).toBe(200)

      const removed = runProxy(
        ["remove-key", "--config", path, "--id", "ci-bot", "--key", fingerprint(oldHash)],
        upstreamEnv(fake)
      )
      expect(removed.status, removed.stderr).toBe(0)
      expect(removed.stdout).toContain(`key ${fingerprint(oldHash)} of client ci-bot`)
      // The last key is never removed: that would lock the client out.
      const last = runProxy(
        ["remove-key", "--config", path, "--id", "ci-bot", "--key", fingerprint(newHash)],
        cleanEnv()
      )
      expect(last.status).toBe(2)
      expect(last.stderr).toContain(`${fingerprint(newHash)} is the only key of client "ci-bot"`)

      await hup(p)
      expect(await list(port, oldKey)).toBe(401)
      expect(await list(port, newKey)).toBe(200)
      expect(await metric(port, 'vwh_proxy_config_reloads_total{result="ok"}')).toBe(2)

      // The access log names the key each request used (its fingerprint); never a key or a whole hash.
      const requests = logged(p, "request").filter((l) => l.annotations.operation === "list")
      expect(requests.map((l) => [l.annotations.status, l.annotations.key ?? null])).toEqual([
        [200, fingerprint(oldHash)],
        [401, null],
        [200, fingerprint(newHash)],
        [200, fingerprint(oldHash)],
        [401, null],
        [200, fingerprint(newHash)]
      ])
      for (const secret of [oldKey, newKey, oldHash, newHash]) expect(p.output.text).not.toContain(secret)
    } finally {
      await stop(p)
    }
  })

  it("an invalid config is refused, one ERROR line per problem, and the old one keeps serving; settings that need a restart are named", async () => {
    const { path, key } = writeConfig("invalid", {
      audit: { path: join(dir, "invalid.jsonl") },
      reload: { watch: false }
    })
    const good = readFileSync(path, "utf8")
    const p = spawnProxy(["--config", path], upstreamEnv(fake))
    try {
      const port = await p.port
      const config = JSON.parse(good)
      writeFileSync(
        path,
        JSON.stringify({ ...config, clients: [{ ...config.clients[0], access: ["admin"] }], policy: { nope: 1 } })
      )
      await hup(p)
      const errors = logged(p, /^config reload refused/)
      expect(errors.every((l) => l.logLevel === "ERROR")).toBe(true)
      expect(errors.map((l) => l.message)).toEqual([
        `config reload refused: ${path}: clients.0.access.0: Expected "read" or "write", actual "admin"`,
        expect.stringMatching(new RegExp(`^config reload refused: ${path}: policy\\.nope: is unexpected`)),
        "config reload refused (2 problems): still serving the previous config"
      ])
      expect(await list(port, key)).toBe(200)
      expect(await metric(port, 'vwh_proxy_config_reloads_total{result="invalid"}')).toBe(1)
      expect(await metric(port, "vwh_proxy_config_last_reload_successful")).toBe(0)

      writeFileSync(path, "{ not json")
      await hup(p)
      expect(logged(p, /^config reload refused: .*not valid JSON/)).toHaveLength(1)
      expect(await list(port, key)).toBe(200)

      // Fixed: applied. A SIGHUP with nothing changed says so.
      writeFileSync(path, JSON.stringify({ ...config, policy: { allowUnknownEvents: true } }))
      await hup(p)
      await hup(p)
      expect(logged(p, "config reloaded")).toHaveLength(1)
      expect(logged(p, "config reload: the file is unchanged")).toHaveLength(1)
      expect(await metric(port, 'vwh_proxy_config_reloads_total{result="unchanged"}')).toBe(1)
      expect(await metric(port, "vwh_proxy_config_last_reload_successful")).toBe(1)

      // Port, body limit and audit path are bound at start: the reload applies the rest and names those.
      writeFileSync(
        path,
        JSON.stringify({
          ...config,
          port: 1,
          limits: { maxBodyBytes: 1024 },
          audit: { path: join(dir, "elsewhere.jsonl") }
        })
      )
      await hup(p)
      const warned = logged(p, /^config reloaded, but/)
      expect(warned.map((l) => [l.logLevel, l.message])).toEqual([
        [
          "WARN",
          "config reloaded, but port, audit, limits.maxBodyBytes changed: they take effect at the next restart (the running values stay)"
        ]
      ])
      expect(await list(port, key)).toBe(200)
    } finally {
      await stop(p)
    }
  })

  it("in-flight requests finish with the config they started with; new ones get the new config", async () => {
    const { path, key } = writeConfig("inflight", {
      audit: { path: join(dir, "inflight.jsonl") },
      upstream: { timeoutMs: 10_000, maxRetries: 0 },
      reload: { watch: false }
    })
    const p = spawnProxy(["--config", path], upstreamEnv(fake))
    hang = true
    try {
      const port = await p.port
      const inFlight = fetch(`http://127.0.0.1:${port}/management/v1/projects/proj_a/webhooks`, {
        method: "POST",
        headers: { ...as(key), "content-type": "application/json" },
        body: JSON.stringify({ target_url: "https://hooks.example.com/x", events: ["redemption.succeeded"] })
      })
      await eventually(() => fake.seen.some((s) => s.method === "POST"), 10_000, "the POST upstream")
      // The client loses write access while its create is upstream.
      const config = JSON.parse(readFileSync(path, "utf8"))
      writeFileSync(path, JSON.stringify({ ...config, clients: [{ ...config.clients[0], access: ["read"] }] }))
      await hup(p)
      const pending = fake.pendingResponses()
      expect(pending).toHaveLength(1)
      pending[0]!(200, webhookJson("https://hooks.example.com/x"))
      expect((await inFlight).status).toBe(200)
      hang = false
      const after = await fetch(`http://127.0.0.1:${port}/management/v1/projects/proj_a/webhooks`, {
        method: "POST",
        headers: { ...as(key), "content-type": "application/json" },
        body: JSON.stringify({ target_url: "https://hooks.example.com/x", events: ["redemption.succeeded"] })
      })
      expect(after.status).toBe(403)
      const audit = readFileSync(join(dir, "inflight.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
      expect(audit.map((r) => [r.phase, r.status ?? null])).toEqual([
        ["attempt", null],
        ["outcome", 200],
        ["denied", 403]
      ])
    } finally {
      hang = false
      await stop(p)
    }
  })

  it("a file replaced by rename (an editor, hash-key) or a Kubernetes ConfigMap swap is reloaded without a signal", async () => {
    // Kubernetes mounts a ConfigMap as dir/proxy.json -> ..data/proxy.json, ..data -> ..<timestamp>; an update
    // swaps ..data by rename.
    const mount = join(dir, "configmap")
    rmSync(mount, { recursive: true, force: true })
    mkdirSync(join(mount, "..v1"), { recursive: true })
    const { path: plain, key } = writeConfig("watched", { audit: { path: join(dir, "watched.jsonl") } })
    const text = readFileSync(plain, "utf8")
    writeFileSync(join(mount, "..v1", "proxy.json"), text)
    symlinkSync("..v1", join(mount, "..data"))
    symlinkSync(join("..data", "proxy.json"), join(mount, "proxy.json"))
    const p = spawnProxy(["--config", join(mount, "proxy.json")], upstreamEnv(fake))
    const q = spawnProxy(["--config", plain], upstreamEnv(fake))
    try {
      const [port, qPort] = await Promise.all([p.port, q.port])
      const second = Redacted.value(mintKey())
      const config = JSON.parse(text)
      const withSecond = JSON.stringify({
        ...config,
        clients: [
          {
            ...config.clients[0],
            keyHash: undefined,
            keyHashes: [config.clients[0].keyHash, hashKey(Redacted.make(second))]
          }
        ]
      })

      // The ConfigMap way: a new timestamped directory, then ..data renamed over.
      mkdirSync(join(mount, "..v2"))
      writeFileSync(join(mount, "..v2", "proxy.json"), withSecond)
      symlinkSync("..v2", join(mount, "..data_tmp"))
      renameSync(join(mount, "..data_tmp"), join(mount, "..data"))
      rmSync(join(mount, "..v1"), { recursive: true })
      await eventually(async () => (await list(port, second)) === 200, 10_000, "the ConfigMap swap to be reloaded")
      expect(await list(port, key)).toBe(200)
      expect(logged(p, "config reloaded")[0]!.annotations.trigger).toBe("file")

      // The editor way: a temporary file renamed over the config.
      writeFileSync(`${plain}.tmp`, withSecond)
      renameSync(`${plain}.tmp`, plain)
      await eventually(async () => (await list(qPort, second)) === 200, 10_000, "the renamed file to be reloaded")
      // One save is one reload, however many events the rename made.
      await new Promise((r) => setTimeout(r, 500))
      expect(logged(q, "config reloaded")).toHaveLength(1)
      expect(await metric(qPort, 'vwh_proxy_config_reloads_total{result="ok"}')).toBe(1)
    } finally {
      await Promise.all([stop(p), stop(q)])
    }
  })
})
