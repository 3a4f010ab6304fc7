import { createHash } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SharedState, type SharedStateOptions } from "../src/SharedState.js"
import { type Bucket, luaStep, type Mode, step } from "../src/TokenBucket.js"
import { type RedisServer, redisServerMissing, startRedis } from "./redis.js"

// The Redis side of the shared rate limits, against a real redis-server: the Lua step agrees with the in-process one,
// is atomic across connections, survives SCRIPT FLUSH (EVALSHA → NOSCRIPT → EVAL), and Redis trouble falls back
// within the timeout, logs once, counts, and recovers by itself.

let redis: RedisServer

const open = (options: Partial<SharedStateOptions> = {}) => {
  const logs: Array<{ level: string; message: string }> = []
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) =>
      logs.push({ level: logLevel.label, message: Array.isArray(message) ? message.join(" ") : String(message) })
    )
  )
  const runtime = ManagedRuntime.make(
    SharedState.layer({
      redisUrl: Redacted.make(redis.url),
      onUnavailable: "local",
      timeoutMs: 200,
      keyPrefix: `test${Math.random().toString(36).slice(2)}:`,
      ...options
    }).pipe(Layer.provideMerge(logger))
  )
  const run = <A, E>(f: (s: SharedState["Type"]) => Effect.Effect<A, E>) =>
    runtime.runPromise(Effect.flatMap(SharedState, f))
  return { runtime, run, logs }
}

