import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dir, eventually, runProxy, spawnProxy, upstreamEnv, webhookJson, writeConfig } from "./built.js"
import { call, startFakeUpstream } from "./helpers.js"
import { type RedisServer, redisServerMissing, startRedis } from "./redis.js"

// Several replicas of the BUILT proxy against one real redis-server: a client alternating between them gets one
// budget, failed logins count across them, and Redis going away never takes the API down.

const list = "/management/v1/projects/proj_a/webhooks"
let redis: RedisServer
let fake: Awaited<ReturnType<typeof startFakeUpstream>>

const startReplica = async (configPath: string, env: NodeJS.ProcessEnv = {}) => {
  const proxy = spawnProxy(["--config", configPath], upstreamEnv(fake, env))
  const base = `http://127.0.0.1:${await proxy.port}`
  return {
    ...proxy,
    base,
    stop: async () => {
      proxy.child.kill("SIGTERM")
      await proxy.exited
    }
  }
}

/** Access-log lines of a replica's output. */
const accessLines = (output: { text: string }) =>
  output.text
    .split("\n")
    .filter((l) => l.startsWith('{"message":"request"'))
    .map((l) => JSON.parse(l).annotations as { instance: string; status: number })

describe("sharedState settings (built proxy)", () => {
  const fakeUpstream = { url: "http://127.0.0.1:1", token: "unused" }
  it("sharedState without a URL, or a URL that is not redis://, refuses to start (exit 2) without echoing the URL", () => {
    const missing = writeConfig("shared-missing", { sharedState: { onUnavailable: "deny" } })
    const r1 = runProxy(["--config", missing.path], upstreamEnv(fakeUpstream))
    expect(r1.status).toBe(2)
    expect(r1.stderr).toContain("sharedState.redisUrl: is missing: give the Redis URL there, or in REDIS_URL")

    const wrong = writeConfig("shared-wrong", { sharedState: { redisUrl: "http://user:s3cret-pw@cache:6379" } })
    const r2 = runProxy(["--config", wrong.path], upstreamEnv(fakeUpstream))
    expect(r2.status).toBe(2)
    expect(r2.stderr).toContain("sharedState.redisUrl: must be a redis:// or rediss:// URL")
    expect(r2.stderr).not.toContain("s3cret-pw")

    const env = runProxy(
      ["--config", missing.path],
      upstreamEnv(fakeUpstream, { REDIS_URL: "http://user:s3cret-pw@cache:6379" })
    )
    expect(env.status).toBe(2)
    expect(env.stderr).toContain("REDIS_URL: must be a redis:// or rediss:// URL")
    expect(env.stderr).not.toContain("s3cret-pw")
  })
})

