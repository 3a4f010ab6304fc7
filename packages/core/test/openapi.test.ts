import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as OpenApi from "@effect/platform/OpenApi"
import { describe, expect, it } from "vitest"
import { WebhooksApi } from "../src/Api.js"

const managementSpecPath = fileURLToPath(
  new URL("../../../../shared/voucherify/management.openapi.json", import.meta.url)
)
const skipWithoutSpec =
  "../shared/voucherify/management.openapi.json is absent (a fresh clone): nothing to compare the security with"

interface Operation {
  readonly summary?: string
  readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>
}
type Paths = Record<string, Record<string, Operation>>

const webhookOperations = (paths: Paths) =>
  Object.entries(paths)
    .filter(([path]) => path.startsWith("/management/v1/projects/{projectId}/webhooks"))
    .flatMap(([path, operations]) => Object.entries(operations).map(([method, op]) => ({ path, method, op })))

describe("the published OpenAPI", () => {
  const spec = OpenApi.fromApi(WebhooksApi) as unknown as {
    components: { securitySchemes: Record<string, unknown> }
    paths: Paths
  }

  it("declares X-Management-Id and X-Management-Token as API keys, required together on every operation", () => {
    expect(spec.components.securitySchemes).toEqual({
      "X-Management-Id": expect.objectContaining({ type: "apiKey", in: "header", name: "X-Management-Id" }),
      "X-Management-Token": expect.objectContaining({ type: "apiKey", in: "header", name: "X-Management-Token" })
    })
    const operations = webhookOperations(spec.paths)
    expect(operations).toHaveLength(5)
    for (const { path, method, op } of operations) {
      // One requirement object with both names = both headers; two objects would mean either one is enough.
      expect({ path, method, security: op.security }).toEqual({
        path,
        method,
        security: [{ "X-Management-Id": [], "X-Management-Token": [] }]
      })
    }
  })

  it("asks for the same headers as Voucherify's own OpenAPI, operation by operation", (ctx) => {
    if (!existsSync(managementSpecPath)) return ctx.skip(skipWithoutSpec)
    const theirs = JSON.parse(readFileSync(managementSpecPath, "utf8")) as {
      components: { securitySchemes: Record<string, { type: string; in: string; name: string }> }
      paths: Paths
    }
    const schemeShape = (schemes: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(schemes).map(([name, s]) => {
          const { type, in: where, name: header } = s as { type: string; in: string; name: string }
          return [name, { type, in: where, name: header }]
        })
      )
    expect(schemeShape(spec.components.securitySchemes)).toEqual(schemeShape(theirs.components.securitySchemes))
    const securityOf = (paths: Paths) =>
      Object.fromEntries(webhookOperations(paths).map(({ path, method, op }) => [`${method} ${path}`, op.security]))
    expect(securityOf(spec.paths)).toEqual(securityOf(theirs.paths))
  })
})
