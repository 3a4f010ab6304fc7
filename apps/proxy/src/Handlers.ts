import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { ManagementClient, WebhooksApi } from "@voucherify-webhooks/core/Api"
import type { WebhooksError } from "@voucherify-webhooks/core/Errors"
import { currentRequestId } from "@voucherify-webhooks/core/ServerErrors"
import { normalizeTargetUrl } from "@voucherify-webhooks/core/Webhook"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Redacted from "effect/Redacted"
import { Audit, AuditFailed, type AuditRecord } from "./Audit.js"
import { failWith, type ProxyError, redactor, toApiError, withoutBadRequest } from "./ErrorToResponse.js"
import { LiveConfig } from "./LiveConfig.js"
import { Metrics, timeUpstream } from "./Metrics.js"
import { checkPolicy } from "./Policy.js"
import * as RequestState from "./RequestState.js"
import { checkScope } from "./Scopes.js"
import { Readiness, UpstreamTarget } from "./Upstream.js"

type Mutation = AuditRecord["operation"]

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).hostname
  } catch {
    return undefined
  }
}

/**
 * The five operations (the client's rate limit was taken at authentication): scope → (mutations) policy → audit "attempt" → forward through core's
 * Webhooks → audit "outcome". Every failure goes through ErrorToResponse, so each path answers in the same shapes.
 */
