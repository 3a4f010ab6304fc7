import * as http from "node:http"
import * as https from "node:https"
import * as Effect from "effect/Effect"

// One request with exact bytes: a delivery to a receiver (`vwh trigger --to`, `vwh listen --forward-to`), a call
// to the sandbox's control API. node:http rather than fetch: fetch refuses the "bad ports" (6000, 6665–6669, …) a
// local app may well use, and sets headers of its own.

export interface Answer {
  readonly status: number
  /** The start of the answer's body as text (at most `keep` bytes). */
  readonly body: string
  readonly ms: number
}

/** Why no answer came: `code` is the system's (ECONNREFUSED, …) or ours (TIMEOUT, BAD_URL). */
export interface RequestFailure {
  readonly code: string
  readonly message: string
  readonly ms: number
}

export interface RequestOptions {
  readonly method: "GET" | "POST"
  readonly url: string
  readonly body?: Uint8Array
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
  /** How much of the answer's body to keep (default 4 KiB: a receiver's answer is shown, not used). */
  readonly keep?: number
}

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

/** Sends `body` as is; any status is an answer, no answer within `timeoutMs` (or a transport error) a failure. */
export const httpRequest = (options: RequestOptions): Effect.Effect<Answer, RequestFailure> =>
  Effect.async<Answer, RequestFailure>((resume, signal) => {
    const { url, body, timeoutMs } = options
    const keep = options.keep ?? 4096
    const started = Date.now()
    const fail = (code: string, message: string) => resume(Effect.fail({ code, message, ms: Date.now() - started }))
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return fail("BAD_URL", `${url} is not a URL`)
    }
    const request = (target.protocol === "https:" ? https : http).request(target, {
      method: options.method,
      signal,
      headers: body === undefined ? options.headers : { ...options.headers, "content-length": String(body.byteLength) }
    })
    const timer = setTimeout(() => {
      request.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" }))
    }, timeoutMs)
    request.once("response", (response) => {
      const chunks: Array<Buffer> = []
      let kept = 0
      response.on("data", (chunk: Buffer) => {
        if (kept < keep) {
          chunks.push(chunk)
          kept += chunk.length
        }
      })
      response.once("end", () => {
        clearTimeout(timer)
        resume(
          Effect.succeed({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, keep).toString("utf8"),
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
