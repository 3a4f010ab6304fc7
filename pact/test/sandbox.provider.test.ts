import { startReceiver, startTestSandbox, type TestSandbox } from "@voucherify-webhooks/sandbox/testing"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { controlTarget, providerStates, verify } from "../src/ProviderStates.js"

describe("the sandbox honours the consumer contract", () => {
  let started: TestSandbox
  beforeAll(async () => {
    started = await startTestSandbox()
  })
  afterAll(() => started.close())

  it("verifies every interaction in pact/pacts", async () => {
    const { sandbox } = started
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
    const server = await startReceiver({
      path: "",
      answer: () => ({ status: 200, body: "{}", headers: { "content-type": "application/json" } })
    })
    const started = await startTestSandbox()
    try {
      // The verifier prints its report itself: the FAILED lines that follow are this test's expected outcome.
      console.log("expected: the FAILED lines below come from verifying a deliberately broken provider")
      const failure = await verify(
        server.url,
        providerStates(controlTarget(started.sandbox), () => {})
      ).then(
        () => undefined,
        (e: Error) => JSON.parse(e.message) as { result: boolean; errors: Array<unknown> }
      )
      expect(failure?.result).toBe(false)
      // Every interaction but none is wrong somewhere: status, headers or body.
      expect(failure?.errors.length).toBeGreaterThanOrEqual(10)
    } finally {
      await started.close()
      await server.close()
    }
  })
})
