import { rmSync } from "node:fs"
import { MatchersV3, PactV4, SpecificationVersion } from "@pact-foundation/pact"
import { userAgent } from "@voucherify-webhooks/core/Version"
import * as Either from "effect/Either"
import { beforeAll, describe, expect, it } from "vitest"
import { callWith } from "../src/Client.js"
import { consumer, examples, pactDir, pactFile, provider, states } from "../src/Contract.js"

const { boolean, datetime, eachLike, integer, like, regex } = MatchersV3

// pact-js merges into an existing file: start from nothing so the file holds exactly this run's interactions.
beforeAll(() => rmSync(pactFile, { force: true }))

const pact = new PactV4({
  consumer,
  provider,
  dir: pactDir,
  spec: SpecificationVersion.SPECIFICATION_VERSION_V4,
  logLevel: "error"
})

const { projectId, webhookId, missingWebhookId, missingProjectId } = examples
const collectionPath = (project: string) =>
  regex(/^\/management\/v1\/projects\/proj_[A-Za-z0-9_]+\/webhooks$/, `/management/v1/projects/${project}/webhooks`)
const itemPath = (project: string, webhook: string) =>
  regex(
    /^\/management\/v1\/projects\/proj_[A-Za-z0-9_]+\/webhooks\/wh_[A-Za-z0-9]+$/,
    `/management/v1/projects/${project}/webhooks/${webhook}`
  )

/** What every request carries: the management credentials and our User-Agent. */
const requestHeaders = {
  "X-Management-Id": regex(/^\S+$/, examples.managementId),
  "X-Management-Token": regex(/^\S+$/, examples.managementToken),
  "User-Agent": regex(/^voucherify-webhooks-core\/\d+\.\d+\.\d+( .*)?$/, userAgent)
}
const jsonRequestHeaders = { ...requestHeaders, "Content-Type": "application/json" }
const jsonResponse = { "Content-Type": regex(/^application\/json/, "application/json") }

const target = "https://hooks.example.com/voucherify"
const webhook = (overrides: Record<string, unknown> = {}) => ({
  id: regex(/^wh_[A-Za-z0-9]{24}$/, webhookId),
  object: "webhook",
  created_at: datetime("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2024-04-30T08:13:55.789Z"),
  target_url: like(target),
  events: eachLike("redemption.succeeded", 1),
  active: boolean(true),
  ...overrides
})
const requestId = regex(/^\S+$/, "v-0ead4423d55b6996f2")

describe("create", () => {
  it("creates a webhook: 200 (not 201) with the webhook, active defaulted to true", () =>
    pact
      .addInteraction()
      .given(states.projectExists, { projectId })
      .uponReceiving("a request to create a webhook")
      .withRequest("POST", collectionPath(projectId), (b) =>
        b.headers(jsonRequestHeaders).jsonBody({
          target_url: target,
          events: ["redemption.succeeded", "voucher.published"],
          active: true
        })
      )
      .willRespondWith(200, (b) =>
        b
          .headers(jsonResponse)
          .jsonBody(webhook({ target_url: target, events: ["redemption.succeeded", "voucher.published"] }))
      )
      .executeTest(async (server) => {
        const result = await callWith(server.url, (w) =>
          w.create(projectId, { target_url: target, events: ["redemption.succeeded", "voucher.published"] })
        )
        const created = Either.getOrThrow(result)
        expect(created.id).toMatch(/^wh_/)
        expect(created.created_at).toBeInstanceOf(Date)
        expect(created.active).toBe(true)
      }))

  it("rejects an invalid payload: 400 invalid_payload with details and request_id", () =>
    pact
      .addInteraction()
      .given(states.projectExists, { projectId })
      .uponReceiving("a request to create a webhook for an event the API does not know")
      .withRequest("POST", collectionPath(projectId), (b) =>
        b.headers(jsonRequestHeaders).jsonBody({ target_url: target, events: ["loyalty.tier.upgraded"], active: true })
      )
      .willRespondWith(400, (b) =>
        b.headers(jsonResponse).jsonBody({
          code: 400,
          key: "invalid_payload",
          message: like("Invalid payload"),
          details: like('events.0: unknown event "loyalty.tier.upgraded"'),
          request_id: requestId
        })
      )
      .executeTest(async (server) => {
        // The client's explicit opt-out sends a name it does not know; the server is the one to refuse it.
        const result = await callWith(server.url, (w) =>
          w.create(projectId, { target_url: target, events: ["loyalty.tier.upgraded"] }, { allowUnknownEvents: true })
        )
        const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined))
        expect(error).toMatchObject({ _tag: "ValidationError", source: "server", key: "invalid_payload", status: 400 })
      }))
})

