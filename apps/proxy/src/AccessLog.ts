import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import { instance } from "./Instance.js"
import * as Logging from "./Logging.js"

/** What the access log says of one request: never a header, a body or a query string. */
export interface AccessRecord {
  readonly request_id: string
  readonly method: string
  readonly path: string
  readonly operation: string
  readonly status: number
  readonly duration_ms: number
  readonly client?: string
  /** Where the request came from (see `trustProxy`), when known. */
  readonly client_address?: string
  /** The W3C trace it belongs to, when it came with a traceparent or the proxy traces. */
  readonly trace_id?: string
  /** The fingerprint of the key the client used (see Keys.ts). */
  readonly key?: string
}

/**
 * One line per request, in the shape of the other log lines (`message`, `logLevel`, `timestamp`, `annotations`)
 * and at INFO, so `LOG_LEVEL` above info turns it off. Written straight to its sink rather than through
 * Effect's logger: annotating and routing one log event per request cost ~13 % of the proxy's CPU (profiled),
 * far more than the line itself. A Context.Tag with named implementations (`stdout`, or `make(sink)` for tests):
 * where the lines go is the caller's choice.
 */
export class AccessLog extends Context.Tag("@voucherify-webhooks/proxy/AccessLog")<
  AccessLog,
  { readonly write: (record: AccessRecord) => void }
>() {
  /** Renders a record as its log line. */
  static readonly line = (record: AccessRecord): string =>
    JSON.stringify({
      message: "request",
      logLevel: "INFO",
      timestamp: new Date().toISOString(),
      annotations: { ...record, instance: instance() }
    })

  /** Lines to `sink`, when the fiber's minimum log level lets INFO through (read once, when built). */
  static readonly make = (sink: (line: string) => void) =>
    Effect.map(FiberRef.get(FiberRef.currentMinimumLogLevel), (minimum) =>
      AccessLog.of({
        write: LogLevel.greaterThanEqual(LogLevel.Info, minimum) ? (record) => sink(AccessLog.line(record)) : () => {}
      })
    )

  /** The default: batched JSON lines on stdout, with the other logs. */
  static readonly stdout = AccessLog.make(Logging.writeLine)
}
