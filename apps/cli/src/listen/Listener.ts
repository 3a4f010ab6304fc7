import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http"
import * as http from "node:http"
import { DeliveryPayload } from "@voucherify-webhooks/core/Delivery"
import { signatureHeader, verifySignature } from "@voucherify-webhooks/core/Signature"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { ListenError, UsageError } from "../CliErrors.js"
import { Output } from "../Output.js"

export interface ListenOptions {
  readonly port: number
  readonly host: string
  readonly secret: Redacted.Redacted<string>
  readonly forwardTo: Option.Option<string>
  /** Only these event types are shown and forwarded; empty means all. */
  readonly events: ReadonlyArray<string>
}

/** What to answer a delivery, decided from its bytes and headers alone. */
export type Verdict =
  | { readonly _tag: "Rejected"; readonly status: 401 | 400; readonly reason: string }
  | {
      readonly _tag: "Accepted"
      /** False when filtered out by --event: acknowledged, not shown, not forwarded. */
      readonly wanted: boolean
      readonly type: string
      readonly payload: unknown
      readonly delivery: Option.Option<DeliveryPayload>
    }

const decodeDelivery = Schema.decodeUnknownOption(DeliveryPayload)

/** Verifies the signature over the raw body (core's verifySignature), then reads the event type. */
export const judge = (
  rawBody: Uint8Array,
  headers: IncomingHttpHeaders,
  secret: Redacted.Redacted<string>,
  events: ReadonlyArray<string>
): Verdict => {
  const header = headers[signatureHeader]
  if (header === undefined || header === "") {
    return { _tag: "Rejected", status: 401, reason: `missing ${signatureHeader} header` }
  }
  if (!verifySignature(rawBody, header, secret)) {
    return {
      _tag: "Rejected",
      status: 401,
      reason: `${signatureHeader} does not match the body: wrong secret, or the body was altered on the way`
    }
  }
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(rawBody).toString("utf8"))
  } catch {
    return { _tag: "Rejected", status: 400, reason: "the body is signed but is not JSON" }
  }
  const delivery = decodeDelivery(payload)
  // A payload of a shape we do not know is still accepted: Voucherify evolves it, a receiver must not break.
  const type = Option.match(delivery, {
    onSome: (d) => d.type,
    onNone: () =>
      typeof payload === "object" && payload !== null && "type" in payload && typeof payload.type === "string"
        ? payload.type
        : "unknown"
  })
  return { _tag: "Accepted", wanted: events.length === 0 || events.includes(type), type, payload, delivery }
}

// Headers that describe one hop, not the delivery; fetch sets its own.
const hopHeaders = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "expect",
  "upgrade"
])

export const forwardHeaders = (headers: IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopHeaders.has(name)) continue
    out[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

const maxBody = 10 * 1024 * 1024

const readBody = (req: IncomingMessage) =>
  Effect.async<Buffer, string>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBody) {
        resume(Effect.fail("body larger than 10 MB"))
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on("end", () => resume(Effect.succeed(Buffer.concat(chunks))))
    req.on("error", (e) => resume(Effect.fail(e.message)))
  })

const forward = (url: string, body: Buffer, headers: IncomingHttpHeaders) =>
  Effect.tryPromise({
    try: (signal) =>
      fetch(url, {
        method: "POST",
        body,
        headers: forwardHeaders(headers),
        signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)])
      }).then(async (res) => {
        await res.arrayBuffer()
        return res.status
      }),
    catch: (e) => {
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e
      return cause instanceof Error ? ("code" in cause ? String(cause.code) : cause.message) : String(cause)
    }
  })

const send = (res: ServerResponse, status: number, body: object) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

const time = () => new Date().toISOString().slice(11, 19)

/** Handles one request: answers at once, then forwards and prints a line. */
const handle = (req: IncomingMessage, res: ServerResponse, options: ListenOptions) =>
  Effect.gen(function* () {
    const output = yield* Output
    if (req.method !== "POST") {
      res.setHeader("allow", "POST")
      return send(res, 405, { error: "deliveries are POSTed" })
    }
    const body = yield* Effect.either(readBody(req))
    if (body._tag === "Left") {
      send(res, 413, { error: body.left })
      return yield* output.warn(`rejected ${req.url}: ${body.left}`)
    }
    const verdict = judge(body.right, req.headers, options.secret, options.events)
    if (verdict._tag === "Rejected") {
      send(res, verdict.status, { error: verdict.reason })
      return yield* output.warn(`rejected delivery to ${req.url} (${verdict.status}): ${verdict.reason}`)
    }
    // Answer before forwarding: Voucherify gives a receiver 10 s, and the forward target may be slower.
    send(res, 200, { received: true })
    if (!verdict.wanted) return
    const forwarded = Option.isSome(options.forwardTo)
      ? Option.some(yield* Effect.either(forward(options.forwardTo.value, body.right, req.headers)))
      : Option.none()
    const delivery = Option.getOrUndefined(verdict.delivery)
    if (output.format === "json") {
      return yield* output.line(
        JSON.stringify({
          received_at: new Date().toISOString(),
          verified: true,
          type: verdict.type,
          payload: verdict.payload,
          ...Option.match(forwarded, {
            onNone: () => ({}),
            onSome: (f) => ({ forward: f._tag === "Right" ? { status: f.right } : { error: f.left } })
          })
        })
      )
    }
    const where = delivery ? ` ${delivery.id} project=${delivery.project_id} webhook=${delivery.source.id}` : ""
    const fwd = Option.match(forwarded, {
      onNone: () => "",
      onSome: (f) => (f._tag === "Right" ? ` → forwarded ${f.right}` : ` → forward failed: ${f.left}`)
    })
    yield* output.line(`${time()} ✓ ${verdict.type}${where}${fwd}`)
  })

/** Starts the receiver and runs until interrupted. */
export const listen = (options: ListenOptions) =>
  Effect.gen(function* () {
    const output = yield* Output
    const runtime = yield* Effect.runtime<Output>()
    const run = Runtime.runFork(runtime)
    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof http.createServer>, ListenError | UsageError>((resume) => {
        const server = http.createServer((req, res) => {
          run(handle(req, res, options))
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
      ...Option.match(options.forwardTo, { onNone: () => [], onSome: (u) => [`forwarding to ${u}`] }),
      "Ctrl-C to stop"
    ]
    yield* output.info(parts.join("; "))
    return yield* Effect.never
  }).pipe(Effect.scoped)