describe.skipIf(redisServerMissing !== undefined)("replicas sharing limits through Redis (built proxy)", () => {
  beforeAll(async () => {
    redis = await startRedis()
    fake = await startFakeUpstream(() => ({
      status: 200,
      body: { object: "list", data_ref: "data", data: [webhookJson("https://a.example.com/h")], total: 1 }
    }))
  })
  afterAll(async () => {
    await redis?.stop()
    fake?.close()
  })

  it("a client alternating between two replicas gets one budget, and the RateLimit headers count it down across both", async () => {
    const { path, headers } = writeConfig(
      "replicas-budget",
      { sharedState: { redisUrl: redis.url, keyPrefix: "budget:", timeoutMs: 500 }, upstream: { maxRetries: 0 } },
      { rateLimit: { perSecond: 0.01, burst: 10 } }
    )
    // One replica has the URL in its config, the other from REDIS_URL (which wins; its config's would be wrong).
    const a = await startReplica(path)
    const b = await startReplica(path, { REDIS_URL: redis.url })
    try {
      const statuses: Array<number> = []
      const remaining: Array<number> = []
      for (let i = 0; i < 30; i++) {
        const r = await call(i % 2 === 0 ? a.base : b.base, "GET", list, headers)
        statuses.push(r.status)
        if (r.status === 200) remaining.push(Number(r.headers.get("ratelimit-remaining")))
        else {
          expect(r.status).toBe(429)
          expect(r.headers.get("retry-after")).toBe(r.headers.get("ratelimit-reset"))
        }
      }
      // Each replica alone would have let 10 through: 15 requests each.
      expect(statuses.filter((s) => s === 200)).toHaveLength(10)
      expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
      // Each line names the replica that wrote it.
      await eventually(() => accessLines(a.output).length >= 15 && accessLines(b.output).length >= 15)
      const instances = new Set([...accessLines(a.output), ...accessLines(b.output)].map((l) => l.instance))
      expect(instances.size).toBe(2)
      for (const i of instances) expect(i).toMatch(/^.+\/\d+$/)
    } finally {
      await a.stop()
      await b.stop()
    }
  })

  it("failed logins from one address count across replicas", async () => {
    const { path, headers } = writeConfig("replicas-logins", {
      sharedState: { redisUrl: redis.url, keyPrefix: "logins:", timeoutMs: 500 },
      limits: { failedLogins: { perAddress: { perSecond: 0.01, burst: 4 } } }
    })
    const a = await startReplica(path)
    const b = await startReplica(path)
    try {
      const wrong = { ...headers, "x-management-token": "vwhk_wrong" }
      const statuses = []
      for (let i = 0; i < 6; i++) statuses.push((await call(i % 2 === 0 ? a.base : b.base, "GET", list, wrong)).status)
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429])
      // The address is out of failures on both replicas, and this id never logged in from it: refused before its key
      // is checked, on the other replica too.
      const refused = await call(a.base, "GET", list, headers)
      expect(refused.status).toBe(429)
      expect(refused.json.details).toContain("too many failed logins from this address")
    } finally {
      await a.stop()
      await b.stop()
    }
  })

  it("Redis killed mid-run: requests keep being served on per-process limits, logged, counted, /readyz degraded but 200; limits are shared again when it returns", async () => {
    const { path, headers } = writeConfig(
      "replicas-down",
      { sharedState: { redisUrl: redis.url, keyPrefix: "down:", timeoutMs: 200 } },
      { rateLimit: { perSecond: 0.01, burst: 6 } }
    )
    const a = await startReplica(path)
    try {
      for (let i = 0; i < 2; i++) expect((await call(a.base, "GET", list, headers)).status).toBe(200)
      expect(Number(redis.cli("hget", "down:rl:ci-bot", "t"))).toBeCloseTo(4, 1)
      await redis.kill()
      // Served from this process's own (fresh) bucket: 6 more, then 429 — never a 5xx.
      const during = []
      for (let i = 0; i < 8; i++) during.push((await call(a.base, "GET", list, headers)).status)
      expect(during).toEqual([200, 200, 200, 200, 200, 200, 429, 429])
      await eventually(() => /shared state unavailable \(redis:\/\/127\.0\.0\.1:\d+\)/.test(a.output.text)).catch(
        (e) => {
          throw new Error(`${e}: ${a.output.text}`)
        }
      )
      expect(a.output.text.match(/shared state unavailable/g)).toHaveLength(1)
      const ready = await call(a.base, "GET", "/readyz", {})
      expect(ready.status).toBe(200)
      expect(String(ready.json.sharedState)).toMatch(/^degraded: redis:\/\/127\.0\.0\.1:\d+ does not answer/)
      const metrics = (await call(a.base, "GET", "/metrics", {})).text
      expect(metrics).toContain("vwh_proxy_shared_state_up 0")
      // Three steps per request could not use Redis: the login check, the known-good mark, the client's bucket.
      const fallbacks = /vwh_proxy_shared_state_fallbacks_total\{on_unavailable="local"\} (\d+)/.exec(metrics)?.[1]
      expect(Number(fallbacks)).toBe(3 * 8)

      await redis.restart()
      // The restarted Redis is empty: a full shared bucket again, and the proxy notices by itself.
      await eventually(
        async () => (await call(a.base, "GET", list, headers)).headers.get("ratelimit-remaining") === "5",
        10_000,
        "a request counted in Redis again"
      )
      await eventually(() => a.output.text.includes("shared state available again"))
      expect((await call(a.base, "GET", "/readyz", {})).json.sharedState).toMatch(/^ok/)
      expect(redis.cli("exists", "down:rl:ci-bot")).toBe("1")
    } finally {
      await a.stop()
    }
  })

  it("onUnavailable \"deny\": 503 in Voucherify's shape, marked as the proxy's decision; the URL's password is never shown", async () => {
    const { path, headers } = writeConfig("replicas-deny", {
      sharedState: { onUnavailable: "deny", timeoutMs: 50 }
    })
    // A Redis that is not there, with a password in its URL, from a mounted secret file.
    const secret = join(dir, "redis-url")
    writeFileSync(secret, "redis://user:s3cret-pw@127.0.0.1:1/0\n")
    const a = await startReplica(path, { REDIS_URL_FILE: secret })
    try {
      const r = await call(a.base, "GET", list, headers)
      expect(r.status).toBe(503)
      expect(r.json).toMatchObject({ code: 503, key: "shared_state_unavailable", message: "Service unavailable" })
      expect(typeof r.json.request_id).toBe("string")
      expect(r.headers.get("x-vwh-proxy-decision")).toBe("shared_state_unavailable")
      expect(r.headers.get("retry-after")).toBe("1")
      const ready = await call(a.base, "GET", "/readyz", {})
      expect(ready.status).toBe(200)
      expect(ready.json.sharedState).toContain("requests are refused (503)")
      expect(a.output.text).toContain("redis://127.0.0.1:1/0")
      expect(a.output.text + ready.text + r.text).not.toContain("s3cret-pw")
    } finally {
      await a.stop()
    }
  })
})
