import { readFileSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { createServer, type Server } from "node:net"
import { availableParallelism } from "node:os"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hashKey, mintKey } from "../src/Keys.js"
import { cleanEnv, eventually, runProxy, spawnProxy, upstreamEnv, webhookJson, writeConfig } from "./built.js"
import { startFakeUpstream } from "./helpers.js"
import { freePort, type RedisServer, redisServerMissing, startRedis } from "./redis.js"

// `workers: N` on the BUILT proxy: N processes on one port (node:cluster), their limits shared through a real
// redis-server; signals reach every worker; /metrics answers for all; a crashed worker comes back.

const list = "/management/v1/projects/proj_a/webhooks"

/** A GET on a new connection each time: the cluster hands out connections, not requests, to its workers. */
const get = (port: number, path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (c) => {
        text += c
      })
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on("error", reject)
    req.end()
  })

/** The JSON log lines of a run (access lines, drain lines, the primary's). */
const logLines = (output: { text: string }) =>
  output.text
    .split("\n")
    .filter((l) => l.startsWith('{"message"'))
    .map((l) => JSON.parse(l) as { message: string; logLevel: string; annotations: Record<string, unknown> })

const accessLines = (output: { text: string }) => logLines(output).filter((l) => l.message === "request")

describe("workers settings (built proxy)", () => {
  it("workers > 1 without sharedState refuses to start (exit 2, one line saying why and what to set); check-config says the same", () => {
    const { path } = writeConfig("workers-no-redis", { workers: 2, upstream: { sandbox: true } })
    for (const args of [
      ["--config", path],
      ["check-config", "--config", path]
    ]) {
      const r = runProxy(args, cleanEnv())
      expect(r.status).toBe(2)
      const lines = r.stderr.trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toBe(
        `config error: ${path}: workers: 2 without sharedState: each worker would keep its own rate limits, giving every client 2 budgets; set sharedState.redisUrl (or REDIS_URL) so the workers share them, or workers: 1`
      )
      expect(r.stdout).not.toContain("listening")
    }
    // WORKERS overrides the file, and says so.
    const one = writeConfig("workers-one", { upstream: { sandbox: true } })
    const env = runProxy(["--config", one.path], cleanEnv({ WORKERS: "3" }))
    expect(env.status).toBe(2)
    expect(env.stderr).toContain("workers: 3 (from WORKERS) without sharedState")
  })

  it('typos in workers are refused naming the field: "auto ", 0, -1, "2", and WORKERS=two', () => {
    const sandboxEnv = cleanEnv()
    const cases: Array<[unknown, string]> = [
      ["auto ", 'workers: must be a positive integer or "auto", got "auto "'],
      [0, 'workers: must be a positive integer or "auto", got 0'],
      [-1, 'workers: must be a positive integer or "auto", got -1'],
      ["2", 'workers: must be a positive integer or "auto", got "2" (a number, without quotes)']
    ]
    for (const [workers, message] of cases) {
      const { path } = writeConfig("workers-typo", { workers, upstream: { sandbox: true } })
      const r = runProxy(["check-config", "--config", path], sandboxEnv)
      expect(r.status).toBe(2)
      expect(r.stderr.trim()).toBe(`config error: ${path}: ${message}`)
    }
    const { path } = writeConfig("workers-env-typo", { upstream: { sandbox: true } })
    const r = runProxy(["--config", path], { ...sandboxEnv, WORKERS: "two" })
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toBe('config error: environment: WORKERS: must be a positive integer or "auto", got "two"')
  })

  it("workers > 1 with the embedded sandbox refuses to start: each worker would have its own sandbox", () => {
    const shared = { redisUrl: "redis://127.0.0.1:1" }
    const { path } = writeConfig("workers-sandbox", { workers: 2, sharedState: shared, upstream: { sandbox: true } })
    for (const args of [
      ["--config", path],
      ["check-config", "--config", path]
    ]) {
      const r = runProxy(args, cleanEnv())
      expect(r.status).toBe(2)
      expect(r.stderr.trim()).toBe(
        `config error: ${path}: workers: 2 with upstream.sandbox: each worker would run its own embedded sandbox, so a webhook created through one would be missing from the others; run one sandbox (vwh-sandbox) and set upstream.url to it, or workers: 1`
      )
      expect(r.stdout).not.toContain("listening")
    }
  })

  it('"auto" resolves to the CPUs this process may use (os.availableParallelism), from the file or WORKERS', () => {
    // A remote upstream (check-config does not call it): several workers cannot share an embedded sandbox.
    const remoteEnv = upstreamEnv({ url: "http://127.0.0.1:9", token: "an-upstream-token" })
    const shared = { redisUrl: "redis://127.0.0.1:1" }
    const file = writeConfig("workers-auto", { workers: "auto", sharedState: shared })
    const n = availableParallelism()
    const r = runProxy(["check-config", "--config", file.path], remoteEnv)
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(`  workers:  ${n} (auto: the CPUs this process may use)`)
    const env = writeConfig("workers-auto-env", { sharedState: shared })
    const r2 = runProxy(["check-config", "--config", env.path], { ...remoteEnv, WORKERS: " AUTO" })
    expect(r2.status).toBe(0)
    expect(r2.stdout).toContain(`  workers:  ${n} (auto`)
  })
})

