import { randomBytes } from "node:crypto"
import type * as Headers from "@effect/platform/Headers"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import { type ApiError, type ApiServiceUnavailable, boomBody, internalError, invalidPayload } from "./ApiErrors.js"
import { currentRequestId, wellFormedRequestId } from "./Correlation.js"
import { maxIdLength } from "./Ids.js"
import { methodsAt } from "./Routes.js"
import { clipMessage, describeIssues } from "./Validation.js"

/** Voucherify's documented body limit (10 MB). */
export const maxBodyBytes = 10_485_760

/** The request id of the request being served: set by {@link withRequestId}, echoed in every error body. */
export { currentRequestId } from "./Correlation.js"

// A random per-process prefix and a counter: unique, unguessable enough for log correlation, and cheap — one
// randomBytes call per request was 12% of the sandbox's CPU under load (profiled).
const requestIdPrefix = randomBytes(4).toString("hex")
let requestIdCounter = 0
/** A request id in Voucherify's style: `v-` and 18 hex digits. */
export const newRequestId = (): string => {
  requestIdCounter = (requestIdCounter + 1) % 0x10000000000
  return `v-${requestIdPrefix}${requestIdCounter.toString(16).padStart(10, "0")}`
}

/**
 * The deepest JSON nesting a request body may have: webhook bodies need 2 levels. Deeper bodies are refused before
 * they are decoded — printing a value thousands of levels deep in an error message overflowed the stack (a 500).
 */
export const maxJsonDepth = 32

/** True when `text`, read as JSON, nests arrays and objects deeper than `max`: one pass, no parsing. */
export const jsonDeeperThan = (text: string, max: number): boolean => {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) {
      // A string: jump to the quote that closes it (one not escaped by an odd run of backslashes).
      let end = i
      for (;;) {
        end = text.indexOf('"', end + 1)
        if (end === -1) return false
        let backslashes = 0
        while (text.charCodeAt(end - 1 - backslashes) === 92) backslashes++
        if (backslashes % 2 === 0) break
      }
      i = end
    } else if (c === 91 || c === 123) {
      if (++depth > max) return true
    } else if (c === 93 || c === 125) depth--
  }
  return false
}

/**
 * Lets path parameters through the router up to this length, so that core's id rules (at most
 * {@link maxIdLength} characters) decide with a 400 naming the id, rather than the router's own limit (100) giving
 * a misleading 405. Provide it to a server built with HttpApiBuilder (the sandbox and the proxy do).
 */
export const routerConfig = HttpRouter.setRouterConfig({ maxParamLength: 8 * maxIdLength })

/**
 * An error as a response, for code that answers outside HttpApi's encoding (this middleware, the sandbox's
 * gate): the body HttpApi would send for it.
 */
export const errorResponse = (error: ApiError | ApiServiceUnavailable): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson({ ...error }, { status: error.code })

