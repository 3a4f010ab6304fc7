import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { Audit, type AuditFailed, type AuditRecord } from "./Audit.js"
import { ProxySettings } from "./ProxyConfig.js"

/**
 * The audit trail of rate-limited changes, bounded: a client hammering the proxy must not write one audit line per
 * refused request (the access log has those). The first refused create, update or delete of a client, operation and
 * project in a window is written at once, as a `denied` record with status 429; the ones after it in the same
 * window only count, and one more record with `repeated: <count>` closes the window. At most two lines per window
 * and kind of request, whatever the rate; the last summaries are written at shutdown.
 */
export class RateLimitedTrail extends Effect.Service<RateLimitedTrail>()(
  "@voucherify-webhooks/proxy/RateLimitedTrail",
  {
    // Audit is read from context, not a dependency: where records go (file, stdout, a test's) is the caller's choice.
    scoped: Effect.gen(function* () {
      const windowMs = (yield* ProxySettings).audit.rateLimitedWindowMs
      const audit = yield* Audit
      const open = new Map<string, { opened: number; last: AuditRecord; repeated: number }>()
      const close = (key: string) => {
        const burst = open.get(key)!
        open.delete(key)
        return burst.repeated === 0
          ? Effect.void
          : audit
              .write({ ...burst.last, repeated: burst.repeated })
              .pipe(Effect.catchAll((e) => Effect.logError("audit summary of rate-limited requests lost", e.message)))
      }
      const closeDue = (all: boolean) =>
        Effect.suspend(() => {
          const now = Date.now()
          const due = [...open].filter(([, b]) => all || now - b.opened >= windowMs).map(([key]) => key)
          return Effect.forEach(due, close, { discard: true })
        })
      yield* Effect.forkScoped(
        Effect.repeat(closeDue(false), Schedule.spaced(Duration.millis(Math.max(10, windowMs / 4))))
      )
      yield* Effect.addFinalizer(() => closeDue(true))
      return {
        record: (denied: AuditRecord): Effect.Effect<void, AuditFailed> =>
          Effect.suspend(() => {
            const key = `${denied.client}\u0000${denied.operation}\u0000${denied.project}`
            const burst = open.get(key)
            if (burst !== undefined && Date.now() - burst.opened < windowMs) {
              burst.repeated++
              burst.last = denied
              return Effect.void
            }
            const previous = burst === undefined ? Effect.void : close(key)
            return Effect.zipRight(
              previous,
              Effect.zipRight(
                Effect.sync(() => open.set(key, { opened: Date.now(), last: denied, repeated: 0 })),
                audit.write(denied)
              )
            )
          })
      }
    })
  }
) {}
