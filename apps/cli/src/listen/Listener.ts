import type { IncomingHttpHeaders, IncomingMessage } from "node:http"
import * as http from "node:http"
import { makeDeduplicator } from "@voucherify-webhooks/core/DeliveryDedupe"
import { deliveryKeyFields } from "@voucherify-webhooks/core/DeliverySummary"
import { nodeWebhookHandler } from "@voucherify-webhooks/core/ReceiveNode"
import { defaultMaxBodyBytes, type ReceiveProblem } from "@voucherify-webhooks/core/Receiver"
import { signatureHeader } from "@voucherify-webhooks/core/Signature"
import type { ParsedDelivery } from "@voucherify-webhooks/core/TypedDelivery"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import { ListenError, UsageError } from "../CliErrors.js"
import { type Answer, httpRequest, type RequestFailure } from "../HttpRequest.js"
import { keyFieldsText } from "../KeyFields.js"
import { Output } from "../Output.js"

// vwh listen on core's receiving side: core's Node adapter reads the body (413 above its limit), verifies the
// signature (401/400 with the reason) and answers 202 at once; core's DeliveryDedupe tells a replay from a first
// delivery. This file only decides what to print and what to forward.

export interface ListenOptions {
  readonly port: number
  readonly host: string
  readonly secret: Redacted.Redacted<string>
  readonly forwardTo: Option.Option<string>
  /** Only these event types are shown and forwarded; empty means all. */
  readonly events: ReadonlyArray<string>
  /** Print each verified delivery as JSON on stdout, and the lines for people on stderr. */
  readonly printJson: boolean
  /** Forward replays too (marked with {@link replayHeader}); by default a replay is shown, not forwarded. */
  readonly forwardReplays: boolean
}

/** Set on a replay forwarded with --forward-replays, so the app can tell it from the first delivery. */
export const replayHeader = "x-vwh-replay"

/** How long the app may take to answer a forward: what Voucherify gives a receiver. */
const forwardTimeoutMs = 10_000

// Headers that describe one hop, not the delivery (the forward sets its own length: it sends the signed bytes,
// which are not the raw ones when only the compact form verified).
const hopHeaders = new Set([
  "host",
  "connection",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "expect",
  "upgrade"
])

