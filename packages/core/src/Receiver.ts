import * as Effect from "effect/Effect"
import { type Dedupe, type Deduplicator, type DeliveryStoreError, makeDeduplicator } from "./DeliveryDedupe.js"
import type { DeliveryError } from "./DeliveryError.js"
import { type Secret, usableSecrets } from "./Signature.js"
import { type ParsedDelivery, parseDelivery } from "./TypedDelivery.js"
import type { HeadersInput } from "./VerifyDelivery.js"

/*
 * What the framework adapters (ReceiveNode, ReceiveFastify, ReceiveFetch) share: verify, de-duplicate, hand the
 * delivery over, and say what to answer. The adapters only get the raw body in and the answer out.
 */

/** Something a receiver wants its operator to know; secrets and bodies are never in it. */
export type ReceiveProblem =
  /** A request that is not a verified delivery (401/400): a scanner, a wrong secret, a proxy that changed the body. */
  | { readonly _tag: "Rejected"; readonly error: DeliveryError }
  | { readonly _tag: "TooLarge"; readonly limit: number }
  /** `onDelivery` threw or failed: answered 500, so Voucherify retries. */
  | { readonly _tag: "HandlerFailed"; readonly deliveryId: string; readonly type: string; readonly cause: unknown }
  /** The de-duplication store failed: answered 503, so Voucherify retries. */
  | { readonly _tag: "StoreFailed"; readonly deliveryId: string; readonly error: DeliveryStoreError }
  /** The raw body was consumed before the adapter (a body parser that kept nothing): a set-up error, answered 500. */
  | { readonly _tag: "BodyUnavailable"; readonly message: string }

export interface ReceiverOptions {
  /** The project's webhook secret (Project settings → Webhooks); several while one is being rotated. */
  readonly secret: Secret | ReadonlyArray<Secret>
  /**
   * Called once per verified delivery (per `id`, with de-duplication on). Throwing, rejecting or failing answers
   * 500, so Voucherify retries the delivery later. Keep it short (Voucherify waits 10 s): store or enqueue, then
   * return; or answer on receipt (`acknowledge`).
   */
  readonly onDelivery: (parsed: ParsedDelivery) => void | PromiseLike<void> | Effect.Effect<void, unknown>
  /** Handle each delivery id once (Voucherify delivers at least once). Default: an in-memory LRU of 10 000 ids. */
  readonly dedupe?: Deduplicator | false
  /** Bodies above this many bytes are answered 413 without being read further. Default 1 MiB. */
  readonly maxBodyBytes?: number
  /**
   * `after-handling` (default): answer 200 once `onDelivery` is done, 500 if it failed (Voucherify retries).
   * `on-receipt`: answer 202 as soon as the signature verifies and handle afterwards; a failure then only
   * reaches `onError`, and the delivery is not retried.
   */
  readonly acknowledge?: "after-handling" | "on-receipt"
  /** Accept a body whose compact JSON form verifies (see verifyDelivery). Default true. */
  readonly compactFallback?: boolean
  /** Told of each problem. Default: handler, store and set-up failures to console.error; rejections are not logged. */
  readonly onError?: (problem: ReceiveProblem) => void
}

/** What to answer: a status, a JSON body, headers. */
export interface ReceiverAnswer {
  readonly status: number
  readonly body: { readonly [key: string]: unknown }
  readonly headers?: { readonly [name: string]: string }
}

export interface Receiver {
  readonly maxBodyBytes: number
  /**
   * Verifies, de-duplicates and hands one delivery to `onDelivery`; never rejects. `origin: "reserialised"`
   * says the adapter rebuilt the body from what a JSON parser left (it is then reported as verified in its
   * compact form, and refused when `compactFallback` is off).
   */
  readonly receive: (
    rawBody: string | Uint8Array,
    headers: HeadersInput,
    origin?: "raw" | "reserialised"
  ) => Promise<ReceiverAnswer>
  /** The answer to a body over `maxBodyBytes` (and tells `onError`). */
  readonly tooLarge: () => ReceiverAnswer
  /** The answer when the raw body was consumed before the adapter (and tells `onError`). */
  readonly bodyUnavailable: (message: string) => ReceiverAnswer
  /** The answer to anything but POST. */
  readonly methodNotAllowed: ReceiverAnswer
}

export const defaultMaxBodyBytes = 1024 * 1024

/**
 * How much more of a too-large body is read and thrown away, and for how long, before the 413 goes out. The
 * answer closes the connection; closed while the client is still writing, the client sees a reset (EPIPE) and not
 * the 413. Past either bound the answer goes anyway: a client sending more gets the reset.
 */
export const tooLargeDrain = { maxBytes: 16 * 1024 * 1024, maxMs: 5_000 } as const

const defaultOnError = (problem: ReceiveProblem): void => {
  switch (problem._tag) {
    case "HandlerFailed":
      console.error(`voucherify webhook: handling ${problem.type} ${problem.deliveryId} failed:`, problem.cause)
      return
    case "StoreFailed":
      console.error(`voucherify webhook: ${problem.error.message}`)
      return
    case "BodyUnavailable":
      console.error(`voucherify webhook: ${problem.message}`)
      return
  }
}

