import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Audit } from "@voucherify-webhooks/proxy/Audit"
import { hashKey, mintKey } from "@voucherify-webhooks/proxy/ClientAuth"
import { decodeConfig, ProxySettings } from "@voucherify-webhooks/proxy/ProxyConfig"
import { boundPort, ProxyLive } from "@voucherify-webhooks/proxy/Server"
import * as Upstream from "@voucherify-webhooks/proxy/Upstream"
import { startTestSandbox, type TestSandbox } from "@voucherify-webhooks/sandbox/testing"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { controlTarget, providerStates, verify } from "../src/ProviderStates.js"

/** A client that works against Voucherify works against the proxy: the proxy, over a sandbox, is verified too. */
describe("the proxy honours the consumer contract", () => {
  const upstreamCredentials = { managementId: "proxy-upstream-id", managementToken: mintKey() }
  const clientKey = mintKey()
  let sandbox: TestSandbox
  let proxyRuntime: ManagedRuntime.ManagedRuntime<unknown, unknown> | undefined
  let proxyUrl = ""

  beforeAll(async () => {
    sandbox = await startTestSandbox({ credentials: upstreamCredentials })
    const config = Either.getOrThrow(
      decodeConfig({
        port: 0,
        clients: [{ id: "contract-client", keyHash: hashKey(clientKey), projects: "*", access: ["read", "write"] }],
        // One attempt upstream: each interaction is one request, as on the consumer side.
        upstream: { maxRetries: 0 },
        audit: { path: join(mkdtempSync(join(tmpdir(), "pact-proxy-")), "audit.jsonl") }
      })
    )
    const runtime = ManagedRuntime.make(
      ProxyLive({ port: 0, host: "127.0.0.1" }).pipe(
        Layer.provide(Upstream.remote(sandbox.url, upstreamCredentials)),
        Layer.provide(Audit.layer(config.audit.path)),
        Layer.provide(Layer.succeed(ProxySettings, config)),
        Layer.provide(Logger.minimumLogLevel(LogLevel.None))
      )
    )
    proxyRuntime = runtime as ManagedRuntime.ManagedRuntime<unknown, unknown>
    proxyUrl = `http://127.0.0.1:${await runtime.runPromise(boundPort)}`
  })
  afterAll(async () => {
    await proxyRuntime?.dispose()
    await sandbox.close()
  })

  it("verifies every interaction in pact/pacts through the proxy", async () => {
    const states = providerStates(controlTarget(sandbox.sandbox), (headers) => {
      headers["x-management-id"] = "contract-client"
      headers["x-management-token"] = Redacted.value(clientKey)
    })
    const output = JSON.parse(await verify(proxyUrl, states)) as {
      result: boolean
      interactionResults: Array<{ result: string }>
    }
    expect(output.result).toBe(true)
    expect(output.interactionResults).toHaveLength(11)
  })
})
