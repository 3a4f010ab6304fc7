import { appendFile } from "node:fs/promises"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { instance } from "./Instance.js"
import { stdoutUnusable } from "./Logging.js"

/**
 * The audit record could not be written; the request must fail rather than go unrecorded. `phase` says which
 * record: only an "outcome" comes after the change went upstream.
 */
export class AuditFailed extends Schema.TaggedError<AuditFailed>()("AuditFailed", {
  message: Schema.String,
  phase: Schema.Literal("attempt", "outcome", "denied"),
  /** For an "outcome" after a change was applied: the webhook it concerns. */
  webhookId: Schema.optional(Schema.String)
}) {}

/**
 * One JSON line per event of a mutation. `phase: "attempt"` is written BEFORE forwarding (if it cannot be
 * written nothing is forwarded); `phase: "outcome"` after, with the status the client got. A refused mutation
 * (scope, policy) gets one `phase: "denied"` record; rate-limited ones are summarised (see RateLimitedTrail). Never a
 * credential or a full target URL (its path may be a secret): only the target's host.
 */
export interface AuditRecord {
  readonly time: string
  readonly request_id: string
  readonly client: string
  /** Where the request came from (see `trustProxy`), when known. */
  readonly client_address?: string
  /** Which of the client's keys made the request: its fingerprint (the start of its hash), never the key. */
  readonly key?: string
  readonly operation: "create" | "update" | "delete"
  readonly project: string
  readonly webhook_id?: string
  readonly target_host?: string
  readonly phase: "attempt" | "outcome" | "denied"
  readonly status?: number
  readonly outcome?: "ok" | "error"
  /** On a summary of rate-limited requests: how many more like this one were refused since it (up to `time`). */
  readonly repeated?: number
}

/**
 * Where audit records go. A Context.Tag with a `layer(path)` (a file, or "-" for stdout): the sink is the caller's
 * choice, and tests provide failing or recording ones.
 */
export class Audit extends Context.Tag("@voucherify-webhooks/proxy/Audit")<
  Audit,
  { readonly write: (record: AuditRecord) => Effect.Effect<void, AuditFailed> }
>() {
  /** Appends to `path` ("-" = stdout). Each line is written whole with O_APPEND, so concurrent writers do not interleave. */
  static readonly layer = (path: string) =>
    Layer.succeed(Audit, {
      write: (record) => {
        const line = `${JSON.stringify({ audit: true, ...record, instance: instance() })}\n`
        const failed = (message: string) => new AuditFailed({ message, phase: record.phase })
        return path === "-"
          ? // Confirmed by the write's own callback: a record on a closed stdout is a failure, not a silent loss.
            Effect.async<void, AuditFailed>((resume) => {
              const gone = stdoutUnusable()
              if (gone !== undefined) return resume(Effect.fail(failed(`stdout: ${gone}`)))
              try {
                process.stdout.write(line, (error) =>
                  resume(error ? Effect.fail(failed(`stdout: ${error.message}`)) : Effect.void)
                )
              } catch (e) {
                resume(Effect.fail(failed(`stdout: ${String(e)}`)))
              }
            })
          : Effect.tryPromise({
              try: () => appendFile(path, line, { encoding: "utf8", mode: 0o600 }),
              catch: (e) => failed(`${path}: ${e instanceof Error ? e.message : String(e)}`)
            })
      }
    })
}