/** The delivery's headers as the app should get them: all but the hop's own. */
export const forwardHeaders = (headers: IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopHeaders.has(name)) continue
    out[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

type Forward =
  | { readonly _tag: "None" }
  | { readonly _tag: "Skipped" }
  | { readonly _tag: "Answered"; readonly answer: Answer }
  | { readonly _tag: "Failed"; readonly failure: RequestFailure }

const forwardOk = (f: Forward) => f._tag === "Answered" && f.answer.status >= 200 && f.answer.status < 300

/** What one verified delivery came to: shown as a line for people or a JSON record. */
interface Seen {
  readonly parsed: ParsedDelivery
  readonly path: string
  readonly receivedAt: Date
  /** The delivery id was handled before ("done") or is being handled now ("in-progress"). */
  readonly replay: false | "done" | "in-progress"
  readonly forward: Forward
}

const time = (d: Date) => d.toISOString().slice(11, 19)

const signedJson = (parsed: ParsedDelivery): unknown => JSON.parse(Buffer.from(parsed.signedBody).toString("utf8"))

const forwardText = (f: Forward, replay: Seen["replay"]): string => {
  switch (f._tag) {
    case "None":
      return ""
    case "Skipped":
      return replay === "in-progress"
        ? " → not forwarded: a copy is being forwarded now"
        : " → not forwarded: already forwarded (--forward-replays forwards replays)"
    case "Answered":
      return ` → forwarded: ${f.answer.status} in ${f.answer.ms} ms`
    case "Failed":
      return ` → forward failed: ${f.failure.message}`
  }
}

const forwardJson = (f: Forward, replay: Seen["replay"]) => {
  switch (f._tag) {
    case "None":
      return {}
    case "Skipped":
      return { forward: { skipped: replay === "in-progress" ? "in-progress" : "replay" } }
    case "Answered":
      return { forward: { status: f.answer.status, ms: f.answer.ms } }
    case "Failed":
      return { forward: { error: f.failure.message, code: f.failure.code } }
  }
}

class ForwardFailed {
  readonly _tag = "ForwardFailed"
}

/** Starts the receiver and runs until interrupted. */
export const listen = (options: ListenOptions) =>
  Effect.gen(function* () {
    const output = yield* Output
    const runPromise = Runtime.runPromise(yield* Effect.runtime<Output>())
    // Each delivery id once: a replay is shown as one and, unless --forward-replays, not forwarded again. A
    // forward that failed releases the id, so the same delivery sent again is forwarded.
    const dedupe = makeDeduplicator()

    const show = (seen: Seen) => {
      const { delivery, verifiedAs, mismatches } = seen.parsed
      if (output.format === "json") {
        return output.line(
          JSON.stringify({
            received_at: seen.receivedAt.toISOString(),
            path: seen.path,
            type: delivery.type,
            id: delivery.id,
            verified: true,
            verified_as: verifiedAs,
            replay: seen.replay !== false,
            fields: Object.fromEntries(deliveryKeyFields(delivery)),
            ...(mismatches.length > 0 ? { mismatches } : {}),
            delivery: signedJson(seen.parsed),
            ...forwardJson(seen.forward, seen.replay)
          })
        )
      }
      const mark = seen.replay === false ? "✓" : "↻ replay of"
      const fields = keyFieldsText(delivery)
      const text = `${time(seen.receivedAt)} ${mark} ${delivery.type} ${delivery.id}${fields === "" ? "" : ` ${fields}`}`
      const line = `${text}${forwardText(seen.forward, seen.replay)}`
      // With --print-json stdout holds the deliveries alone; the lines for people go to stderr.
      if (options.printJson) return output.info(line)
      const failed = seen.forward._tag === "Failed" || (seen.forward._tag === "Answered" && !forwardOk(seen.forward))
      return output.line(line, failed ? "red" : seen.replay === false ? undefined : "yellow")
    }

    const forward = (parsed: ParsedDelivery, req: IncomingMessage, extra: Record<string, string> = {}) =>
      Option.match(options.forwardTo, {
        onNone: () => Effect.succeed<Forward>({ _tag: "None" }),
        onSome: (url) =>
          httpRequest({
            method: "POST",
            url,
            body: parsed.signedBody,
            headers: { ...forwardHeaders(req.headers), ...extra },
            timeoutMs: forwardTimeoutMs
          }).pipe(
            Effect.match({
              onSuccess: (answer): Forward => ({ _tag: "Answered", answer }),
              onFailure: (failure): Forward => ({ _tag: "Failed", failure })
            })
          )
      })

    const first = (parsed: ParsedDelivery, req: IncomingMessage, receivedAt: Date) =>
      Effect.gen(function* () {
        if (options.printJson) yield* output.line(JSON.stringify(signedJson(parsed)))
        if (parsed.verifiedAs === "compact") {
          yield* output.warn(
            `delivery ${parsed.delivery.id} verified only in its compact JSON form: the body was re-formatted on the way (or altered); the signed bytes are used${Option.isSome(options.forwardTo) ? " and forwarded" : ""}, not the raw ones`
          )
        }
        const result = yield* forward(parsed, req)
        yield* show({ parsed, path: req.url ?? "/", receivedAt, replay: false, forward: result })
        // Not handled: forget the id, so that the same delivery sent again is forwarded again.
        if (result._tag !== "None" && !forwardOk(result)) return yield* Effect.fail(new ForwardFailed())
      })

    const replay = (parsed: ParsedDelivery, req: IncomingMessage, receivedAt: Date, state: "done" | "in-progress") =>
      Effect.gen(function* () {
        const result =
          options.forwardReplays && state === "done"
            ? yield* forward(parsed, req, { [replayHeader]: "true" })
            : Option.isSome(options.forwardTo)
              ? ({ _tag: "Skipped" } as const)
              : ({ _tag: "None" } as const)
        yield* show({ parsed, path: req.url ?? "/", receivedAt, replay: state, forward: result })
      })

    const onDelivery = (parsed: ParsedDelivery, req: IncomingMessage) =>
      Effect.gen(function* () {
        const { type, id } = parsed.delivery
        if (options.events.length > 0 && !options.events.includes(type)) return
        const receivedAt = new Date()
        const outcome = yield* dedupe.once(id, first(parsed, req, receivedAt))
        if (outcome._tag === "Duplicate") yield* replay(parsed, req, receivedAt, "done")
        if (outcome._tag === "InProgress") yield* replay(parsed, req, receivedAt, "in-progress")
      }).pipe(Effect.catchAll(() => Effect.void))

    const onProblem = (problem: ReceiveProblem, req: IncomingMessage) => {
      const where = `${req.method} ${req.url ?? "/"}`
      switch (problem._tag) {
        case "Rejected":
          return output.warn(
            `rejected ${where} (${problem.error.status} ${problem.error.reason}): ${problem.error.message}`
          )
        case "TooLarge":
          return output.warn(`rejected ${where} (413): the body is over ${problem.limit} bytes`)
        case "HandlerFailed":
          return output.warn(`handling ${problem.type} ${problem.deliveryId} failed: ${String(problem.cause)}`)
        case "StoreFailed":
          return output.warn(problem.error.message)
        case "BodyUnavailable":
          return output.warn(problem.message)
      }
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server, ListenError | UsageError>((resume) => {
        const server = http.createServer((req, res) => {
          // One receiver per request, so that what it reports is told with this request's path.
          nodeWebhookHandler({
            secret: options.secret,
            dedupe: false,
            // Answered 202 as soon as the signature verifies: the app forwarded to may be slower than the 10 s
            // Voucherify waits, and a slow app must not make Voucherify retry.
            acknowledge: "on-receipt",
            maxBodyBytes: defaultMaxBodyBytes,
            onDelivery: (parsed) => runPromise(onDelivery(parsed, req)),
            onError: (problem) => void runPromise(onProblem(problem, req))
          })(req, res)
        })
        server.once("error", (e: NodeJS.ErrnoException) =>
          resume(
            Effect.fail(
              // A taken port is a bad --port, like any other bad flag (exit 2).
              e.code === "EADDRINUSE"
                ? new UsageError({
                    message: `port ${options.port} on ${options.host} is in use; pick another with --port (0 picks a free one)`
                  })
                : new ListenError({ message: `cannot listen on ${options.host}:${options.port}: ${e.message}` })
            )
          )
        )
        server.listen(options.port, options.host, () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : options.port
    const parts = [
      `vwh listen: listening on http://${options.host}:${port}/ (POST, any path)`,
      `verifying ${signatureHeader}`,
      ...(options.events.length > 0 ? [`only ${options.events.join(", ")}`] : []),
      ...Option.match(options.forwardTo, {
        onNone: () => [],
        onSome: (u) => [`forwarding to ${u}${options.forwardReplays ? ", replays too" : ""}`]
      }),
      "Ctrl-C to stop"
    ]
    yield* output.info(parts.join("; "))
    return yield* Effect.never
  }).pipe(Effect.scoped)
