import { endpointOf, isRouteName, templateOf } from "@voucherify-webhooks/core/Routes"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

// Operation names come from core's route table, so labels stay a small fixed set (no path cardinality blow-up).

/** The path template of an API operation (`/management/v1/projects/{projectId}/webhooks`), else undefined. */
export const routeOf = (operation: string): string | undefined =>
  isRouteName(operation) ? templateOf(operation) : undefined
const plain = new Set(["/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"])

/** The metric label for a request: an API operation, an operations endpoint, or "other". */
export const operationOf = (method: string, url: string): string => {
  const path = url.split("?", 1)[0] ?? ""
  return endpointOf(method, path) ?? (plain.has(path) ? path.slice(1) : "other")
}

const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

interface Histogram {
  readonly counts: Array<number>
  sum: number
  count: number
}

/**
 * Counters and a histogram, rendered as Prometheus text. Plain numbers: cheap on the hot path. A Context.Tag, not an
 * Effect.Service: the server makes one registry (`Metrics.make`) and provides that same value to its own layers and
 * to the upstream client's, so there is no default to build per layer.
 */
export class Metrics extends Context.Tag("@voucherify-webhooks/proxy/Metrics")<
  Metrics,
  {
    readonly request: (operation: string, status: number) => void
    readonly upstream: (operation: string, outcome: string, seconds: number) => void
    /** A config reload: "ok" (applied), "invalid" (refused, the old config stays) or "unchanged". */
    readonly reload: (result: "ok" | "invalid" | "unchanged") => void
    /** The upstream refused the proxy's own credentials (401, 402, 403). */
    readonly rejected: (status: number) => void
    readonly render: () => string
  }
>() {
  static readonly make = (): Context.Tag.Service<Metrics> => {
    const requests = new Map<string, number>()
    const upstreamCalls = new Map<string, number>()
    const latency = new Map<string, Histogram>()
    const reloads = new Map<string, number>([
      ['result="ok"', 0],
      ['result="invalid"', 0],
      ['result="unchanged"', 0]
    ])
    let lastReloadOk = 1
    const rejections = new Map<string, number>()
    const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)
    return {
      request: (operation, status) => bump(requests, `operation="${operation}",status="${status}"`),
      upstream: (operation, outcome, seconds) => {
        bump(upstreamCalls, `operation="${operation}",outcome="${outcome}"`)
        let h = latency.get(operation)
        if (h === undefined) {
          h = { counts: buckets.map(() => 0), sum: 0, count: 0 }
          latency.set(operation, h)
        }
        for (const [i, le] of buckets.entries()) if (seconds <= le) h.counts[i]!++
        h.sum += seconds
        h.count++
      },
      reload: (result) => {
        bump(reloads, `result="${result}"`)
        // "unchanged" means the file is the config in effect: valid, whatever was refused before.
        lastReloadOk = result === "invalid" ? 0 : 1
      },
      rejected: (status) => bump(rejections, `status="${status}"`),
      render: () => {
        const lines: Array<string> = [
          "# HELP vwh_proxy_requests_total Requests served, by operation and HTTP status.",
          "# TYPE vwh_proxy_requests_total counter"
        ]
        for (const [labels, n] of requests) lines.push(`vwh_proxy_requests_total{${labels}} ${n}`)
        lines.push(
          "# HELP vwh_proxy_upstream_requests_total Calls forwarded upstream, by operation and outcome.",
          "# TYPE vwh_proxy_upstream_requests_total counter"
        )
        for (const [labels, n] of upstreamCalls) lines.push(`vwh_proxy_upstream_requests_total{${labels}} ${n}`)
        lines.push(
          "# HELP vwh_proxy_upstream_duration_seconds Upstream call latency (retries included), by operation.",
          "# TYPE vwh_proxy_upstream_duration_seconds histogram"
        )
        for (const [op, h] of latency) {
          for (const [i, le] of buckets.entries()) {
            lines.push(`vwh_proxy_upstream_duration_seconds_bucket{operation="${op}",le="${le}"} ${h.counts[i]}`)
          }
          lines.push(`vwh_proxy_upstream_duration_seconds_bucket{operation="${op}",le="+Inf"} ${h.count}`)
          lines.push(`vwh_proxy_upstream_duration_seconds_sum{operation="${op}"} ${h.sum}`)
          lines.push(`vwh_proxy_upstream_duration_seconds_count{operation="${op}"} ${h.count}`)
        }
        lines.push(
          "# HELP vwh_proxy_config_reloads_total Config reloads (SIGHUP or a change of the file), by result.",
          "# TYPE vwh_proxy_config_reloads_total counter"
        )
        for (const [labels, n] of reloads) lines.push(`vwh_proxy_config_reloads_total{${labels}} ${n}`)
        lines.push(
          "# HELP vwh_proxy_config_last_reload_successful 1 when the file read last is the config in effect (or no reload was tried), 0 when it was refused.",
          "# TYPE vwh_proxy_config_last_reload_successful gauge",
          `vwh_proxy_config_last_reload_successful ${lastReloadOk}`
        )
        lines.push(
          "# HELP vwh_proxy_upstream_credentials_rejected_total Upstream answers refusing the proxy's own credentials, by status (401, 402, 403).",
          "# TYPE vwh_proxy_upstream_credentials_rejected_total counter"
        )
        for (const [labels, n] of rejections)
          lines.push(`vwh_proxy_upstream_credentials_rejected_total{${labels}} ${n}`)
        const mem = process.memoryUsage()
        lines.push(
          "# HELP process_resident_memory_bytes Resident memory size in bytes.",
          "# TYPE process_resident_memory_bytes gauge",
          `process_resident_memory_bytes ${mem.rss}`,
          "# HELP nodejs_heap_used_bytes V8 heap in use.",
          "# TYPE nodejs_heap_used_bytes gauge",
          `nodejs_heap_used_bytes ${mem.heapUsed}`
        )
        return `${lines.join("\n")}\n`
      }
    }
  }
}

/** Times an upstream call and records its outcome by `_tag` in `metrics` (given, not looked up: per call, cheap). */
export const timeUpstream = <A, E extends { readonly _tag: string }, R>(
  metrics: Metrics["Type"],
  operation: string,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    return effect.pipe(
      Effect.tapBoth({
        onSuccess: () => Effect.sync(() => metrics.upstream(operation, "ok", (performance.now() - start) / 1000)),
        onFailure: (e) => Effect.sync(() => metrics.upstream(operation, e._tag, (performance.now() - start) / 1000))
      })
    )
  })