/** A `{statusCode, error, message}` body (Voucherify's framework-level errors) as a response. */
export const boomResponse = (status: number, error: string, message: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(boomBody(status, error, message), { status })

const tooLarge = (limit: number) =>
  boomResponse(413, "Request Entity Too Large", `Payload content length greater than maximum allowed: ${limit}`)

/**
 * Framework failures in Voucherify's shapes, for any server implementing `WebhooksApi`: malformed JSON →
 * 400 `{statusCode,error,message}`; a payload or path that fails the schema → 400 `invalid_payload` naming each
 * field; a body over the limit → 413; unknown route → 404; known path, wrong method → 405 with `Allow`. Install
 * with `HttpApiBuilder.middleware`: it runs before HttpApi encodes errors, so it sees them raw.
 */
export const voucherifyErrors =
  (options: { readonly maxBodyBytes?: number; readonly bodyTimeoutMs?: number } = {}) =>
  (app: HttpApp.Default): HttpApp.Default => {
    const limit = options.maxBodyBytes ?? maxBodyBytes
    const invalid = (details: string) =>
      Effect.map(FiberRef.get(currentRequestId), (request_id) => errorResponse(invalidPayload(details, request_id)))
    // Middleware runs uninterruptibly (HttpApp.toHandled; only routes opt out) and the platform reads a body
    // uninterruptibly (it caches it), so a body that stops arriving is raced in an interruptible region and left
    // behind, not interrupted: the 408 goes out, and the read ends when the connection closes.
    const readBody = (request: HttpServerRequest.HttpServerRequest) => {
      const read = Effect.orDie(request.text)
      return options.bodyTimeoutMs === undefined
        ? Effect.asSome(read)
        : Effect.interruptible(Effect.timeoutOption(Effect.disconnect(read), options.bodyTimeoutMs))
    }
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const headers = request.headers
      // Decide 413 from Content-Length before reading: no need to read what is refused anyway.
      return Number(headers["content-length"] ?? 0) > limit
        ? Effect.succeed(tooLarge(limit))
        : Effect.gen(function* () {
            if (sendsBody(request.method, headers)) {
              // Voucherify's API takes JSON only; other types would be decoded by other means (files, streams).
              if (!readsJson(headers)) return unsupportedType
              // The text is cached: the payload decoder reads the same string, once. Read errors die as in
              // HttpApi (413, 400 below).
              const text = yield* readBody(request)
              if (Option.isNone(text)) return bodyTimeout(options.bodyTimeoutMs!)
              if (jsonDeeperThan(text.value, maxJsonDepth)) {
                return yield* invalid(
                  `body: JSON nested deeper than ${maxJsonDepth} levels; a webhook body needs 2 (target_url, events, active)`
                )
              }
            }
            return yield* app
          }).pipe(HttpServerRequest.withMaxBodySize(Option.some(limit)))
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.gen(function* () {
          const failure = Cause.failureOption(cause)
          if (Option.isSome(failure)) {
            const error: unknown = failure.value
            if (error instanceof HttpApiError.HttpApiDecodeError) {
              return yield* invalid(
                describeIssues(
                  error.issues.map((i) => ({
                    path: i.path.length > 0 ? i.path.join(".") : "body",
                    message: clipMessage(i.message)
                  }))
                )
              )
            }
            if (HttpServerError.isServerError(error) && error._tag === "RouteNotFound") {
              // Not `new URL(url, base)`: a path such as "//" parses as a host and throws.
              const path = error.request.url.split("?", 1)[0] ?? ""
              const allowed = methodsAt(path)
              // An API path and method the router still did not take: a segment it cannot decode.
              if (allowed.includes(error.request.method)) {
                return yield* invalid(
                  `path: ${malformedSegment(path) ?? "a segment"} is not valid percent-encoding; encode "%" as %25`
                )
              }
              return allowed.length > 0
                ? boomResponse(
                    405,
                    "Method Not Allowed",
                    `${error.request.method} is not supported by this endpoint`
                  ).pipe(HttpServerResponse.setHeader("allow", allowed.join(", ")))
                : boomResponse(404, "Not Found", "Not Found")
            }
          }
          const defect = Cause.dieOption(cause)
          if (
            Option.isSome(defect) &&
            HttpServerError.isServerError(defect.value) &&
            defect.value._tag === "RequestError"
          ) {
            const inner = defect.value.cause
            return inner instanceof Error && inner.message === "maxBytes exceeded"
              ? tooLarge(limit)
              : boomResponse(400, "Bad Request", "Invalid request payload JSON format")
          }
          if (Option.isSome(defect)) {
            // A bug, not the client's fault: a 500 in Voucherify's shape with the request id, and one log line an
            // operator can find by that id (the bare platform answered an empty 500 and logged nothing).
            const request_id = yield* FiberRef.get(currentRequestId)
            const error = defect.value
            yield* Effect.logError("unexpected failure while serving a request").pipe(
              Effect.annotateLogs({
                request_id,
                error: clipMessage(error instanceof Error ? `${error.name}: ${error.message}` : String(error))
              })
            )
            return errorResponse(internalError({ request_id }))
          }
          return yield* Effect.failCause(cause)
        })
      )
    )
  }

// Methods whose body HttpApi decodes; a GET's body is never read.
const bodyMethods = new Set(["POST", "PUT", "PATCH", "DELETE"])

// (Headers are passed in: the platform builds a new record on every `request.headers`.)
const sendsBody = (method: string, headers: Headers.Headers): boolean =>
  bodyMethods.has(method) && (headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? 0) > 0)

// HttpApi decodes a body as JSON when it is sent with no content type or a JSON one.
const readsJson = (headers: Headers.Headers): boolean => {
  const type = headers["content-type"]
  return type === undefined || type.toLowerCase().includes("application/json")
}

const unsupportedType = boomResponse(415, "Unsupported Media Type", "Send the request body as application/json")

/** The client stopped sending its body: say so, and close the connection (what is left is not worth waiting for). */
export const bodyTimeout = (ms: number) =>
  boomResponse(408, "Request Timeout", `the request body did not arrive within ${ms} ms`).pipe(
    HttpServerResponse.setHeader("connection", "close")
  )

/** The first path segment that is not valid percent-encoding, quoted and clipped, or undefined. */
const malformedSegment = (path: string): string | undefined => {
  for (const segment of path.split("/")) {
    try {
      decodeURIComponent(segment)
    } catch {
      return JSON.stringify(clipMessage(segment, 40))
    }
  }
  return undefined
}

/**
 * Gives each request a Voucherify-style request id (in {@link currentRequestId}) and echoes it in
 * `x-request-id`; with `incoming`, a well-formed id the client sent (core's wellFormedRequestId) is used instead,
 * so its logs and ours share it. `onResponse` sees every response on its way out, errors included, already
 * carrying the id: the one place for per-response headers, metrics or an access log (one pre-response handler).
 */
export const withRequestId = (
  app: HttpApp.Default,
  onResponse?: (
    requestId: string,
    request: HttpServerRequest.HttpServerRequest,
    response: HttpServerResponse.HttpServerResponse
  ) => HttpServerResponse.HttpServerResponse,
  incoming?: string
): HttpApp.Default =>
  Effect.suspend(() => {
    const id = wellFormedRequestId(incoming) ?? newRequestId()
    return HttpApp.appendPreResponseHandler((request, response) => {
      const tagged = HttpServerResponse.setHeader(response, "x-request-id", id)
      return Effect.succeed(onResponse ? onResponse(id, request, tagged) : tagged)
    }).pipe(Effect.zipRight(Effect.locally(app, currentRequestId, id)))
  })