class HandlerFailure {
  readonly _tag = "HandlerFailure"
  constructor(readonly cause: unknown) {}
}

/**
 * The framework-independent receiver the adapters are built on. Throws at once (at start-up) when no usable
 * secret is given: an empty secret would verify nothing.
 */
export const makeReceiver = (options: ReceiverOptions): Receiver => {
  if (usableSecrets(options.secret).length === 0) {
    throw new TypeError(
      "the Voucherify webhook secret is empty: pass the project's secret (Project settings → Webhooks), e.g. from an environment variable"
    )
  }
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError(`maxBodyBytes must be a positive integer number of bytes, not ${String(options.maxBodyBytes)}`)
  }
  const dedupe = options.dedupe === false ? undefined : (options.dedupe ?? makeDeduplicator())
  const report = (problem: ReceiveProblem) => {
    try {
      ;(options.onError ?? defaultOnError)(problem)
    } catch {
      // A failing logger must not change the answer.
    }
  }
  const verifyOptions = options.compactFallback === undefined ? {} : { compactFallback: options.compactFallback }

  const handle = (parsed: ParsedDelivery) =>
    Effect.tryPromise({
      try: async () => {
        const result = options.onDelivery(parsed)
        if (Effect.isEffect(result)) await Effect.runPromise(result as Effect.Effect<void, unknown>)
        else await result
      },
      catch: (cause) => new HandlerFailure(cause)
    })

  /** De-duplicated handling, as the answer it leads to. */
  const process = (parsed: ParsedDelivery): Effect.Effect<ReceiverAnswer> => {
    const { id, type } = parsed.delivery
    const run: Effect.Effect<Dedupe<void>, HandlerFailure | DeliveryStoreError> = dedupe === undefined
      ? Effect.map(handle(parsed), (value) => ({ _tag: "Handled", value }) as const)
      : dedupe.once(id, handle(parsed))
    return run.pipe(
      Effect.map((outcome): ReceiverAnswer => {
        if (outcome._tag === "Handled") return { status: 200, body: { received: true, id } }
        if (outcome._tag === "Duplicate") return { status: 200, body: { received: true, id, duplicate: true } }
        return {
          status: 409,
          body: {
            error: "InProgress",
            message: `a copy of delivery ${id} is being handled; Voucherify retries it later`
          }
        }
      }),
      Effect.catchAll((failure) => {
        if (failure instanceof HandlerFailure) {
          report({ _tag: "HandlerFailed", deliveryId: id, type, cause: failure.cause })
          return Effect.succeed({
            status: 500,
            body: { error: "HandlerFailed", message: `delivery ${id} was not handled; Voucherify will retry it` }
          })
        }
        report({ _tag: "StoreFailed", deliveryId: id, error: failure })
        return Effect.succeed({
          status: 503,
          body: { error: "StoreUnavailable", message: `delivery ${id} was not handled; Voucherify will retry it` }
        })
      })
    )
  }

  const bodyUnavailable = (message: string): ReceiverAnswer => {
    report({ _tag: "BodyUnavailable", message })
    return { status: 500, body: { error: "BodyUnavailable", message } }
  }

  const receive: Receiver["receive"] = (rawBody, headers, origin = "raw") => {
    if (origin === "reserialised" && options.compactFallback === false) {
      return Promise.resolve(
        bodyUnavailable(
          "a JSON body parser ran before the webhook handler and compactFallback is off: mount the handler before body parsers, or keep the raw body"
        )
      )
    }
    return Effect.runPromise(
      parseDelivery(rawBody, headers, options.secret, verifyOptions).pipe(
        Effect.map(
          (parsed): ParsedDelivery => (origin === "reserialised" ? { ...parsed, verifiedAs: "compact" } : parsed)
        ),
        Effect.matchEffect({
          onFailure: (error) => {
            report({ _tag: "Rejected", error })
            return Effect.succeed<ReceiverAnswer>({
              status: error.status,
              body: { error: error.reason, message: error.message }
            })
          },
          onSuccess: (parsed) => {
            if (options.acknowledge !== "on-receipt") return process(parsed)
            // Answer now; handle on a detached fiber whose outcome only reaches onError.
            Effect.runFork(process(parsed))
            return Effect.succeed<ReceiverAnswer>({ status: 202, body: { received: true, id: parsed.delivery.id } })
          }
        })
      )
    )
  }

  return {
    maxBodyBytes,
    receive,
    tooLarge: () => {
      report({ _tag: "TooLarge", limit: maxBodyBytes })
      return {
        status: 413,
        body: {
          error: "TooLarge",
          message: `the body is over ${maxBodyBytes} bytes; a Voucherify delivery is far smaller`
        },
        headers: { connection: "close" }
      }
    },
    bodyUnavailable,
    methodNotAllowed: {
      status: 405,
      body: { error: "MethodNotAllowed", message: "Voucherify POSTs its deliveries" },
      headers: { allow: "POST" }
    }
  }
}