describe("read", () => {
  it("lists the project's webhooks", () =>
    pact
      .addInteraction()
      .given(states.projectHasWebhook, { projectId, webhookId })
      .uponReceiving("a request to list webhooks")
      .withRequest("GET", collectionPath(projectId), (b) => b.headers(requestHeaders))
      .willRespondWith(200, (b) =>
        b
          .headers(jsonResponse)
          .jsonBody({ object: "list", data_ref: "data", data: eachLike(webhook(), 1), total: integer(1) })
      )
      .executeTest(async (server) => {
        const list = Either.getOrThrow(await callWith(server.url, (w) => w.list(projectId)))
        expect(list.total).toBe(1)
        expect(list.data[0]?.id).toBe(webhookId)
      }))

  it("gets one webhook", () =>
    pact
      .addInteraction()
      .given(states.projectHasWebhook, { projectId, webhookId })
      .uponReceiving("a request to get a webhook")
      .withRequest("GET", itemPath(projectId, webhookId), (b) => b.headers(requestHeaders))
      .willRespondWith(200, (b) => b.headers(jsonResponse).jsonBody(webhook({ id: webhookId })))
      .executeTest(async (server) => {
        const got = Either.getOrThrow(await callWith(server.url, (w) => w.get(projectId, webhookId)))
        expect(got.id).toBe(webhookId)
      }))
})

describe("update and delete", () => {
  const replacement = {
    target_url: "https://hooks.example.com/voucherify/v2",
    // The documented spellings (the published enum misspells points_added and lacks customer.updated).
    events: ["voucher.loyalty_card.points_added", "customer.updated"],
    active: false
  }

  it("replaces a webhook in full, active included", () =>
    pact
      .addInteraction()
      .given(states.projectHasWebhook, { projectId, webhookId })
      .uponReceiving("a request to replace a webhook")
      .withRequest("PUT", itemPath(projectId, webhookId), (b) => b.headers(jsonRequestHeaders).jsonBody(replacement))
      .willRespondWith(200, (b) => b.headers(jsonResponse).jsonBody({ ...webhook({ id: webhookId }), ...replacement }))
      .executeTest(async (server) => {
        const updated = Either.getOrThrow(
          await callWith(server.url, (w) => w.update(projectId, webhookId, replacement))
        )
        expect(updated).toMatchObject(replacement)
      }))

  it("deletes a webhook: 204, no body", () =>
    pact
      .addInteraction()
      .given(states.projectHasWebhook, { projectId, webhookId })
      .uponReceiving("a request to delete a webhook")
      .withRequest("DELETE", itemPath(projectId, webhookId), (b) => b.headers(requestHeaders))
      .willRespondWith(204)
      .executeTest(async (server) => {
        expect(Either.isRight(await callWith(server.url, (w) => w.delete(projectId, webhookId)))).toBe(true)
      }))
})

