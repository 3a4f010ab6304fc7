import * as http from "node:http"
import * as https from "node:https"
import * as Effect from "effect/Effect"

// One POST of exact bytes to a receiver (`vwh trigger --to`, `vwh listen --forward-to`). node:http rather than
// fetch: fetch refuses the "bad ports" (6000, 6665–6669, …) a local app may well use, and sets its own headers.

export interface PostAnswer {
  readonly status: number
  /** The start of the answer's body as text (at most {@link keptAnswerBytes} bytes). */
  readonly body: string
  readonly ms: number
}

/** Why no answer came: `code` is the system's (ECONNREFUSED, …) or ours (TIMEOUT, BAD_URL). */
export interface PostFailure {
  readonly code: string
  readonly message: string
  readonly ms: number
}

export const keptAnswerBytes = 4096

const reasons: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused: nothing listens there",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved now",
  ECONNRESET: "the connection was reset before an answer",
  EPIPE: "the connection was closed while sending",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable"
}

/** What a failure says for people: the reason in words, with the system's code. */
const describe = (error: NodeJS.ErrnoException): { code: string; message: string } => {
  const code = error.code ?? "ERROR"
  const known = reasons[code]
  return { code, message: known === undefined ? `${error.message} (${code})` : `${known} (${code})` }
}

/** POSTs `body` as is; any status is an answer, no answer within `timeoutMs` (or a transport error) a failure. */
export const postBytes = (
  url: string,
  body: Uint8Array,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number
): Effect.Effect<PostAnswer, PostFailure> =>
  Effect.async<PostAnswer, PostFailure>((resume, signal) => {
    const started = Date.now()
    const fail = (code: string, message: string) => resume(Effect.fail({ code, message, ms: Date.now() - started }))
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return fail("BAD_URL", `${url} is not a URL`)
    }
    const request = (target.protocol === "https:" ? https : http).request(target, {
      method: "POST",
      signal,
      headers: { ...headers, "content-length": String(body.byteLength) }
    })
    const timer = setTimeout(() => {
      request.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" }))
    }, timeoutMs)
    request.once("response", (response) => {
      const chunks: Array<Buffer> = []
      let kept = 0
      response.on("data", (chunk: Buffer) => {
        if (kept < keptAnswerBytes) {
          chunks.push(chunk)
          kept += chunk.length
        }
      })
      response.once("end", () => {
        clearTimeout(timer)
        resume(
          Effect.succeed({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, keptAnswerBytes).toString("utf8"),
            ms: Date.now() - started
          })
        )
      })
      response.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        const { code, message } = describe(e)
        fail(code, message)
      })
    })
    request.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      if (e.code === "TIMEOUT") return fail("TIMEOUT", `no answer within ${timeoutMs / 1000} s`)
      const { code, message } = describe(e)
      fail(code, message)
    })
    request.end(body)
  })
