import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "vitest"
import { makeCheck } from "../src/Auth.js"
import { pickFault } from "../src/Faults.js"
import { alphanumeric, projectSecret, webhookId } from "../src/Ids.js"
import { demoCredentials, resolveOptions } from "../src/Options.js"
import { FixedWindow, rateLimitHeaders } from "../src/RateLimit.js"

describe("FixedWindow", () => {
  it("allows `limit` per window, then refuses until the window rolls over", () => {
    const w = new FixedWindow({ limit: 2, windowMs: 1000 })
    expect(w.take(0)).toMatchObject({ allowed: true, remaining: 1 })
    expect(w.take(10)).toMatchObject({ allowed: true, remaining: 0 })
    const refused = w.take(500)
    expect(refused).toMatchObject({ allowed: false, remaining: 0, resetAt: 1000 })
    expect(rateLimitHeaders(refused, 500)).toEqual({
      "x-rate-limit-limit": "2",
      "x-rate-limit-remaining": "0",
      "x-rate-limit-retry": "1",
      "retry-after": "1"
    })
    expect(w.take(1000)).toMatchObject({ allowed: true, remaining: 1 })
  })

  it("peek does not count", () => {
    const w = new FixedWindow({ limit: 1, windowMs: 1000 })
    w.peek(0)
    w.peek(1)
    expect(w.take(2).allowed).toBe(true)
  })
})

describe("pickFault", () => {
  it("rolls drop, then error, then malformed", () => {
    const f = { latencyMs: 0, errorRate: 0.5, dropRate: 0.5, malformedRate: 0.5 }
    expect(pickFault(f, () => 0.1)).toBe("drop")
    const rolls = [0.9, 0.1]
    expect(pickFault(f, () => rolls.shift()!)).toBe("error")
    expect(pickFault(f, () => 0.9)).toBe("none")
    expect(pickFault({ ...f, dropRate: 0, errorRate: 0, malformedRate: 1 }, () => 0.99)).toBe("malformed")
  })
})

describe("ids and secrets", () => {
  it("webhook ids are wh_ + 24 alphanumerics", () => {
    for (let i = 0; i < 200; i++) expect(webhookId()).toMatch(/^wh_[A-Za-z0-9]{24}$/)
    expect(alphanumeric(1000)).toMatch(/^[A-Za-z0-9]{1000}$/)
  })

  it("project secrets are stable per token and project and do not contain the token", () => {
    const token = Redacted.make("tok-123456")
    const a = Redacted.value(projectSecret(token, "proj_a"))
    expect(Redacted.value(projectSecret(token, "proj_a"))).toBe(a)
    expect(Redacted.value(projectSecret(token, "proj_b"))).not.toBe(a)
    expect(Redacted.value(projectSecret(Redacted.make("other"), "proj_a"))).not.toBe(a)
    expect(a).not.toContain("tok-123456")
  })
})

describe("credential check", () => {
  const check = makeCheck({ managementId: "id", managementToken: Redacted.make("token") })
  it("needs both headers right", () => {
    expect(check("id", "token")).toBe(true)
    expect(check("id", "token ")).toBe(false)
    expect(check("id", "tok")).toBe(false)
    expect(check("other", "token")).toBe(false)
    expect(check(undefined, "token")).toBe(false)
    expect(check("id", undefined)).toBe(false)
    expect(check("", "")).toBe(false)
  })
})

describe("options", () => {
  it("defaults to the demo pair, port 0, 127.0.0.1, and always includes proj_sandbox", async () => {
    const o = await Effect.runPromise(resolveOptions({ projects: ["proj_x", "proj_sandbox"] }))
    expect(o).toMatchObject({ port: 0, host: "127.0.0.1", projects: ["proj_sandbox", "proj_x"], demo: true })
    expect(o.credentials).toBe(demoCredentials)
  })

  it("refuses a time scale that is not positive", async () => {
    const e = await Effect.runPromise(Effect.flip(resolveOptions({ deliveryTimeScale: 0 })))
    expect(e).toMatchObject({ _tag: "SandboxError", reason: "invalid" })
  })
})
