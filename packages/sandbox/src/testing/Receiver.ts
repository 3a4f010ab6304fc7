import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { DeliveryPayload } from "@voucherify-webhooks/core/Delivery"
import type { DeliveryError } from "@voucherify-webhooks/core/DeliveryError"
import { verifyDeliveryEither } from "@voucherify-webhooks/core/VerifyDelivery"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import { acquire } from "../Scoped.js"

/** One request the receiver got, as it came, and (with a secret) whether it is a delivery signed with it. */
export interface ReceivedRequest {
  /** Date.now() when its body had arrived. */
  readonly at: number
  readonly method: string
  /** Path and query, e.g. `/hooks?second`. */
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The body as UTF-8 text. */
  readonly body: string
  /** The body's exact bytes (what a signature covers). */
  readonly bytes: Buffer
  /** With a secret: the delivery, verified by core's verifyDelivery over the exact bytes received. */
  readonly delivery: DeliveryPayload | undefined
  /** With a secret: why the request is not a delivery signed with it (missing, malformed or wrong signature, bad body). */
  readonly rejection: DeliveryError | undefined
}

/**
 * What to answer a request: a status (body `ok`), a status with a body and headers, or `"hang"` to never answer
 * (a receiver slower than any timeout).
 */
export type Answer =
  | number
  | "hang"
  | { readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }

export interface ReceiverOptions {
  /** The project's webhook secret(s): each request is verified with them and `delivery`/`rejection` set. */
  readonly secret?: string | ReadonlyArray<string>
  /** Default: 200, or with a secret, the status a real receiver answers a rejection with (401/400). */
  readonly answer?: (request: ReceivedRequest) => Answer
  /** The path of `url`. Default `/hooks`. Requests to any path are recorded. */
  readonly path?: string
}

/** A webhook receiver listening on 127.0.0.1 (a real node:http server on a free port). */
export interface Receiver {
  /** e.g. `http://127.0.0.1:41234/hooks`: the target_url to give a webhook. */
  readonly url: string
  readonly port: number
  /** Every request so far, oldest first (the same array, growing). */
  readonly received: ReadonlyArray<ReceivedRequest>
  /** The verified deliveries so far (with a secret), oldest first. */
  readonly deliveries: () => ReadonlyArray<DeliveryPayload>
  /** The requests a secret refused so far. */
  readonly rejected: () => ReadonlyArray<ReceivedRequest>
}

const verify = (
  body: Uint8Array,
  headers: IncomingHttpHeaders,
  secret: ReceiverOptions["secret"]
): Pick<ReceivedRequest, "delivery" | "rejection"> => {
  if (secret === undefined) return { delivery: undefined, rejection: undefined }
  return Either.match(verifyDeliveryEither(body, headers, typeof secret === "string" ? secret : [...secret]), {
    onLeft: (rejection) => ({ delivery: undefined, rejection }),
    onRight: ({ delivery }) => ({ delivery, rejection: undefined })
  })
}

/** Listens on 127.0.0.1:0 for as long as the scope; closing it cuts the connections (hanging ones too). */
export const listenOnLoopback = (server: Server): Effect.Effect<number, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
    }),
    () =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** A receiver that lives as long as the scope. */
export const receiver = (options: ReceiverOptions = {}): Effect.Effect<Receiver, never, Scope.Scope> =>
  Effect.suspend(() => {
    const received: Array<ReceivedRequest> = []
    const answer = options.answer ?? ((r: ReceivedRequest) => r.rejection?.status ?? 200)
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const bytes = Buffer.concat(chunks)
        const request: ReceivedRequest = {
          at: Date.now(),
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: bytes.toString("utf8"),
          bytes,
          ...verify(bytes, req.headers, options.secret)
        }
        received.push(request)
        const answered = answer(request)
        if (answered === "hang") return
        const {
          status,
          body = "ok",
          headers = { "content-type": "text/plain" }
        } = typeof answered === "number" ? { status: answered } : answered
        res.writeHead(status, headers).end(body)
      })
    })
    return Effect.map(
      listenOnLoopback(server),
      (port): Receiver => ({
        url: `http://127.0.0.1:${port}${options.path ?? "/hooks"}`,
        port,
        received,
        deliveries: () => received.flatMap((r) => (r.delivery === undefined ? [] : [r.delivery])),
        rejected: () => received.filter((r) => r.rejection !== undefined)
      })
    )
  })

/** The receiver as a service, for `@effect/vitest`'s `layer(DeliveryReceiver.Default({ secret }))`. */
export class DeliveryReceiver extends Effect.Service<DeliveryReceiver>()(
  "@voucherify-webhooks/sandbox/DeliveryReceiver",
  {
    scoped: receiver
  }
) {}

/** {@link receiver} for plain async tests and scripts; `close()` (or `await using`) stops it. */
export const startReceiver = async (
  options: ReceiverOptions = {}
): Promise<Receiver & { readonly close: () => Promise<void>; readonly [Symbol.asyncDispose]: () => Promise<void> }> => {
  const { value, close } = await acquire(receiver(options))
  return { ...value, close, [Symbol.asyncDispose]: close }
}
