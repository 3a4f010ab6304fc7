import { createServer } from "node:net"
import { verifySignature } from "@voucherify-webhooks/core/Signature"
import { describe, expect, it } from "vitest"
import { SandboxError, startSandbox } from "../src/StartSandbox.js"
import { startReceiver } from "../src/testing.js"

// The promise API other people's test suites use: real HTTP over loopback, as they would use it.
describe("startSandbox", () => {
  it("listens on a free port, serves the management API with its credentials, and delivers typed events", async () => {
    const sandbox = await startSandbox()
    const hook = await startReceiver()
    try {
      expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`)
      expect(sandbox.port).toBeGreaterThan(0)
      expect(sandbox.env).toEqual({
        VOUCHERIFY_API_URL: sandbox.url,
        VOUCHERIFY_MANAGEMENT_ID: "sandbox-management-id",
        VOUCHERIFY_MANAGEMENT_TOKEN: "sandbox-management-token"
      })
      const headers = {
        "x-management-id": sandbox.credentials.managementId,
        "x-management-token": sandbox.credentials.managementToken,
        "content-type": "application/json"
      }
      const created = await fetch(`${sandbox.url}/management/v1/projects/proj_sandbox/webhooks`, {
        method: "POST",
        headers,
        body: JSON.stringify({ target_url: hook.url, events: ["redemption.succeeded"] })
      })
      expect(created.status).toBe(200)

      const raised = await sandbox.raiseEvent("redemption.succeeded")
      expect(raised.deliveries).toHaveLength(1)
      const [delivery, ...more] = await sandbox.waitForDeliveries({ type: "redemption.succeeded" })
      expect(more).toEqual([])
      expect(delivery?.status).toBe("succeeded")
      expect(delivery?.mismatches).toEqual([])
      // Typed by the event: this line does not compile if `data` is not redemption.succeeded's.
      const amount: number | null | undefined = delivery?.payload.data.redemption?.amount
      expect(typeof amount).toBe("number")
      // What the receiver got is what the record says, signed with the project's secret.
      const secret = await sandbox.projectSecret()
      expect(hook.received).toHaveLength(1)
      const got = hook.received[0]!
      expect(JSON.parse(got.body)).toEqual(delivery?.payload)
      expect(verifySignature(got.body, String(got.headers["x-voucherify-signature"]), secret)).toBe(true)

      expect(await sandbox.deliveries({ type: "voucher.published" })).toEqual([])
      expect(await sandbox.deliveries({ status: "succeeded" })).toHaveLength(1)
      expect(await sandbox.requests()).toBe(1)

      await sandbox.reset()
      expect(await sandbox.deliveries()).toEqual([])
      expect(await sandbox.requests()).toBe(0)
      const listed = await fetch(`${sandbox.url}/management/v1/projects/proj_sandbox/webhooks`, { headers })
      expect(((await listed.json()) as { total: number }).total).toBe(0)
    } finally {
      await hook.close()
      await sandbox.close()
    }
    // Closed: nothing listens on the port any more, and closing again is fine.
    await expect(fetch(sandbox.url)).rejects.toThrow()
    await sandbox.close()
  })

  it("waitForDeliveries gives up with a typed error that says what it saw", async () => {
    await using sandbox = await startSandbox()
    const error = await sandbox.waitForDeliveries({ type: "voucher.created", timeoutMs: 50 }).catch((e) => e)
    expect(error).toBeInstanceOf(SandboxError)
    expect(error.reason).toBe("timeout")
    expect(error.message).toMatch(/1 voucher\.created deliveries with an attempt expected within 50 ms, saw 0/)
  })

  it("rejects with the control API's typed errors (an unknown project)", async () => {
    await using sandbox = await startSandbox({ projects: ["proj_other"] })
    expect((await sandbox.projects()).map((p) => p.id).sort()).toEqual(["proj_other", "proj_sandbox"])
    const error = await sandbox.projectSecret("proj_missing").catch((e) => e)
    expect(error).toBeInstanceOf(SandboxError)
    expect(error.reason).toBe("project_not_found")
  })

  it("takes credentials, not the environment's", async () => {
    const before = { ...process.env }
    process.env.VOUCHERIFY_MANAGEMENT_ID = "from-env"
    process.env.VOUCHERIFY_MANAGEMENT_TOKEN = "from-env-token"
    try {
      await using plain = await startSandbox()
      expect(plain.credentials).toEqual({
        managementId: "sandbox-management-id",
        managementToken: "sandbox-management-token"
      })
      await using own = await startSandbox({ credentials: { managementId: "mine", managementToken: "t0ken-mine" } })
      const res = await fetch(`${own.url}/management/v1/projects/proj_sandbox/webhooks`, {
        headers: { "x-management-id": "mine", "x-management-token": "t0ken-mine" }
      })
      expect(res.status).toBe(200)
    } finally {
      process.env = before
    }
  })

  it("a taken port rejects with a startup error naming it", async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const error = await startSandbox({ port }).catch((e) => e)
      expect(error).toBeInstanceOf(SandboxError)
      expect(error.reason).toBe("startup")
      expect(error.message).toContain(`port ${port} on 127.0.0.1 is in use`)
    } finally {
      blocker.close()
    }
  })
})
