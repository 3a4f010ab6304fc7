import { createHash } from "node:crypto"
import { promisify } from "node:util"
import { brotliCompress, constants, gzip } from "node:zlib"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { boomResponse } from "@voucherify-webhooks/core/ServerErrors"
import * as Effect from "effect/Effect"

/**
 * How many full copies of the docs page the proxy sends per second, over all clients, after a burst: the page is
 * ~1.9 MB (~425 KB compressed) and anyone may ask for it, so a flood of downloads must not take the CPU the API
 * needs. Revalidations (304) cost nothing and are not counted; browsers cache the page for an hour.
 */
export const docsPerSecond = 5
export const docsBurst = 20

interface Cached {
  readonly etag: string
  readonly identity: Uint8Array
  readonly gzip?: Uint8Array
  readonly br?: Uint8Array
}

const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

/** Which of the cached encodings the client accepts, best first; identity when it accepts none. */
const pick = (accept: string, cached: Cached): { readonly body: Uint8Array; readonly encoding?: string } => {
  const accepts = (name: string) => new RegExp(`(^|[\\s,])${name}(?!;q=0(\\.0*)?(\\s*,|$))`, "i").test(accept)
  if (cached.br !== undefined && accepts("br")) return { body: cached.br, encoding: "br" }
  if (cached.gzip !== undefined && accepts("gzip")) return { body: cached.gzip, encoding: "gzip" }
  return { body: cached.identity }
}

/**
 * Serves the page at `path` (the Swagger UI) compressed (br, gzip), with an ETag and a one-hour Cache-Control, and
 * answers If-None-Match with 304. The page is taken once from the app; compressing runs off the event loop (zlib's
 * thread pool), and until it is done the page goes out uncompressed. Full copies beyond {@link docsPerSecond} get
 * 503 with Retry-After.
 */
export const docsCache = (path: string) => {
  let cached: Cached | undefined
  let tokens = docsBurst
  let refilled = Date.now()
  const take = () => {
    const now = Date.now()
    tokens = Math.min(docsBurst, tokens + ((now - refilled) / 1000) * docsPerSecond)
    refilled = now
    if (tokens < 1) return false
    tokens -= 1
    return true
  }
  const busy = boomResponse(
    503,
    "Service Unavailable",
    "The docs page is being downloaded too often; retry in a second"
  ).pipe(HttpServerResponse.setHeader("retry-after", "1"))
  const serve = (request: HttpServerRequest.HttpServerRequest, page: Cached) => {
    const headers = { etag: page.etag, vary: "accept-encoding", "cache-control": "public, max-age=3600" }
    const inm = request.headers["if-none-match"]
    if (inm?.split(",").some((t) => t.trim().replace(/^W\//, "") === page.etag)) {
      return HttpServerResponse.empty({ status: 304, headers })
    }
    if (!take()) return busy
    const chosen = pick(request.headers["accept-encoding"] ?? "", page)
    return HttpServerResponse.uint8Array(chosen.body, {
      contentType: "text/html; charset=utf-8",
      headers: chosen.encoding === undefined ? headers : { ...headers, "content-encoding": chosen.encoding }
    })
  }
  return (app: HttpApp.Default): HttpApp.Default =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      if (request.method !== "GET" || request.url.split("?", 1)[0] !== path) return app
      if (cached !== undefined) return Effect.succeed(serve(request, cached))
      return Effect.map(app, (response) => {
        if (response.status !== 200 || response.body._tag !== "Uint8Array" || cached !== undefined) return response
        const identity = response.body.body
        const page: Cached = { etag: `"${createHash("sha256").update(identity).digest("hex").slice(0, 32)}"`, identity }
        cached = page
        void Promise.all([
          gzipAsync(identity, { level: 9 }),
          brotliAsync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } })
        ]).then(
          ([gz, br]) => {
            cached = { ...page, gzip: gz, br }
          },
          () => {}
        )
        return serve(request, page)
      })
    })
}
