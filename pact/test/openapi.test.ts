import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { pactFile } from "../src/Contract.js"
import { allowList } from "../src/SpecAllowList.js"
import { checkPact, describeFindings, specAvailable, specFile } from "../src/SpecCheck.js"

const absent = `skipped: ${specFile} is absent (a fresh clone without ../shared); the pact cannot be checked against Voucherify's published OpenAPI here`

describe("the consumer pact against Voucherify's published OpenAPI", () => {
  beforeAll(() => {
    if (!specAvailable()) console.warn(absent)
  })

  it("holds every interaction the contract promises", () => {
    const pact = JSON.parse(readFileSync(pactFile, "utf8")) as {
      interactions: Array<{ description: string; response: { status: number } }>
    }
    expect(pact.interactions.map((i) => i.response.status).sort()).toEqual([
      200, 200, 200, 200, 204, 400, 401, 402, 404, 404, 429
    ])
  })

  it("validates, with only the documented allow-list entries, each of which is still needed", async (ctx) => {
    if (!specAvailable()) return ctx.skip(absent)
    const check = await checkPact(pactFile)
    expect(describeFindings(check.unexplained)).toBe("")
    expect(describeFindings(check.warnings)).toBe("")
    for (const entry of allowList)
      expect({ entry: entry.id, used: (check.explainedBy.get(entry.id) ?? 0) > 0 }).toEqual({
        entry: entry.id,
        used: true
      })
  })

  it("the allow-list hides nothing else: a bogus event in a response is still reported", async (ctx) => {
    if (!specAvailable()) return ctx.skip(absent)
    const tampered = readFileSync(pactFile, "utf8").replaceAll('"customer.updated"', '"customer.totally_bogus"')
    expect(tampered).toContain("customer.totally_bogus")
    const path = join(mkdtempSync(join(tmpdir(), "pact-")), "tampered.json")
    writeFileSync(path, tampered)
    const check = await checkPact(path)
    const codes = check.unexplained.map((f) => f.code)
    expect(codes).toContain("request.body.incompatible")
    expect(codes).toContain("response.body.incompatible")
  })
})