export const WebhooksLive = HttpApiBuilder.group(WebhooksApi, "webhooks", (handlers) =>
  Effect.gen(function* () {
    const webhooks = yield* Webhooks
    const audit = yield* Audit
    const metrics = yield* Metrics
    const target = yield* UpstreamTarget
    // Whatever the upstream says is relayed without the proxy's own upstream credentials in it.
    const redact = redactor([target.credentials.managementId, Redacted.value(target.credentials.managementToken)])
    const fail = failWith(redact)
    const live = yield* LiveConfig
    const readiness = yield* Readiness
    // Timed, and told to readiness: a refusal of the proxy's own credentials shows on /readyz until a call succeeds.
    const timed = <A>(operation: string, call: Effect.Effect<A, WebhooksError>) =>
      timeUpstream(metrics, operation, call).pipe(
        Effect.tapBoth({
          onSuccess: () => readiness.observe({ _tag: "ok" }, "request"),
          onFailure: (e) => readiness.observe(e, "request")
        })
      )

    // The client's entry and config as ManagementAuth let it in (LiveConfig): a reload mid-request changes neither.
    const snapshot = Effect.map(FiberRef.get(RequestState.currentRequest), (state) => ({
      entry: state.entry,
      config: state.config ?? live.current()
    }))
    const current = Effect.map(Effect.zip(ManagementClient, snapshot), ([c, { config, entry }]) => ({
      client: entry ?? config.clients.get(c.managementId)!,
      settings: config.settings
    }))
    const eventOptions = Effect.map(snapshot, ({ config }) => ({
      allowUnknownEvents: config.settings.policy.allowUnknownEvents
    }))

    const read = <A>(operation: string, project: string, call: Effect.Effect<A, WebhooksError>) =>
      Effect.gen(function* () {
        const { client } = yield* current
        yield* checkScope(client, "read", project)
        return yield* timed(operation, call)
      }).pipe(Effect.catchAll(fail), withoutBadRequest)

    const mutate = <A>(
      operation: Mutation,
      project: string,
      webhookId: string | undefined,
      body: { readonly target_url: string; readonly events: ReadonlyArray<string> } | undefined,
      call: Effect.Effect<A, WebhooksError>,
      idOf: (a: A) => string | undefined
    ) =>
      Effect.gen(function* () {
        const { client, settings } = yield* current
        const request_id = yield* FiberRef.get(currentRequestId)
        const { address } = yield* FiberRef.get(RequestState.currentRequest)
        const targetHost = body ? hostOf(body.target_url) : undefined
        const { key } = yield* FiberRef.get(RequestState.currentRequest)
        const record = (fields: Pick<AuditRecord, "phase"> & Partial<AuditRecord>): AuditRecord => ({
          time: new Date().toISOString(),
          request_id,
          client: client.id,
          ...(address === undefined ? {} : { client_address: address }),
          ...(key === undefined ? {} : { key }),
          operation,
          project,
          ...(webhookId === undefined ? {} : { webhook_id: webhookId }),
          ...(targetHost === undefined ? {} : { target_host: targetHost }),
          ...fields
        })
        const forwarded = { operation, projectId: project, webhookId }
        const statusOf = (e: ProxyError, sent: boolean) =>
          toApiError(e, { request_id, redact, forwarded: sent ? forwarded : undefined }).error.code
        const checks = Effect.gen(function* () {
          yield* checkScope(client, "write", project)
          if (body) yield* checkPolicy(settings.policy, body)
        })
        yield* checks.pipe(
          Effect.tapError((e) => audit.write(record({ phase: "denied", status: statusOf(e, false), outcome: "error" })))
        )
        // Written before forwarding: if it cannot be written, nothing goes upstream.
        yield* audit.write(record({ phase: "attempt" }))
        // From here on a failure may have been applied, and every answer must say so.
        yield* RequestState.update((state) => {
          state.forwarded = forwarded
        })
        const exit = yield* Effect.exit(timed(operation, call)).pipe(
          // A request timeout interrupts the call; record that the outcome is unknown (best effort: we are unwinding).
          Effect.onInterrupt(() =>
            audit.write(record({ phase: "outcome", status: 504, outcome: "error" })).pipe(Effect.ignoreLogged)
          )
        )
        const outcome = Exit.match(exit, {
          onSuccess: (a) => {
            const id = idOf(a)
            return record({
              phase: "outcome",
              status: operation === "delete" ? 204 : 200,
              outcome: "ok",
              ...(id === undefined ? {} : { webhook_id: id })
            })
          },
          onFailure: (cause) => {
            const failure = cause._tag === "Fail" ? cause.error : undefined
            return record({ phase: "outcome", status: failure ? statusOf(failure, true) : 500, outcome: "error" })
          }
        })
        const written = yield* Effect.either(audit.write(outcome))
        if (written._tag === "Left") {
          // The trail now shows an attempt without an outcome, which means "check"; the operator must hear of it.
          yield* Effect.logError("audit outcome could not be written").pipe(
            Effect.annotateLogs({ request_id, operation, project, problem: written.left.message })
          )
          // A change that was applied is answered as such; a failed one keeps the upstream's own answer.
          if (Exit.isSuccess(exit)) {
            const id = outcome.webhook_id
            return yield* new AuditFailed({
              message: written.left.message,
              phase: "outcome",
              ...(id === undefined ? {} : { webhookId: id })
            })
          }
        }
        return yield* exit
      }).pipe(Effect.catchAll(fail))

    // The policy checks, and the upstream receives, one and the same string: the URL as the WHATWG parser
    // serialises it (core's schema already refused what parsers disagree on), never the raw text the client sent.
    const normalized = <B extends { readonly target_url: string }>(body: B): B => ({
      ...body,
      target_url: normalizeTargetUrl(body.target_url)
    })

    return handlers
      .handle("create", ({ path, payload }) => {
        const body = normalized(payload)
        return mutate(
          "create",
          path.projectId,
          undefined,
          body,
          Effect.flatMap(eventOptions, (options) => webhooks.create(path.projectId, body, options)),
          (w) => w.id
        )
      })
      .handle("update", ({ path, payload }) => {
        const body = normalized(payload)
        return mutate(
          "update",
          path.projectId,
          path.webhookId,
          body,
          Effect.flatMap(eventOptions, (options) => webhooks.update(path.projectId, path.webhookId, body, options)),
          () => undefined
        )
      })
      .handle("delete", ({ path }) =>
        mutate(
          "delete",
          path.projectId,
          path.webhookId,
          undefined,
          webhooks.delete(path.projectId, path.webhookId),
          () => undefined
        ).pipe(withoutBadRequest)
      )
      .handle("list", ({ path }) => read("list", path.projectId, webhooks.list(path.projectId)))
      .handle("get", ({ path }) => read("get", path.projectId, webhooks.get(path.projectId, path.webhookId)))
  })
)
