import * as Data from "effect/Data"

/**
 * Why a span ended failed when no failure of the effect says it: an error status answered (the platform turned the
 * failure into a response), a transport error described. Its message is what an OTLP exporter records as the span's
 * status; tagged, so it never merges with other errors in a failure channel.
 */
export class SpanError extends Data.TaggedError("SpanError")<{ readonly message: string }> {}
