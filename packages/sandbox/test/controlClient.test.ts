import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { type ControlClient, makeControlClient } from "../src/ControlClient.js"
import { Sandbox, layer as sandboxLayer } from "../src/Sandbox.js"

// A real sandbox on loopback and the typed client over HTTP, shared by the tests below (one scope, closed after).
const client = (token?: string) =>
  Effect.flatMap(Sandbox, (sandbox) =>
    makeControlClient({
      url: sandbox.url,
      managementId: sandbox.credentials.managementId,
      managementToken: token ?? sandbox.credentials.managementToken
    })
  )
const env = Layer.provideMerge(
  sandboxLayer({ host: "127.0.0.1", port: 0, projects: ["proj_other"] }),
  NodeHttpClient.layer
)

// excludeTestServices: real clock (sockets and sleeps), not the TestClock.
layer(env, { excludeTestServices: true })("the control API's typed client", (it) => {
  const fresh = (use: (c: ControlClient) => Effect.Effect<void, unknown, Sandbox>) =>
    Effect.gen(function* () {
      const c = yield* client()
      yield* c.reset()
      yield* use(c)
    })

  it.effect("reads and changes settings, projects and stats", () =>
    fresh((c) =>
      Effect.gen(function* () {
        expect(yield* c.setRateLimit({ payload: { limit: 5, windowMs: 1000 } })).toEqual({ limit: 5, windowMs: 1000 })
        expect(yield* c.setFaults({ payload: { latencyMs: 1 } })).toMatchObject({ latencyMs: 1, errorRate: 0 })
        expect(yield* c.setPlan({ payload: { managementApi: false } })).toEqual({ managementApi: false })
        expect((yield* c.settings()).rateLimit).toEqual({ limit: 5, windowMs: 1000 })
        const added = yield* c.addProject({ payload: { id: "proj_typed" } })
        expect(added).toMatchObject({ id: "proj_typed", webhooks: 0 })
        expect((yield* c.projects()).data.map((p) => p.id)).toEqual(["proj_sandbox", "proj_other", "proj_typed"])
        expect((yield* c.projectSecret({ path: { projectId: "proj_typed" } })).secret).toMatch(/^whsec_/)
        expect(yield* c.stats()).toEqual({ requests: 0, deliveries: 0 })
      })
    )
  )

  it.effect("raises an event and lists its deliveries by id", () =>
    fresh((c) =>
      Effect.gen(function* () {
        const raised = yield* c.raiseEvent({ payload: { projectId: "proj_sandbox", type: "voucher.published" } })
        expect(raised.event.type).toBe("voucher.published")
        expect(raised.deliveries).toEqual([]) // no webhook subscribed
        const listed = yield* c.deliveries({ urlParams: { projectId: "proj_sandbox", id: ["whs_none", "whs_x"] } })
        expect(listed).toMatchObject({ object: "list", data: [], total: 0 })
      })
    )
  )

  it.effect("seeds a webhook under a chosen id, which the management API then serves; bad or taken ids are 400", () =>
    fresh((c) =>
      Effect.gen(function* () {
        const id = "wh_Seeded000000000000000001"
        const seeded = yield* c.seedWebhook({
          path: { projectId: "proj_other" },
          payload: { id, target_url: "https://hooks.example.com/in", events: ["redemption.succeeded"], active: true }
        })
        expect(seeded).toMatchObject({ id, object: "webhook", active: true, events: ["redemption.succeeded"] })
        const sandbox = yield* Sandbox
        const res = yield* Effect.promise(() =>
          fetch(`${sandbox.url}/management/v1/projects/proj_other/webhooks/${id}`, {
            headers: {
              "x-management-id": sandbox.credentials.managementId,
              "x-management-token": Redacted.value(sandbox.credentials.managementToken)
            }
          }).then((r) => r.json())
        )
        expect(res).toMatchObject({ id, target_url: "https://hooks.example.com/in" })
        const seed = (payload: { id: string; target_url: string; events: Array<string> }, projectId = "proj_other") =>
          Effect.flip(c.seedWebhook({ path: { projectId }, payload: { ...payload, active: true } }))
        const target = { target_url: "https://hooks.example.com/in", events: ["redemption.succeeded"] }
        expect(yield* seed({ id, ...target })).toMatchObject({
          code: 400,
          details: expect.stringContaining("already exists")
        })
        expect(yield* seed({ id: "wh_short", ...target })).toMatchObject({
          code: 400,
          details: expect.stringContaining("id:")
        })
        // The typed client checks a body before sending it; the server checks it again (the create body's rules).
        const raw = yield* Effect.promise(() =>
          fetch(`${sandbox.url}/sandbox/projects/proj_other/webhooks`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-management-id": sandbox.credentials.managementId,
              "x-management-token": Redacted.value(sandbox.credentials.managementToken)
            },
            body: JSON.stringify({ id: "wh_Seeded000000000000000002", ...target, target_url: "your_url", evnts: [] })
          }).then(async (r) => ({ status: r.status, body: await r.text() }))
        )
        expect(raw.status).toBe(400)
        expect(raw.body).toContain("target_url")
        expect(raw.body).toContain("evnts")
        expect(yield* seed({ id, ...target }, "proj_nope")).toMatchObject({ code: 404, resource_id: "proj_nope" })
      })
    )
  )

  it.effect("fails with Voucherify's error objects, typed: 404 names the project, 400 the field, 401", () =>
    Effect.gen(function* () {
      const c = yield* client()
      const missing = yield* Effect.flip(c.projectSecret({ path: { projectId: "proj_nope" } }))
      expect(missing).toMatchObject({ code: 404, key: "not_found", resource_type: "project", resource_id: "proj_nope" })
      const bad = yield* Effect.flip(c.addProject({ payload: { id: "nope" } }))
      expect(bad).toMatchObject({ code: 400, key: "invalid_payload" })
      const unknown = yield* Effect.flip(c.raiseEvent({ payload: { projectId: "proj_sandbox", type: "no.such" } }))
      expect(unknown).toMatchObject({ code: 400 })
      const wrong = yield* client("wrong-token")
      expect(yield* Effect.flip(wrong.stats())).toMatchObject({ code: 401, key: "unauthorized" })
    })
  )
})