describe.skipIf(redisServerMissing !== undefined)("SharedState (real redis-server)", () => {
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it("the Lua step answers as the in-process step does, for each mode", async () => {
    const { run, runtime } = open()
    // A refill too slow to matter during the test: the answers depend on the mode alone.
    const budget = { perSecond: 0.0001, burst: 3 }
    for (const mode of ["take", "charge", "peek"] as const satisfies ReadonlyArray<Mode>) {
      const local: Bucket = { tokens: budget.burst, at: Date.now() }
      for (let i = 0; i < 5; i++) {
        const remote = await run((s) => s.bucket(`lua-${mode}`, budget, mode))
        const expected = step(local, budget, mode, Date.now())
        if (remote === "exempt") throw new Error("not exempt")
        expect({ mode, i, allowed: remote.allowed }).toEqual({ mode, i, allowed: expected.allowed })
        expect(remote.tokens).toBeCloseTo(expected.tokens, 2)
      }
    }
    await runtime.dispose()
  })

  it("refills continuously, keeps fractions, and forgets a bucket once it would be full again", async () => {
    const { run, runtime } = open({ keyPrefix: "refill:" })
    const budget = { perSecond: 2, burst: 1 }
    expect(await run((s) => s.bucket("r", budget, "take"))).toMatchObject({ allowed: true })
    expect(await run((s) => s.bucket("r", budget, "take"))).toMatchObject({ allowed: false })
    const ttl = Number(redis.cli("pttl", "refill:r"))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(500 + 1000)
    await new Promise((r) => setTimeout(r, 100))
    // Part of a token came back (2/s): kept as a fraction, not rounded to 0 or 1.
    const peek = await run((s) => s.bucket("r", budget, "peek"))
    expect(peek).toMatchObject({ allowed: false })
    if (peek === "exempt") throw new Error("not exempt")
    expect(peek.tokens).toBeGreaterThan(0.1)
    expect(peek.tokens).toBeLessThan(1)
    await new Promise((r) => setTimeout(r, 500))
    expect(await run((s) => s.bucket("r", budget, "take"))).toMatchObject({ allowed: true })
    await runtime.dispose()
  })

  it("an existing exemption key skips the bucket without touching it", async () => {
    const { run, runtime } = open({ keyPrefix: "exempt:" })
    const budget = { perSecond: 0.0001, burst: 1 }
    await run((s) => s.bucket("addr", budget, "charge"))
    expect(await run((s) => s.bucket("addr", budget, "peek", "pair"))).toMatchObject({ allowed: false })
    await run((s) => s.mark("pair", 60_000))
    expect(await run((s) => s.bucket("addr", budget, "peek", "pair"))).toBe("exempt")
    expect(Number(redis.cli("pttl", "exempt:pair"))).toBeGreaterThan(59_000)
    await runtime.dispose()
  })

  it("is atomic: 300 concurrent takes from two connections spend a burst of 100 exactly", async () => {
    const a = open({ keyPrefix: "atomic:" })
    const b = open({ keyPrefix: "atomic:" })
    const budget = { perSecond: 0.0001, burst: 100 }
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? a : b).run((s) => s.bucket("shared", budget, "take")))
    )
    expect(answers.filter((x) => x !== "exempt" && x.allowed).length).toBe(100)
    await a.runtime.dispose()
    await b.runtime.dispose()
  })

  it("loads the script at start, before any request (a cold EVALSHA would answer NOSCRIPT and cost a round trip)", async () => {
    expect(redis.cli("script", "flush")).toBe("OK")
    const sha = createHash("sha1").update(luaStep).digest("hex")
    expect(redis.cli("script", "exists", sha)).toBe("0")
    const { run, runtime } = open({ keyPrefix: "load:" })
    await run(() => Effect.void)
    expect(redis.cli("script", "exists", sha)).toBe("1")
    await runtime.dispose()
  })

  it("survives SCRIPT FLUSH: EVALSHA's NOSCRIPT re-sends the script", async () => {
    const { run, runtime } = open({ keyPrefix: "flush:" })
    const budget = { perSecond: 0.0001, burst: 5 }
    await run((s) => s.bucket("f", budget, "take"))
    expect(redis.cli("script", "flush")).toBe("OK")
    const after = await run((s) => s.bucket("f", budget, "take"))
    expect(after).toMatchObject({ allowed: true })
    if (after === "exempt") throw new Error("not exempt")
    expect(after.tokens).toBeCloseTo(3, 2)
    await runtime.dispose()
  })

  it("Redis down: falls back to local at once, logs one WARN, counts, and recovers by itself", async () => {
    const { run, runtime, logs } = open({ keyPrefix: "down:" })
    const budget = { perSecond: 0.0001, burst: 5 }
    const shared = (s: SharedState["Type"]) => s.orLocal(s.bucket("d", budget, "take"), () => "local" as const)
    expect(await run(shared)).toMatchObject({ allowed: true })
    await redis.kill()
    const started = Date.now()
    const answers = []
    for (let i = 0; i < 20; i++) answers.push(await run(shared))
    // Without the offline queue nothing waits for a reconnect: 20 requests well under one command timeout each.
    expect(Date.now() - started).toBeLessThan(20 * 200)
    expect(answers.every((a) => a === "local")).toBe(true)
    const warnings = logs.filter((l) => l.level === "WARN")
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.message).toContain("shared state unavailable (redis://127.0.0.1:")
    expect(await run((s) => Effect.sync(() => s.status()))).toMatchObject({ available: false, fallbacks: 20 })

    await redis.restart()
    const until = Date.now() + 10_000
    let back: unknown = "local"
    while (back === "local" && Date.now() < until) {
      back = await run(shared)
      if (back === "local") await new Promise((r) => setTimeout(r, 50))
    }
    // The restarted Redis is empty: a full bucket again, shared.
    expect(back).toMatchObject({ allowed: true, tokens: 4 })
    expect(logs.some((l) => l.level === "INFO" && l.message.includes("shared state available again"))).toBe(true)
    expect(await run((s) => Effect.sync(() => s.status()))).toMatchObject({ available: true })
    await runtime.dispose()
  })

  it("a Redis that does not answer is given timeoutMs, not more", async () => {
    const { run, runtime } = open({ keyPrefix: "slow:", timeoutMs: 20 })
    const budget = { perSecond: 0.0001, burst: 5 }
    await run((s) => s.bucket("s", budget, "take"))
    // DEBUG SLEEP blocks the whole server for 2 s (as a stalled Redis would).
    const sleeper = redis.cliAsync("debug", "sleep", "2")
    // Until the sleep has begun (redis-cli starting on a busy machine); the server then answers nothing for 2 s.
    await new Promise((r) => setTimeout(r, 500))
    const started = Date.now()
    const answer = await run((s) => s.orLocal(s.bucket("s", budget, "take"), () => "local" as const))
    expect(answer).toBe("local")
    expect(Date.now() - started).toBeLessThan(1000)
    await sleeper
    await runtime.dispose()
  })

  it('onUnavailable "deny" refuses instead, naming why', async () => {
    const { run, runtime } = open({
      keyPrefix: "deny:",
      onUnavailable: "deny",
      redisUrl: Redacted.make("redis://127.0.0.1:1")
    })
    const failure = await run((s) => Effect.flip(s.orLocal(s.bucket("x", { perSecond: 1, burst: 1 }, "take"), () => 1)))
    expect(failure._tag).toBe("SharedStateUnavailable")
    expect(failure.reason).toMatch(/Stream isn't writeable|ECONNREFUSED|Connection is closed/)
    await runtime.dispose()
  })

  it("never shows the URL's password", async () => {
    const { run, runtime, logs } = open({ redisUrl: Redacted.make("redis://user:s3cret-pw@127.0.0.1:1/0") })
    await run((s) => s.orLocal(s.bucket("x", { perSecond: 1, burst: 1 }, "take"), () => 1))
    const status = await run((s) => Effect.sync(() => s.status()))
    expect(JSON.stringify(status) + JSON.stringify(logs)).not.toContain("s3cret-pw")
    expect(status.url).toBe("redis://127.0.0.1:1/0")
    await runtime.dispose()
  })
})
