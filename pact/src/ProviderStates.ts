import type { IncomingMessage, ServerResponse } from "node:http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Verifier, type VerifierOptions } from "@pact-foundation/pact"
import { type ControlClient, type ControlTarget, makeControlClient } from "@voucherify-webhooks/sandbox/ControlClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { examples, pactFile, provider, states } from "./Contract.js"

/** Where an in-process sandbox's control API is: the same target a sandbox in another process would be. */
export const controlTarget = (sandbox: { readonly url: string; readonly credentials: Omit<ControlTarget, "url"> }) => ({
  url: sandbox.url,
  ...sandbox.credentials
})

/** `{setup, teardown}` handlers keyed by state name (the Verifier's types only admit the plain-function form). */
type StateHandlers = Record<
  string,
  { setup: (params?: Record<string, unknown>) => Promise<unknown>; teardown?: () => Promise<unknown> }
>

/**
 * Creates each named provider state in a sandbox, over its control API (any sandbox that listens: in this process
 * or another): the sandbox itself when it is the provider, or the sandbox behind the proxy. Every setup starts from
 * a reset, so no interaction sees another's leftovers. `inject` puts the provider's real credentials on a request:
 * the pact's example ones are not valid anywhere.
 */
export const providerStates = (sandbox: ControlTarget, inject: (headers: IncomingMessage["headers"]) => void) => {
  let injectCredentials = true
  const control = <A, E>(use: (client: ControlClient) => Effect.Effect<A, E>) =>
    Effect.flatMap(makeControlClient(sandbox), use).pipe(Effect.provide(NodeHttpClient.layer))
  const fresh = (then: (client: ControlClient) => Effect.Effect<unknown, unknown> = () => Effect.void) =>
    Effect.runPromise(control((client) => Effect.andThen(client.reset(), then(client))))
  const param = (params: Record<string, unknown> | undefined, key: string, fallback: string) => {
    const value = params?.[key]
    return typeof value === "string" ? value : fallback
  }

  const handlers: StateHandlers = {
    [states.projectExists]: { setup: () => fresh() },
    [states.projectHasWebhook]: {
      setup: (params) =>
        fresh((client) =>
          client.seedWebhook({
            path: { projectId: param(params, "projectId", examples.projectId) },
            payload: {
              id: param(params, "webhookId", examples.webhookId),
              target_url: "https://hooks.example.com/voucherify",
              events: ["redemption.succeeded"],
              active: true
            }
          })
        )
    },
    // A reset sandbox has its initial projects and no webhooks: both states hold after a reset.
    [states.projectLacksWebhook]: { setup: () => fresh() },
    [states.projectMissing]: { setup: () => fresh() },
    [states.credentialsInvalid]: {
      setup: () => {
        injectCredentials = false
        return fresh()
      },
      teardown: async () => {
        injectCredentials = true
      }
    },
    [states.planWithoutManagementApi]: {
      setup: () => fresh((client) => client.setPlan({ payload: { managementApi: false } }))
    },
    [states.rateLimitExhausted]: {
      // A budget of one request a minute, already spent: the next call is over the limit.
      setup: async () => {
        await fresh((client) => client.setRateLimit({ payload: { limit: 1, windowMs: 60_000 } }))
        const res = await fetch(`${sandbox.url}/management/v1/projects/${examples.projectId}/webhooks`, {
          headers: {
            "x-management-id": sandbox.managementId,
            "x-management-token":
              typeof sandbox.managementToken === "string"
                ? sandbox.managementToken
                : Redacted.value(sandbox.managementToken)
          }
        })
        await res.arrayBuffer()
      }
    }
  }

  const requestFilter = (req: IncomingMessage, _res: ServerResponse, next: () => void) => {
    if (injectCredentials) inject(req.headers)
    next()
  }

  return { handlers, requestFilter }
}

/** Verifies the committed consumer pact against a running provider; rejects with every mismatch on failure. */
export const verify = (baseUrl: string, providerStatesFor: ReturnType<typeof providerStates>): Promise<string> =>
  new Verifier({
    provider,
    providerBaseUrl: baseUrl,
    pactUrls: [pactFile],
    logLevel: "error",
    stateHandlers: providerStatesFor.handlers as unknown as NonNullable<VerifierOptions["stateHandlers"]>,
    requestFilter: providerStatesFor.requestFilter
  }).verifyProvider()
