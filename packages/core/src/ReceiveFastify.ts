import type { IncomingMessage } from "node:http"
import { drainRequest } from "./ReceiveNode.js"
import { makeReceiver, type ReceiverAnswer, type ReceiverOptions } from "./Receiver.js"

/*
 * Fastify's types are not imported (core has no dependency on Fastify): these are the few members used, which
 * a real FastifyInstance, request and reply have.
 */

export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike
  headers(values: Record<string, string>): FastifyReplyLike
  send(payload: unknown): FastifyReplyLike
}

export interface FastifyRequestLike {
  readonly headers: { readonly [name: string]: string | ReadonlyArray<string> | undefined }
  readonly body: unknown
}

export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): unknown
  addContentTypeParser(
    contentType: string,
    options: { parseAs: "buffer" },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: unknown) => void) => void
  ): unknown
  setErrorHandler(
    handler: (
      error: { code?: string; statusCode?: number },
      request: { readonly raw: IncomingMessage },
      reply: FastifyReplyLike
    ) => unknown
  ): unknown
  post(
    path: string,
    options: { bodyLimit: number },
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>
  ): unknown
}

export interface FastifyWebhookOptions extends ReceiverOptions {
  /** The route, under the prefix the plugin is registered with. Default "/". */
  readonly path?: string
}

const reply = (to: FastifyReplyLike, answer: ReceiverAnswer) =>
  to
    .code(answer.status)
    .headers({ ...answer.headers })
    .send(answer.body)

/**
 * A Fastify plugin with one POST route that receives deliveries. Inside the plugin (Fastify encapsulates it)
 * every content type is read as a raw Buffer, so the signature is checked over the exact bytes; the rest of the
 * app keeps its JSON parsing. Answers as the Node handler does (200, 400/401 with the reason, 409, 413, 500).
 *
 * ```ts
 * await app.register(fastifyWebhookPlugin({ secret, path: "/webhooks/voucherify", onDelivery }))
 * ```
 */
export const fastifyWebhookPlugin = (options: FastifyWebhookOptions) => {
  const receiver = makeReceiver(options)
  return async (instance: FastifyInstanceLike): Promise<void> => {
    instance.removeAllContentTypeParsers()
    instance.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body))
    // Fastify's own 413 (FST_ERR_CTP_BODY_TOO_LARGE) in this receiver's words, once the rest of the body is read
    // (see tooLargeDrain); other errors as Fastify answers them.
    instance.setErrorHandler(async (error, request, to) => {
      if (error.code !== "FST_ERR_CTP_BODY_TOO_LARGE" && error.statusCode !== 413) throw error
      await drainRequest(request.raw)
      return reply(to, receiver.tooLarge())
    })
    instance.post(options.path ?? "/", { bodyLimit: receiver.maxBodyBytes }, async (request, to) => {
      const body = request.body
      if (typeof body === "string" || body instanceof Uint8Array) {
        return reply(to, await receiver.receive(body, request.headers))
      }
      if (body === undefined || body === null) return reply(to, await receiver.receive("", request.headers))
      // A parsed body (a parser outside this plugin ran): its compact form.
      return reply(to, await receiver.receive(JSON.stringify(body), request.headers, "reserialised"))
    })
  }
}