describe.skipIf(redisServerMissing !== undefined)(
  "workers sharing one port and one budget (built proxy, real Redis)",
  () => {
    let redis: RedisServer
    let fake: Awaited<ReturnType<typeof startFakeUpstream>>
    /** Requests to /management/… hang until answered by hand when this is true. */
    let hang = false
    beforeAll(async () => {
      redis = await startRedis()
      fake = await startFakeUpstream((req) =>
        hang && req.method === "POST"
          ? "hang"
          : {
              status: 200,
              body: { object: "list", data_ref: "data", data: [webhookJson("https://a.example.com/h")], total: 1 }
            }
      )
    })
    afterAll(async () => {
      await redis?.stop()
      await fake?.close()
    })

    const startWorkers = async (configPath: string, env: NodeJS.ProcessEnv = {}) => {
      const proxy = spawnProxy(["--config", configPath], upstreamEnv(fake, env))
      const port = await proxy.port
      await eventually(
        () => logLines(proxy.output).some((l) => l.message === "workers started"),
        15_000,
        "workers started"
      )
      const pids = logLines(proxy.output).find((l) => l.message === "workers started")!.annotations
        .pids as Array<number>
      // Both workers hold a Redis connection: on a busy machine one may miss the 1 s connect at start, start degraded
      // (per-process limits, as it should) and reconnect a moment later; these tests are about Redis being up.
      await eventually(
        () =>
          redis
            .cli("client", "list")
            .split("\n")
            .filter((l) => l.includes(" cmd=") && !l.includes(" cmd=client")).length >= 2,
        10_000,
        "both workers connected to Redis"
      )
      return {
        ...proxy,
        port,
        pids,
        stop: async () => {
          proxy.child.kill("SIGTERM")
          return await proxy.exited
        }
      }
    }

    it("two workers serve one port: both answer (their instances in the access lines), one banner names them, and a client's budget holds across them", async () => {
      const { path, headers } = writeConfig(
        "workers-budget",
        {
          workers: 2,
          instanceId: "edge-a",
          sharedState: { redisUrl: redis.url, keyPrefix: "wbudget:", timeoutMs: 500 },
          upstream: { maxRetries: 0 }
        },
        { rateLimit: { perSecond: 0.01, burst: 10 } }
      )
      const p = await startWorkers(path)
      try {
        expect(p.pids).toHaveLength(2)
        expect(p.output.text.match(/listening on http/g)).toHaveLength(1)
        expect(p.output.text).toContain(`  workers: 2 (node:cluster on one port; pids ${p.pids.join(", ")})`)
        const statuses: Array<number> = []
        for (let i = 0; i < 30; i++) statuses.push((await get(p.port, list, headers)).status)
        // Each worker alone would have let 10 through.
        expect(statuses.filter((s) => s === 200)).toHaveLength(10)
        expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true)
        await eventually(() => accessLines(p.output).length >= 30, 10_000, "30 access lines")
        const instances = accessLines(p.output).map((l) => l.annotations.instance)
        expect(new Set(instances)).toEqual(new Set(["edge-a/w1", "edge-a/w2"]))
        // Both served some of the allowed requests, too.
        const allowed = accessLines(p.output).filter((l) => l.annotations.status === 200)
        expect(new Set(allowed.map((l) => l.annotations.instance)).size).toBe(2)
      } finally {
        expect(await p.stop()).toBe(0)
      }
    })

    it('/metrics on any worker answers for all: each sample labelled worker="k", HELP and TYPE once per family', async () => {
      const { path, headers } = writeConfig("workers-metrics", {
        workers: 2,
        sharedState: { redisUrl: redis.url, keyPrefix: "wmetrics:", timeoutMs: 500 }
      })
      const p = await startWorkers(path)
      try {
        for (let i = 0; i < 6; i++) expect((await get(p.port, list, headers)).status).toBe(200)
        for (let i = 0; i < 2; i++) {
          // Two scrapes on new connections: one reaches each worker, and both answer for both.
          const metrics = (await get(p.port, "/metrics", {})).text
          const listed = [
            ...metrics.matchAll(/^vwh_proxy_requests_total\{worker="(\d)",operation="list",status="200"\} (\d+)$/gm)
          ]
          expect(listed.map((m) => m[1]).sort()).toEqual(["1", "2"])
          expect(listed.reduce((n, m) => n + Number(m[2]), 0)).toBe(6)
          expect(metrics.match(/^# HELP vwh_proxy_requests_total /gm)).toHaveLength(1)
          expect(metrics.match(/^# TYPE vwh_proxy_requests_total /gm)).toHaveLength(1)
          expect(metrics).toMatch(/^process_resident_memory_bytes\{worker="1"\} \d+$/m)
          expect(metrics).toMatch(/^process_resident_memory_bytes\{worker="2"\} \d+$/m)
          expect(metrics).toMatch(/^vwh_proxy_shared_state_up\{worker="2"\} 1$/m)
          expect(metrics).toContain("vwh_proxy_workers_up 2\n")
          // Every sample line has a worker label but the primary's own.
          for (const line of metrics.split("\n")) {
            if (line === "" || line.startsWith("#") || line.startsWith("vwh_proxy_worker")) continue
            expect(line).toMatch(/\{worker="[12]"/)
          }
        }
      } finally {
        expect(await p.stop()).toBe(0)
      }
    })

    it("SIGTERM with a slow request in flight: it completes, both workers log their drain, the primary exits 0", async () => {
      const { path, headers } = writeConfig("workers-drain", {
        workers: 2,
        sharedState: { redisUrl: redis.url, keyPrefix: "wdrain:", timeoutMs: 500 },
        upstream: { timeoutMs: 10_000, maxRetries: 0 }
      })
      const p = await startWorkers(path)
      hang = true
      try {
        const inFlight = fetch(`http://127.0.0.1:${p.port}${list}`, {
          method: "POST",
          headers,
          body: JSON.stringify({ target_url: "https://hooks.example.com/h", events: ["redemption.succeeded"] })
        }).then(async (r) => ({ status: r.status, body: await r.text() }))
        await eventually(() => fake.seen.some((s) => s.method === "POST"), 10_000, "the POST upstream")
        p.child.kill("SIGTERM")
        await new Promise((r) => setTimeout(r, 500))
        // Still draining: now the upstream answers.
        const pending = fake.pendingResponses()
        expect(pending).toHaveLength(1)
        pending[0]!(200, webhookJson("https://hooks.example.com/h"))
        expect((await inFlight).status).toBe(200)
        expect(await p.exited).toBe(0)
        const drains = logLines(p.output).filter((l) => l.message.startsWith("shutting down: drained"))
        expect(drains.map((l) => l.annotations.worker).sort()).toEqual([1, 2])
        expect(drains.map((l) => l.message).sort()).toEqual([
          "shutting down: drained 0 in-flight requests",
          "shutting down: drained 1 in-flight request"
        ])
      } finally {
        hang = false
        p.child.kill("SIGKILL")
      }
    })

    it("SIGHUP reaches every worker: a new client is let in by both; a bad file is refused by each and the old config stays", async () => {
      const { path, headers } = writeConfig("workers-hup", {
        workers: 2,
        reload: { watch: false },
        sharedState: { redisUrl: redis.url, keyPrefix: "whup:", timeoutMs: 500 }
      })
      const p = await startWorkers(path)
      try {
        const key = Redacted.value(mintKey())
        const newcomer = { "x-management-id": "newcomer", "x-management-token": key }
        expect((await get(p.port, list, newcomer)).status).toBe(401)
        const config = JSON.parse(readFileSync(path, "utf8"))
        config.clients.push({
          id: "newcomer",
          keyHash: hashKey(Redacted.make(key)),
          projects: ["proj_a"],
          access: ["read"]
        })
        writeFileSync(path, JSON.stringify(config))
        p.child.kill("SIGHUP")
        await eventually(
          () => logLines(p.output).filter((l) => l.message === "config reloaded").length === 2,
          10_000,
          "both workers reloaded"
        )
        expect(
          logLines(p.output)
            .filter((l) => l.message === "config reloaded")
            .map((l) => l.annotations.worker)
            .sort()
        ).toEqual([1, 2])
        const before = accessLines(p.output).length
        for (let i = 0; i < 4; i++) expect((await get(p.port, list, newcomer)).status).toBe(200)
        await eventually(() => accessLines(p.output).length >= before + 4)
        expect(
          new Set(
            accessLines(p.output)
              .slice(before)
              .map((l) => l.annotations.instance)
          ).size
        ).toBe(2)

        writeFileSync(path, "{ not json")
        p.child.kill("SIGHUP")
        await eventually(
          () => logLines(p.output).filter((l) => l.message.startsWith("config reload refused (")).length === 2,
          10_000,
          "both workers refused the bad file"
        )
        for (let i = 0; i < 4; i++) expect((await get(p.port, list, headers)).status).toBe(200)
        expect(p.child.exitCode).toBe(null)
      } finally {
        expect(await p.stop()).toBe(0)
      }
    })

    it("kill -9 of one worker: the other keeps serving, it is logged at ERROR and comes back", async () => {
      const { path, headers } = writeConfig("workers-crash", {
        workers: 2,
        sharedState: { redisUrl: redis.url, keyPrefix: "wcrash:", timeoutMs: 500 }
      })
      const p = await startWorkers(path)
      try {
        const [victim] = p.pids as [number, number]
        process.kill(victim, "SIGKILL")
        await eventually(
          () => logLines(p.output).some((l) => l.message.includes("exited unasked")),
          10_000,
          "the crash logged"
        )
        // Meanwhile every request is served (by the other worker, or by the new one once it listens).
        for (let i = 0; i < 6; i++) expect((await get(p.port, list, headers)).status).toBe(200)
        const crash = logLines(p.output).find((l) => l.message.includes("exited unasked"))!
        expect(crash.logLevel).toBe("ERROR")
        expect(crash.message).toMatch(
          new RegExp(
            `^worker [12] \\(pid ${victim}\\) exited unasked \\(signal SIGKILL\\): starting it again in 100 ms`
          )
        )
        expect(crash.annotations).toMatchObject({ pid: victim, signal: "SIGKILL" })
        await eventually(
          () => logLines(p.output).some((l) => l.message.endsWith("is serving again")),
          20_000,
          "the worker back"
        )
        const back = logLines(p.output).find((l) => l.message.endsWith("is serving again"))!
        expect(back.annotations.worker).toBe(crash.annotations.worker)
        expect(back.annotations.pid).not.toBe(victim)
        const metrics = (await get(p.port, "/metrics", {})).text
        expect(metrics).toContain(`vwh_proxy_worker_restarts_total{worker="${crash.annotations.worker}"} 1`)
        expect(metrics).toContain("vwh_proxy_workers_up 2\n")
      } finally {
        expect(await p.stop()).toBe(0)
      }
    })

    it("a worker that does not drain (stopped with SIGSTOP) is killed after the grace period + 5 s, logged at ERROR; the primary still exits", async () => {
      const { path } = writeConfig("workers-hang", {
        workers: 2,
        limits: { shutdownGraceMs: 500 },
        sharedState: { redisUrl: redis.url, keyPrefix: "whang:", timeoutMs: 500 }
      })
      const p = await startWorkers(path)
      const [, frozen] = p.pids as [number, number]
      process.kill(frozen, "SIGSTOP")
      const asked = Date.now()
      p.child.kill("SIGTERM")
      expect(await p.exited).toBe(0)
      // Not before the grace period and the margin: the other worker drained at once.
      expect(Date.now() - asked).toBeGreaterThanOrEqual(5_500)
      const killed = logLines(p.output).find((l) => l.message.includes("did not finish draining"))
      expect(killed?.logLevel).toBe("ERROR")
      expect(killed?.message).toMatch(
        new RegExp(`^worker [12] \\(pid ${frozen}\\) did not finish draining within 5500 ms: killed$`)
      )
      expect(logLines(p.output).filter((l) => l.message.startsWith("shutting down: drained"))).toHaveLength(1)
    })

    it("SIGHUP while the workers are still starting reaches only those that listen: none is killed by it", async () => {
      const { path } = writeConfig("workers-early-hup", {
        workers: 2,
        sharedState: { redisUrl: redis.url, keyPrefix: "wearly:", timeoutMs: 500 }
      })
      const p = spawnProxy(["--config", path], upstreamEnv(fake))
      // From the first worker's start line (the primary supervises by then) until all listen, SIGHUP every 10 ms.
      await eventually(() => logLines(p.output).some((l) => l.message === "started"), 15_000, "a worker started")
      while (!logLines(p.output).some((l) => l.message === "workers started") && p.child.exitCode === null) {
        p.child.kill("SIGHUP")
        await new Promise((r) => setTimeout(r, 10))
      }
      try {
        expect(p.child.exitCode).toBe(null)
        expect(p.output.text).not.toMatch(/exited unasked|could not start/)
        await eventually(() => logLines(p.output).filter((l) => l.message === "started").length === 2)
      } finally {
        p.child.kill("SIGTERM")
        expect(await p.exited).toBe(0)
      }
    })

    it("workers that cannot start (the port is taken) end the primary with their reason, not a restart loop", async () => {
      const port = await freePort()
      const taken: Server = createServer()
      await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve))
      try {
        const { path } = writeConfig("workers-port-taken", {
          port,
          workers: 2,
          sharedState: { redisUrl: redis.url, keyPrefix: "wport:", timeoutMs: 500 }
        })
        const p = spawnProxy(["--config", path], upstreamEnv(fake))
        const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r("still running"), 30_000))])
        expect(code).toBe(1)
        expect(p.output.text).toContain("EADDRINUSE")
        expect(p.output.text).toMatch(
          /vwh-proxy: worker [12] could not start \(exit code 1\); not starting the workers again/
        )
        expect(p.output.text).not.toContain("exited unasked")
      } finally {
        taken.close()
      }
    })
  }
)
