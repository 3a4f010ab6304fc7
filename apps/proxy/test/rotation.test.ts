import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { verifyKey } from "../src/ClientAuth.js"
import { fingerprint, hashKey, mintKey } from "../src/Keys.js"
import { decodeConfig } from "../src/ProxyConfig.js"
import { baseConfig, call, memoryAudit, startProxy, startSandbox, webhookBody } from "./helpers.js"

const oldKey = Redacted.value(mintKey())
const newKey = Redacted.value(mintKey())
const oldHash = hashKey(Redacted.make(oldKey))
const newHash = hashKey(Redacted.make(newKey))
const client = (keys: Record<string, unknown>) => ({ id: "rotating", projects: ["proj_a"], access: ["read"], ...keys })
const problems = (keys: Record<string, unknown>) =>
  Either.match(decodeConfig({ clients: [client(keys)] }), { onLeft: (p) => p, onRight: () => [] })

describe("key rotation: clients[].keyHashes", () => {
  it("takes 1-3 distinct hashes, or the older single keyHash; says what is wrong otherwise", () => {
    expect(problems({ keyHashes: [oldHash, newHash] })).toEqual([])
    expect(problems({ keyHash: oldHash })).toEqual([])
    const decoded = Either.getOrThrow(decodeConfig({ clients: [client({ keyHash: oldHash })] }))
    expect(decoded.clients[0]!.keyHashes).toEqual([oldHash])
    expect(problems({ keyHash: oldHash, keyHashes: [newHash] })).toEqual([
      "clients.0.keyHash: give keyHashes or keyHash, not both (keyHashes holds every key)"
    ])
    expect(problems({})[0]).toMatch(/^clients\.0\.keyHashes: is missing: mint one with `vwh-proxy hash-key/)
    expect(problems({ keyHashes: [] })[0]).toMatch(/^clients\.0\.keyHashes: needs at least one key hash/)
    const four = Array.from({ length: 4 }, () => hashKey(mintKey()))
    expect(problems({ keyHashes: four })[0]).toMatch(/^clients\.0\.keyHashes: at most 3 keys: remove one/)
    expect(problems({ keyHashes: [oldHash, oldHash] })).toEqual(["clients.0.keyHashes.1: the same key twice"])
    const shared = decodeConfig({
      clients: [client({ keyHashes: [oldHash] }), { ...client({ keyHashes: [newHash, oldHash] }), id: "other" }]
    })
    expect(Either.isLeft(shared) && shared.left[0]).toMatch(
      /^clients\.1\.keyHashes\.1: the same key as client "rotating": each client needs its own key/
    )
  })

  it("verifyKey names the matching key's index, -1 for any other key or an unknown client", () => {
    const c = Either.getOrThrow(decodeConfig({ clients: [client({ keyHashes: [oldHash, newHash] })] })).clients[0]!
    expect(verifyKey(c, oldKey)).toBe(0)
    expect(verifyKey(c, newKey)).toBe(1)
    expect(verifyKey(c, Redacted.value(mintKey()))).toBe(-1)
    expect(verifyKey(undefined, oldKey)).toBe(-1)
    expect(verifyKey(c, "")).toBe(-1)
  })

  describe("through the proxy", () => {
    let sb: Awaited<ReturnType<typeof startSandbox>>
    let proxy: Awaited<ReturnType<typeof startProxy>>
    const audit = memoryAudit()
    beforeAll(async () => {
      sb = await startSandbox()
      const base = baseConfig()
      proxy = await startProxy({
        upstream: sb.upstream,
        audit: audit.layer,
        config: {
          ...base,
          clients: [
            ...base.clients,
            {
              id: "rotating",
              keyHashes: [oldHash, newHash],
              projects: ["proj_a"],
              access: ["read", "write"]
            }
          ]
        }
      })
    })
    afterAll(async () => {
      await proxy.close()
      await sb.close()
    })

    it("either key lets the client in; access and audit lines say which key (its fingerprint), never the key", async () => {
      const path = "/management/v1/projects/proj_a/webhooks"
      for (const key of [oldKey, newKey]) {
        const headers = { "x-management-id": "rotating", "x-management-token": key }
        expect((await call(proxy.url, "GET", path, headers)).status).toBe(200)
        const created = await call(proxy.url, "POST", path, headers, webhookBody())
        expect(created.status).toBe(200)
      }
      const wrong = await call(proxy.url, "GET", path, {
        "x-management-id": "rotating",
        "x-management-token": "vwhk_x"
      })
      expect(wrong.status).toBe(401)
      await new Promise((r) => setTimeout(r, 50))
      const lines = proxy.logs
        .map((l) => JSON.parse(l) as { message: string; annotations: Record<string, unknown> })
        .filter((l) => l.message === "request" && l.annotations.path === path)
      expect(lines.map((l) => [l.annotations.status, l.annotations.key ?? null])).toEqual([
        [200, fingerprint(oldHash)],
        [200, fingerprint(oldHash)],
        [200, fingerprint(newHash)],
        [200, fingerprint(newHash)],
        [401, null]
      ])
      const records = audit.records.filter((r) => r.client === "rotating")
      expect(records.map((r) => [r.phase, r.key])).toEqual([
        ["attempt", fingerprint(oldHash)],
        ["outcome", fingerprint(oldHash)],
        ["attempt", fingerprint(newHash)],
        ["outcome", fingerprint(newHash)]
      ])
      const everything = proxy.logs.join("\n") + JSON.stringify(audit.records)
      for (const secret of [oldKey, newKey, oldHash, newHash]) expect(everything).not.toContain(secret)
    })
  })
})
