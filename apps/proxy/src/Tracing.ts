import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { version } from "@voucherify-webhooks/core/Version"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import type { TracingSettings } from "./TracingSettings.js"

/**
 * A span of a trace whose caller decided not to sample it (traceparent flags 00): it keeps the trace id, so what
 * goes upstream stays in that trace, still unsampled, and it is never exported.
 */
class UnsampledSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly sampled = false
  readonly traceId: string
  readonly spanId = randomHex(16)
  readonly attributes = new Map<string, unknown>()
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    readonly links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.traceId = Option.isSome(parent) ? parent.value.traceId : randomHex(32)
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute() {}
  event() {}
  addLinks() {}
}

const randomHex = (length: number) => {
  let s = ""
  for (let i = 0; i < length; i++) s += Math.floor(Math.random() * 16).toString(16)
  return s
}

/** Effect's OTLP tracer exports every span; this one honours a caller's "not sampled" (W3C parent-based sampling). */
const parentBased = (tracer: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) =>
      Option.isSome(parent) && !parent.value.sampled
        ? new UnsampledSpan(name, parent, context, links, startTime, kind)
        : tracer.span(name, parent, context, links, startTime, kind, options),
    context: (f, fiber) => tracer.context(f, fiber)
  })

/** The collector's client: its own fetch, bounded by the timeout, and one WARN a minute when exporting fails. */
const exporterClient = (s: Extract<TracingSettings, { enabled: true }>) => {
  let warnedAt = 0
  return Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      client.pipe(
        // A collector's refusal (4xx/5xx) is a failure here too, so it is warned about like an unreachable one.
        HttpClient.filterStatusOk,
        HttpClient.transform((response, request) =>
          response.pipe(
            Effect.timeoutFail({
              duration: Duration.millis(s.timeoutMs),
              onTimeout: () =>
                new HttpClientError.RequestError({
                  request,
                  reason: "Transport",
                  description: `no answer within ${s.timeoutMs} ms`
                })
            }),
            Effect.tapError((error) => {
              const now = Date.now()
              if (now - warnedAt < 60_000) return Effect.void
              warnedAt = now
              const why = error._tag === "ResponseError" ? `it answered ${error.response.status}` : error.reason
              return Effect.logWarning(
                `could not export spans to ${s.url} (${why}${error.description ? `: ${error.description}` : ""}); spans are dropped until it answers again`
              )
            })
          )
        )
      )
    )
  ).pipe(Layer.provide(FetchHttpClient.layer))
}

/**
 * The tracer for `settings`: off (tracer disabled) or OTLP/HTTP. Spans still buffered at shutdown are sent when
 * the layer is released, after the server has drained.
 */
export const layer = (s: TracingSettings): Layer.Layer<never> =>
  s.enabled
    ? Layer.unwrapScoped(
        Effect.map(
          OtlpTracer.make({
            url: s.url,
            resource: { serviceName: s.serviceName, serviceVersion: version },
            headers: Redacted.value(s.headers),
            exportInterval: Duration.millis(s.exportIntervalMs),
            maxBatchSize: s.maxBatchSize
          }),
          (tracer) => Layer.setTracer(parentBased(tracer))
        )
      ).pipe(
        Layer.provide(exporterClient(s)),
        Layer.provide(s.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf)
      )
    : Layer.setTracerEnabled(false)

/** The parent of a request's server span: the caller's span, from a well-formed traceparent. */
export const remoteParent = (context: {
  readonly traceId: string
  readonly parentId: string
  readonly sampled: boolean
}): Tracer.ExternalSpan =>
  Tracer.externalSpan({ traceId: context.traceId, spanId: context.parentId, sampled: context.sampled })
