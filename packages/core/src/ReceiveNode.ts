import type { IncomingMessage, ServerResponse } from "node:http"
import { makeReceiver, type ReceiverAnswer, type ReceiverOptions, tooLargeDrain } from "./Receiver.js"

/**
 * A request as Node's `http` gives it, and as Express gives it after whatever middleware ran: `body` is what a
 * body parser left (a Buffer from `express.raw()`, a string from `express.text()`, an object from
 * `express.json()`), `rawBody` what a `verify` hook kept.
 */
export type NodeRequest = IncomingMessage & { readonly body?: unknown; readonly rawBody?: unknown }

type Body =
  | { readonly _tag: "Body"; readonly bytes: string | Uint8Array; readonly origin: "raw" | "reserialised" }
  | { readonly _tag: "TooLarge" }

/** Reads the stream up to `limit` bytes; past it, stops keeping data and lets the rest drain. */
const readBody = (req: IncomingMessage, limit: number): Promise<Body> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"])
    if (Number.isFinite(declared) && declared > limit) {
      req.resume()
      return resolve({ _tag: "TooLarge" })
    }
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.off("data", onData)
        req.resume()
        resolve({ _tag: "TooLarge" })
        return
      }
      chunks.push(chunk)
    }
    req.on("data", onData)
    req.once("end", () => resolve({ _tag: "Body", bytes: Buffer.concat(chunks), origin: "raw" }))
    req.once("error", reject)
  })

/** Reads what is left of a too-large body and throws it away, within `tooLargeDrain`'s bounds. */
export const drainRequest = (req: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve()
    let read = 0
    const done = () => {
      clearTimeout(timer)
      req.off("data", onData)
      req.off("end", done)
      req.off("close", done)
      req.off("error", done)
      resolve()
    }
    const onData = (chunk: Buffer) => {
      read += chunk.length
      if (read > tooLargeDrain.maxBytes) done()
    }
    const timer = setTimeout(done, tooLargeDrain.maxMs)
    req.on("data", onData)
    req.once("end", done)
    req.once("close", done)
    req.once("error", done)
    req.resume()
  })

/**
 * The raw body, wherever middleware left it: a kept `rawBody`, a Buffer or string `body`, the unread stream, or
 * — after `express.json()` — the parsed object re-serialised compactly (what Voucherify signs; verification then
 * says `verifiedAs: "compact"` and `signedBody` is that form).
 */
const bodyOf = async (req: NodeRequest, limit: number): Promise<Body | { readonly _tag: "Unavailable" }> => {
  const kept = [req.rawBody, req.body].find((b) => typeof b === "string" || b instanceof Uint8Array) as
    | string
    | Uint8Array
    | undefined
  if (kept !== undefined) {
    return Buffer.byteLength(kept) > limit ? { _tag: "TooLarge" } : { _tag: "Body", bytes: kept, origin: "raw" }
  }
  if (!req.readableEnded) return readBody(req, limit)
  if (req.body !== undefined && req.body !== null && typeof req.body === "object") {
    const compact = JSON.stringify(req.body)
    return Buffer.byteLength(compact) > limit
      ? { _tag: "TooLarge" }
      : { _tag: "Body", bytes: compact, origin: "reserialised" }
  }
  return { _tag: "Unavailable" }
}

const send = (res: ServerResponse, answer: ReceiverAnswer) => {
  if (res.headersSent) return
  const body = JSON.stringify(answer.body)
  res.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...answer.headers
  })
  res.end(body)
}

/**
 * A handler for Node's `http.createServer`, and so for Express (`app.post(path, handler)`), Connect and
 * anything that passes Node's request and response. Takes care of the raw body (best mounted before any body
 * parser; after `express.json()` it still verifies, through the compact form), answers 200 once `onDelivery`
 * is done, 400/401 with the reason, 405 to anything but POST, 409 while a copy is being handled, 413 above
 * `maxBodyBytes`, 500 when `onDelivery` fails (so Voucherify retries).
 *
 * ```ts
 * http.createServer(nodeWebhookHandler({ secret, onDelivery: ({ delivery }) => queue.push(delivery) })).listen(3000)
 * ```
 */
export const nodeWebhookHandler = (options: ReceiverOptions) => {
  const receiver = makeReceiver(options)
  return (req: NodeRequest, res: ServerResponse): void => {
    if (req.method !== "POST") {
      req.resume()
      send(res, receiver.methodNotAllowed)
      return
    }
    bodyOf(req, receiver.maxBodyBytes)
      .then(async (body) => {
        if (body._tag === "TooLarge") {
          await drainRequest(req)
          return send(res, receiver.tooLarge())
        }
        if (body._tag === "Unavailable") {
          return send(
            res,
            receiver.bodyUnavailable(
              "the request body was read before the webhook handler and not kept: mount the handler before body parsers, or use express.raw()"
            )
          )
        }
        send(res, await receiver.receive(body.bytes, req.headers, body.origin))
      })
      // The client went away mid-body: nobody to answer.
      .catch(() => res.destroy())
  }
}
