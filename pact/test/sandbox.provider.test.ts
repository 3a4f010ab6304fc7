import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Sandbox from "@voucherify-webhooks/sandbox/Sandbox"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { controlTarget, providerStates, verify } from "../src/ProviderStates.js"

describe("the sandbox honours the consumer contract", () => {
  const runtime = ManagedRuntime.make(Sandbox.layer({ port: 0, host: "127.0.0.1" }))
  let sandbox: Sandbox.Sandbox
  beforeAll(async () => {
    sandbox = await runtime.runPromise(Sandbox.Sandbox)
  })
  afterAll(() => runtime.dispose())

  it("verifies every interaction in pact/pacts", async () => {
    const states = providerStates(controlTarget(sandbox), (headers) => {
      headers["x-management-id"] = sandbox.credentials.managementId
      headers["x-management-token"] = Redacted.value(sandbox.credentials.managementToken)
    })
    const output = JSON.parse(await verify(sandbox.url, states)) as {
      result: boolean
      interactionResults: Array<{ result: string }>
    }
    expect(output.result).toBe(true)
    expect(output.interactionResults).toHaveLength(11)
    expect(output.interactionResults.every((i) => i.result === "OK")).toBe(true)
  })
})

describe("verification is not vacuous", () => {
  it("rejects a provider that answers every request with 200 {}", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.end("{}")
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const runtime = ManagedRuntime.make(Sandbox.layer({ port: 0, host: "127.0.0.1" }))
    try {
      const sandbox = await runtime.runPromise(Sandbox.Sandbox)
      // The verifier prints its report itself: the FAILED lines that follow are this test's expected outcome.
      console.log("expected: the FAILED lines below come from verifying a deliberately broken provider")
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const failure = await verify(
        url,
        providerStates(controlTarget(sandbox), () => {})
      ).then(
        () => undefined,
        (e: Error) => JSON.parse(e.message) as { result: boolean; errors: Array<unknown> }
      )
      expect(failure?.result).toBe(false)
      // Every interaction but none is wrong somewhere: status, headers or body.
      expect(failure?.errors.length).toBeGreaterThanOrEqual(10)
    } finally {
      await runtime.dispose()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
