import * as HttpApi from "@effect/platform/HttpApi"
import { describe, expect, it } from "vitest"
import { WebhooksApi } from "../src/Api.js"
import { endpointOf, methodsAt, pathOf, routes, templateOf } from "../src/Routes.js"

describe("the route table", () => {
  it("is exactly what WebhooksApi declares: every endpoint, its method and path, nothing else", () => {
    const declared: Array<{ name: string; method: string; path: string }> = []
    HttpApi.reflect(WebhooksApi, {
      onGroup: () => {},
      onEndpoint: ({ endpoint }) => declared.push({ name: endpoint.name, method: endpoint.method, path: endpoint.path })
    })
    expect(declared).toEqual(Object.entries(routes).map(([name, r]) => ({ name, method: r.method, path: r.path })))
  })

  it("builds paths with each id percent-encoded", () => {
    expect(pathOf("list", { projectId: "proj_1" })).toBe("/management/v1/projects/proj_1/webhooks")
    expect(pathOf("delete", { projectId: "proj 1", webhookId: "wh_%?#" })).toBe(
      "/management/v1/projects/proj%201/webhooks/wh_%25%3F%23"
    )
  })

  it("names the endpoint of a request, and the methods a path answers", () => {
    expect(endpointOf("PUT", "/management/v1/projects/p/webhooks/w")).toBe("update")
    expect(endpointOf("POST", "/management/v1/projects/p/webhooks")).toBe("create")
    expect(endpointOf("PATCH", "/management/v1/projects/p/webhooks/w")).toBeUndefined()
    expect(endpointOf("GET", "/management/v1/projects/p/webhooks/w/x")).toBeUndefined()
    expect(methodsAt("/management/v1/projects/p/webhooks/w")).toEqual(["GET", "PUT", "DELETE"])
    expect(methodsAt("/elsewhere")).toEqual([])
    expect(templateOf("get")).toBe("/management/v1/projects/{projectId}/webhooks/{webhookId}")
  })
})
