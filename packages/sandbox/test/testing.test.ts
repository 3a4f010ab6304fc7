// The test kit itself: every piece over real loopback HTTP and a real child process, as the other suites use it.
import { existsSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { signatureHeader, signPayload } from "@voucherify-webhooks/core/Signature"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { describe, it } from "vitest"
import {
  closedPort,
  DeliveryReceiver,
  RunningSandboxProcess,
  receiver,
  Sandbox,
  sandboxBin,
  sandboxProcess,
  startReceiver,
  startSandboxProcess,
  startTestSandbox,
  testSandboxLayer,
  WaitTimeout,
  waitFor,
  waitForEffect
} from "../src/testing.js"

const base = "/management/v1/projects/proj_sandbox/webhooks"

describe("waitFor", () => {
  it("resolves with the first value that satisfies the condition", async () => {
    let n = 0
    expect(await waitFor("n to reach 3", () => ++n, { until: (v) => v >= 3 })).toBe(3)
    expect(await waitFor("a truthy value", async () => (n++ > 5 ? "yes" : ""))).toBe("yes")
  })

  it("rejects after the deadline naming what it waited for and the last value read", async () => {
    const started = Date.now()
    const error = await waitFor("the queue to drain", () => ({ queued: [1, 2] }), {
      until: (v) => v.queued.length === 0,
      timeoutMs: 100
    }).catch((e: unknown) => e)
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    expect(error).toBeInstanceOf(WaitTimeout)
    expect((error as WaitTimeout).message).toBe(
      "timed out after 100 ms waiting for the queue to drain; last value: { queued: [ 1, 2 ] }"
    )
  })

  it("a probe that throws ends the wait with its own error", async () => {
    await expect(
      waitFor("never", () => {
        throw new Error("probe broke")
      })
    ).rejects.toThrow("probe broke")
  })
})

describe("startReceiver", () => {
  it("with the project's secret, keeps the sandbox's deliveries verified and tells a bad signature apart", async () => {
    await using sandbox = await startTestSandbox()
    const secret = await sandbox.projectSecret()
    await using hook = await startReceiver({ secret })
    expect(hook.url).toBe(`http://127.0.0.1:${hook.port}/hooks`)
    expect(
      (await sandbox.call("POST", base, { body: { target_url: hook.url, events: ["voucher.created"] } })).status
    ).toBe(200)
    await sandbox.raiseEvent("voucher.created")
    await waitFor("the delivery", () => hook.deliveries().length === 1)
    expect(hook.deliveries()[0]).toMatchObject({ type: "voucher.created", project_id: "proj_sandbox" })
    expect(hook.received[0]).toMatchObject({ method: "POST", path: "/hooks", rejection: undefined })
    expect((await sandbox.waitForDeliveries())[0]?.attempts[0]?.status).toBe(200)

    const body = hook.received[0]!.body
    const forged = await fetch(hook.url, {
      method: "POST",
      headers: { [signatureHeader]: signPayload(body, `${secret}x`), "content-type": "application/json" },
      body
    })
    expect(forged.status).toBe(401)
    const unsigned = await fetch(`${hook.url}?unsigned`, { method: "POST", body })
    expect(unsigned.status).toBe(401)
    const notJson = await fetch(hook.url, {
      method: "POST",
      headers: { [signatureHeader]: signPayload("nope", secret) },
      body: "nope"
    })
    expect(notJson.status).toBe(400)
    expect(hook.rejected().map((r) => [r.path, r.rejection?.reason])).toEqual([
      ["/hooks", "SignatureMismatch"],
      ["/hooks?unsigned", "MissingSignature"],
      ["/hooks", "NotJson"]
    ])
    expect(hook.deliveries()).toHaveLength(1)
  })

  it("without a secret records everything and answers what `answer` says; `hang` never answers", async () => {
    const hook = await startReceiver({
      path: "/in",
      answer: (r) =>
        r.path === "/slow"
          ? "hang"
          : r.path === "/json"
            ? { status: 201, body: '{"seen":true}', headers: { "content-type": "application/json" } }
            : 503
    })
    try {
      const res = await fetch(hook.url, { method: "POST", body: "{}" })
      expect(res.status).toBe(503)
      const json = await fetch(`http://127.0.0.1:${hook.port}/json`, { method: "POST", body: "é" })
      expect([json.status, json.headers.get("content-type"), await json.text()]).toEqual([
        201,
        "application/json",
        '{"seen":true}'
      ])
      expect(hook.received[1]!.bytes).toEqual(Buffer.from("é"))
      const slow = await fetch(`http://127.0.0.1:${hook.port}/slow`, {
        method: "POST",
        signal: AbortSignal.timeout(200)
      }).catch((e: unknown) => e)
      expect(slow).toBeInstanceOf(Error)
      expect(hook.received.map((r) => [r.path, r.delivery, r.rejection])).toEqual([
        ["/in", undefined, undefined],
        ["/json", undefined, undefined],
        ["/slow", undefined, undefined]
      ])
    } finally {
      await hook.close()
    }
    // Closed: nothing listens there any more.
    await expect(fetch(hook.url, { method: "POST" })).rejects.toThrow()
  })

  it("closedPort is a port nothing listens on", async () => {
    await expect(fetch(`http://127.0.0.1:${await closedPort()}/`)).rejects.toThrow()
  })
})

describe("startSandboxProcess", () => {
  it("runs the built bin on a free port with the credentials given, and stop() ends the process", async () => {
    expect(existsSync(sandboxBin())).toBe(true)
    const sandbox = await startSandboxProcess({
      projects: ["proj_two"],
      credentials: { managementId: "kit-id", managementToken: "kit-token" }
    })
    try {
      expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`)
      expect(Object.keys(sandbox.secrets)).toEqual(["proj_sandbox", "proj_two"])
      const listed = await fetch(`${sandbox.url}${base}`, { headers: sandbox.auth })
      expect(listed.status).toBe(200)
      const refused = await fetch(`${sandbox.url}${base}`, { headers: { ...sandbox.auth, "x-management-token": "x" } })
      expect(refused.status).toBe(401)
      expect(sandbox.output()).toContain("listening on")
      expect(sandbox.output()).not.toContain("kit-token")
    } finally {
      await sandbox.stop()
    }
    expect(sandbox.child.exitCode !== null || sandbox.child.signalCode !== null).toBe(true)
    await expect(fetch(sandbox.url)).rejects.toThrow()
  })

  it("a process that dies before it is ready fails with what it printed", async () => {
    const bin = join(tmpdir(), `kit-dead-bin-${process.pid}.mjs`)
    writeFileSync(bin, 'console.error("cannot bind: EADDRINUSE"); process.exit(3)\n')
    const error = await startSandboxProcess({ bin }).catch((e: unknown) => e)
    expect(String(error)).toMatch(/exited \(3\) before it was ready; its output:\ncannot bind: EADDRINUSE/)
  })

  it("a process that prints no banner in time is stopped and said so", async () => {
    const bin = join(tmpdir(), `kit-silent-bin-${process.pid}.mjs`)
    writeFileSync(bin, 'console.log("starting…"); setInterval(() => {}, 1000)\n')
    // Long enough for node to start and print on a loaded machine, short for a test.
    const error = await startSandboxProcess({ bin, readyTimeoutMs: 5_000 }).catch((e: unknown) => e)
    expect(String(error)).toMatch(/printed no banner within 5000 ms; its output:\nstarting…/)
  })
})

// The Effect side: services for @effect/vitest's layer(...) (one scope for the block, closed after it).
layer(Layer.mergeAll(testSandboxLayer({ projects: ["proj_fx"] }), DeliveryReceiver.Default()), {
  excludeTestServices: true
})("the kit as Effect services", (it) => {
  it.effect("a sandbox delivers to the receiver; waitForEffect sees it arrive", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const hook = yield* DeliveryReceiver
      yield* sandbox.reset
      const res = yield* Effect.promise(() =>
        fetch(`${sandbox.url}/management/v1/projects/proj_fx/webhooks`, {
          method: "POST",
          headers: {
            "x-management-id": sandbox.credentials.managementId,
            "x-management-token": Redacted.value(sandbox.credentials.managementToken),
            "content-type": "application/json"
          },
          body: JSON.stringify({ target_url: hook.url, events: ["customer.created"] })
        })
      )
      expect(res.status).toBe(200)
      yield* sandbox.raiseEvent("proj_fx", "customer.created")
      const [got] = yield* waitForEffect(
        "one delivery",
        Effect.sync(() => hook.received),
        { until: (r) => r.length === 1 }
      )
      expect(JSON.parse(got!.body)).toMatchObject({ type: "customer.created", project_id: "proj_fx" })
      // Without a secret, nothing is verified or refused.
      expect(got!.delivery).toBeUndefined()
      const timedOut = yield* Effect.exit(
        waitForEffect("a second", Effect.succeed(hook.received.length), { until: (n) => n === 2, timeoutMs: 50 })
      )
      expect(Exit.isFailure(timedOut) && String(timedOut.cause)).toContain("waiting for a second; last value: 1")
    })
  )

  it.scoped("sandboxProcess and receiver are scoped: they live as long as the test's scope", () =>
    Effect.gen(function* () {
      const child = yield* sandboxProcess()
      const hook = yield* receiver({ secret: child.secrets.proj_sandbox! })
      expect(child.secrets.proj_sandbox).toMatch(/^whsec_/)
      expect(hook.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks$/)
    })
  )
})

layer(RunningSandboxProcess.Default({ projects: ["proj_p"] }), { excludeTestServices: true })(
  "the sandbox process as a service",
  (it) => {
    it.effect("is running while the block runs", () =>
      Effect.gen(function* () {
        const sandbox = yield* RunningSandboxProcess
        const res = yield* Effect.promise(() =>
          fetch(`${sandbox.url}/management/v1/projects/proj_p/webhooks`, { headers: sandbox.auth })
        )
        expect(res.status).toBe(200)
      })
    )
  }
)
