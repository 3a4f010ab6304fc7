import * as HttpClient from "@effect/platform/HttpClient"
import type { WebhooksError } from "@voucherify-webhooks/core/Errors"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { Metrics } from "./Metrics.js"
import { ProxySettings } from "./ProxyConfig.js"
import type { UpstreamTargetShape } from "./Upstream.js"

export interface ReadinessReport {
  readonly ready: boolean
  readonly detail: string
}

/** The upstream refused the proxy's own credentials: the statuses that no retry and no other client can fix. */
type Rejection = { readonly status: 401 | 402 | 403; readonly detail: string; readonly since: string; count: number }

const rejectionOf = (error: WebhooksError): Rejection["status"] | undefined =>
  error._tag !== "AuthError"
    ? undefined
    : error.reason === "unauthorized"
      ? 401
      : error.reason === "missing_required_feature"
        ? 402
        : 403

const advice: Record<Rejection["status"], string> = {
  401: "the upstream rejected the proxy's credentials (401): fix VOUCHERIFY_MANAGEMENT_ID / VOUCHERIFY_MANAGEMENT_TOKEN and restart",
  402: "the upstream says the organisation's plan lacks the Management API (402 missing_required_feature)",
  403: "the upstream refused the proxy's credentials access (403): check the project is in the credentials' cluster (VOUCHERIFY_CLUSTER / VOUCHERIFY_API_URL) and their permissions"
}

/** How often the ERROR line about rejected credentials may repeat while they stay rejected. */
const logEvery = 60_000

/**
 * Whether the proxy can serve: the upstream answers, and it has not refused the proxy's own credentials. A 401 or
 * 402 on any call made with them (a client's request, or the probe), or a 403 on the probe's project, makes
 * `/readyz` 503 with the reason until a later call succeeds; each is logged at ERROR (once a minute at most, with
 * the count) and counted. A 403 on a client's request is logged and counted only: a client naming a project the
 * credentials cannot reach would otherwise take every replica out of service. A Context.Tag: made from the upstream
 * target the proxy runs against (`make(target)` in Upstream.layer), a value chosen at start-up.
 */
export class Readiness extends Context.Tag("@voucherify-webhooks/proxy/Readiness")<
  Readiness,
  {
    readonly check: Effect.Effect<ReadinessReport>
    /** What a call with the proxy's credentials came to: success clears a rejection, 401/402/403 sets it. */
    readonly observe: (
      outcome: { readonly _tag: "ok" } | WebhooksError,
      source: "request" | "probe"
    ) => Effect.Effect<void>
  }
>() {}

/** The Readiness service for `target` (Upstream.ts provides it with core's client). */
export const make = (target: UpstreamTargetShape) =>
  Effect.gen(function* () {
    const settings = yield* ProxySettings
    const metrics = yield* Metrics
    const client = yield* HttpClient.HttpClient
    const webhooks = yield* Webhooks
    let rejected: Rejection | undefined
    // Per status: when its ERROR line was last written, and how many refusals went unsaid since.
    const said = new Map<number, { at: number; unlogged: number }>()

    const observe = (
      outcome: { readonly _tag: "ok" } | WebhooksError,
      source: "request" | "probe"
    ): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (outcome._tag === "ok") {
          if (rejected === undefined) return Effect.void
          const was = rejected
          rejected = undefined
          said.clear()
          return Effect.logInfo(`the upstream accepts the proxy's credentials again (after ${was.count} refusals)`)
        }
        const status = rejectionOf(outcome)
        if (status === undefined) return Effect.void
        metrics.rejected(status)
        const now = Date.now()
        if (status !== 403 || source === "probe") {
          if (rejected === undefined || rejected.status !== status) {
            rejected = { status, detail: advice[status], since: new Date(now).toISOString(), count: 0 }
          }
          rejected.count++
        }
        const last = said.get(status)
        if (last !== undefined && now - last.at < logEvery) {
          last.unlogged++
          return Effect.void
        }
        const more = last?.unlogged ?? 0
        said.set(status, { at: now, unlogged: 0 })
        return Effect.logError(advice[status]).pipe(
          Effect.annotateLogs({ upstream_status: status, ...(more > 0 ? { repeated: more } : {}) })
        )
      })

    const within = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.timeoutFail(effect, {
        duration: Duration.millis(settings.readiness.timeoutMs),
        onTimeout: () => "timeout" as const
      })
    const unreachable = (e: unknown): ReadinessReport => ({
      ready: false,
      detail: e === "timeout" ? "upstream did not answer in time" : "upstream unreachable"
    })

    // With readiness.project: an authenticated list of that project, so bad credentials show before a client calls.
    // Without: a GET of the base URL, no credentials sent; any answer below 500 means the upstream is up.
    const project = settings.readiness.project
    const probe: Effect.Effect<ReadinessReport> =
      project === undefined
        ? client.get(`${target.baseUrl}/`).pipe(
            Effect.map((res) => ({ ready: res.status < 500, detail: `upstream answered ${res.status}` })),
            Effect.scoped,
            within,
            Effect.catchAll((e) => Effect.succeed(unreachable(e)))
          )
        : webhooks.list(project).pipe(
            within,
            Effect.matchEffect({
              onSuccess: () =>
                Effect.as(observe({ _tag: "ok" }, "probe"), {
                  ready: true,
                  detail: `upstream lists project ${project} with the proxy's credentials`
                }),
              onFailure: (e) =>
                e === "timeout"
                  ? Effect.succeed(unreachable(e))
                  : Effect.as(observe(e, "probe"), {
                      ready: false,
                      detail: `upstream refused to list project ${project}: ${e.message}`
                    })
            })
          )

    let cached: { at: number; report: ReadinessReport } | undefined
    const check = Effect.suspend(() => {
      const now = Date.now()
      const fresh =
        cached && now - cached.at < settings.readiness.cacheMs
          ? Effect.succeed(cached.report)
          : Effect.tap(probe, (report) => {
              cached = { at: Date.now(), report }
            })
      return Effect.map(fresh, (report): ReadinessReport => {
        const r = rejected
        return r === undefined
          ? report
          : {
              ready: false,
              detail: `${r.detail} (${r.count} refusal${r.count === 1 ? "" : "s"} since ${r.since}; clears when a call succeeds)`
            }
      })
    })
    return { check, observe }
  })