describe("errors", () => {
  const failure = async <A, E>(result: Promise<Either.Either<A, E>>) => {
    const r = await result
    if (Either.isRight(r)) throw new Error("expected a failure")
    return r.left
  }

  it("404 for a missing webhook names it, with resource_type webhook", () =>
    pact
      .addInteraction()
      .given(states.projectLacksWebhook, { projectId, webhookId: missingWebhookId })
      .uponReceiving("a request to get a webhook that does not exist")
      .withRequest("GET", itemPath(projectId, missingWebhookId), (b) => b.headers(requestHeaders))
      .willRespondWith(404, (b) =>
        b.headers(jsonResponse).jsonBody({
          code: 404,
          key: "not_found",
          message: like("Resource not found"),
          details: like(`Cannot find webhook with id ${missingWebhookId}`),
          request_id: requestId,
          resource_id: missingWebhookId,
          resource_type: "webhook"
        })
      )
      .executeTest(async (server) => {
        const error = await failure(callWith(server.url, (w) => w.get(projectId, missingWebhookId)))
        expect(error).toMatchObject({ _tag: "NotFoundError", resource: "webhook", resource_id: missingWebhookId })
      }))

  it("404 for a missing project says it is the project", () =>
    pact
      .addInteraction()
      .given(states.projectMissing, { projectId: missingProjectId })
      .uponReceiving("a request to list the webhooks of a project that does not exist")
      .withRequest("GET", collectionPath(missingProjectId), (b) => b.headers(requestHeaders))
      .willRespondWith(404, (b) =>
        b.headers(jsonResponse).jsonBody({
          code: 404,
          message: like("Resource not found"),
          details: regex(/^Cannot find project with id \S+$/, `Cannot find project with id ${missingProjectId}`)
        })
      )
      .executeTest(async (server) => {
        const error = await failure(callWith(server.url, (w) => w.list(missingProjectId)))
        expect(error).toMatchObject({ _tag: "NotFoundError", resource: "project" })
      }))

  it("401 for credentials that are not valid", () =>
    pact
      .addInteraction()
      .given(states.credentialsInvalid)
      .uponReceiving("a request with management credentials that are not valid")
      .withRequest("GET", collectionPath(projectId), (b) => b.headers(requestHeaders))
      .willRespondWith(401, (b) =>
        // The key is matched by type: vwh-proxy, a provider of this contract, answers its own client-key refusals
        // with proxy_unauthorized (and x-vwh-proxy-decision), and the client reads the status, not the key.
        b.headers(jsonResponse).jsonBody({ code: 401, key: like("unauthorized"), message: like("Unauthorized") })
      )
      .executeTest(async (server) => {
        const error = await failure(callWith(server.url, (w) => w.list(projectId)))
        expect(error).toMatchObject({ _tag: "AuthError", reason: "unauthorized" })
      }))

  it("402 missing_required_feature when the plan lacks the Management API", () =>
    pact
      .addInteraction()
      .given(states.planWithoutManagementApi)
      .uponReceiving("a request from an organisation whose plan lacks the Management API")
      .withRequest("GET", collectionPath(projectId), (b) => b.headers(requestHeaders))
      .willRespondWith(402, (b) =>
        b.headers(jsonResponse).jsonBody({
          code: 402,
          key: "missing_required_feature",
          message: like("Payment required"),
          details: like("Your current plan does not include a feature required to perform this operation.")
        })
      )
      .executeTest(async (server) => {
        const error = await failure(callWith(server.url, (w) => w.list(projectId)))
        expect(error).toMatchObject({ _tag: "AuthError", reason: "missing_required_feature" })
      }))

  it("429 with Retry-After when rate limited", () =>
    pact
      .addInteraction()
      .given(states.rateLimitExhausted)
      .uponReceiving("a request over the rate limit")
      .withRequest("GET", collectionPath(projectId), (b) => b.headers(requestHeaders))
      .willRespondWith(429, (b) =>
        b
          .headers({ ...jsonResponse, "Retry-After": regex(/^\d+$/, examples.retryAfterSeconds) })
          .jsonBody({ code: 429, message: like("Too many requests hit the API too quickly.") })
      )
      .executeTest(async (server) => {
        const error = await failure(callWith(server.url, (w) => w.list(projectId)))
        expect(error).toMatchObject({ _tag: "RateLimitError", retryAfterMs: Number(examples.retryAfterSeconds) * 1000 })
      }))
})
