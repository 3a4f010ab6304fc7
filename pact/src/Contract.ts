import { fileURLToPath } from "node:url"

/** The parties, as the pact file names them. */
export const consumer = "voucherify-webhooks-core"
export const provider = "voucherify-management-api"

export const pactDir = fileURLToPath(new URL("../pacts", import.meta.url))
export const pactFile = `${pactDir}/${consumer}-${provider}.json`

/** Example values the contract is written with; providers set up states that make them true. */
export const examples = {
  projectId: "proj_sandbox",
  missingProjectId: "proj_missing",
  webhookId: "wh_ekFHVL6lqC4lDuIFxpETSGa3",
  missingWebhookId: "wh_x2YxoHtQdBlP7zfk5KZ8m5WX",
  managementId: "contract-management-id",
  managementToken: "contract-management-token",
  retryAfterSeconds: "30"
} as const

/**
 * Provider states, one definition for the consumer tests that name them and the provider verifications
 * that create them. Each names the situation, with its ids.
 */
export const states = {
  projectExists: `project ${examples.projectId} exists`,
  projectHasWebhook: `project ${examples.projectId} has webhook ${examples.webhookId}`,
  projectLacksWebhook: `project ${examples.projectId} has no webhook ${examples.missingWebhookId}`,
  projectMissing: `project ${examples.missingProjectId} does not exist`,
  credentialsInvalid: "the management credentials are not valid",
  planWithoutManagementApi: "the organisation's plan does not include the Management API",
  rateLimitExhausted: "the management API rate limit is exhausted"
} as const
