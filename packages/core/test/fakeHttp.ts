import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as WebhooksConfig from "../src/Config.js"
import { Webhooks } from "../src/Webhooks.js"

/** What the fake server saw. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

export type Reply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly transport: string }
  | "hang"

const bodyOf = (request: HttpClientRequest.HttpClientRequest): unknown =>
  request.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(request.body.body)) : undefined

/**
 * A scripted HTTP layer: each request takes the next reply (the last one repeats). Good for error mapping and
 * retry rules; real-HTTP behaviour is covered against the sandbox.
 */
export const fakeHttp = (replies: ReadonlyArray<Reply>) => {
  const seen: Array<Seen> = []
  const client = HttpClient.make((request, url) =>
    Effect.suspend(() => {
      seen.push({ method: request.method, url: url.href, headers: request.headers, body: bodyOf(request) })
      const reply = replies[Math.min(seen.length - 1, replies.length - 1)]!
      if (reply === "hang") return Effect.never
      if ("transport" in reply) {
        return Effect.fail(
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            cause: new TypeError("fetch failed", {
              cause: Object.assign(new Error(`connect ${reply.transport}`), { code: reply.transport })
            })
          })
        )
      }
      const body =
        reply.body === undefined ? null : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)
      return Effect.succeed(
        HttpClientResponse.fromWeb(request, new Response(body, { status: reply.status, headers: reply.headers ?? {} }))
      )
    })
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

export const credentials = { managementId: "mgmt-id", managementToken: Redacted.make("mgmt-secret-token") }

/** The Webhooks service over a scripted HTTP layer. */
export const webhooksWith = (
  replies: ReadonlyArray<Reply>,
  config: Partial<WebhooksConfig.WebhooksConfigShape> = {}
) => {
  const http = fakeHttp(replies)
  const layer = Webhooks.Default.pipe(
    Layer.provide(http.layer),
    Layer.provide(
      WebhooksConfig.layer({
        baseUrl: "https://api.example.test/",
        credentials: Option.some(credentials),
        timeout: Duration.seconds(5),
        ...config
      })
    )
  )
  return { seen: http.seen, layer }
}

export const webhookJson = (over: Record<string, unknown> = {}) => ({
  id: "wh_ekFHVL6lqC4lDuIFxpETSGa3",
  object: "webhook",
  created_at: "2024-04-30T08:13:55.789Z",
  target_url: "https://example.com/hook",
  events: ["redemption.succeeded"],
  active: true,
  ...over
})
