import { makeReceiver, type ReceiverAnswer, type ReceiverOptions, tooLargeDrain } from "./Receiver.js"

const respond = (answer: ReceiverAnswer): Response =>
  new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { "content-type": "application/json", ...answer.headers }
  })

type Read = { readonly _tag: "Body"; readonly bytes: Uint8Array } | { readonly _tag: "TooLarge" }

/** Reads what is left of a too-large body and throws it away, within `tooLargeDrain`'s bounds, then cancels. */
const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeUp = new Promise<"time">((resolve) => {
    timer = setTimeout(() => resolve("time"), tooLargeDrain.maxMs)
  })
  try {
    for (let read = 0; read <= tooLargeDrain.maxBytes; ) {
      const next = await Promise.race([reader.read(), timeUp])
      if (next === "time" || next.done) break
      read += next.value.byteLength
    }
  } catch {
    // The client went away: nothing left to drain.
  } finally {
    clearTimeout(timer)
    await reader.cancel().catch(() => {})
  }
}

/** Reads a web stream up to `limit` bytes; past it, drains the rest (see `drain`) and says it was too large. */
const readLimited = async (body: ReadableStream<Uint8Array> | null, limit: number): Promise<Read> => {
  if (body === null) return { _tag: "Body", bytes: new Uint8Array(0) }
  const reader = body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await drain(reader)
      return { _tag: "TooLarge" }
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { _tag: "Body", bytes }
}

/**
 * A handler of web-standard `Request` → `Response`: Hono (`c.req.raw`), Next.js route handlers (`export const
 * POST = …`), Bun.serve, Deno, Cloudflare Workers (with `nodejs_compat`: verification uses node:crypto). Reads the
 * raw body itself (so pass the request before anything calls `.json()` on it), with a size limit; answers as the
 * Node handler does.
 *
 * ```ts
 * const receive = fetchWebhookHandler({ secret, onDelivery })
 * app.post("/webhooks/voucherify", (c) => receive(c.req.raw)) // Hono
 * ```
 */
export const fetchWebhookHandler = (options: ReceiverOptions) => {
  const receiver = makeReceiver(options)
  return async (request: Request): Promise<Response> => {
    if (request.method !== "POST") return respond(receiver.methodNotAllowed)
    if (request.bodyUsed) {
      return respond(
        receiver.bodyUnavailable(
          "the request body was read before the webhook handler (request.json()?): pass the request to it unread"
        )
      )
    }
    const declared = Number(request.headers.get("content-length"))
    if (Number.isFinite(declared) && declared > receiver.maxBodyBytes) {
      if (request.body !== null) await drain(request.body.getReader())
      return respond(receiver.tooLarge())
    }
    const body = await readLimited(request.body, receiver.maxBodyBytes)
    if (body._tag === "TooLarge") return respond(receiver.tooLarge())
    return respond(await receiver.receive(body.bytes, request.headers))
  }
}
