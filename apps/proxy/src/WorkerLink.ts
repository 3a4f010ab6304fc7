import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { mergeMetrics } from "./PrometheusMerge.js"

// A worker's side of `workers: N` (the primary's is Primary.ts): the primary forks each worker with
// VWH_PROXY_WORKER=k (1…N, kept by its replacement after a crash) and talks to it over the cluster's IPC channel.

/** What the primary and its workers tell each other; every message carries `vwh`, so nothing else is misread. */
export type Message =
  /** worker → primary: it listens; its start banner (the primary prints one for all). */
  | { readonly vwh: "listening"; readonly banner: string }
  /** worker → primary: a client asked this worker for /metrics; every worker's, please. */
  | { readonly vwh: "metrics?"; readonly id: number }
  /** primary → worker: the answer to "metrics?". */
  | { readonly vwh: "metrics="; readonly id: number; readonly text: string }
  /** primary → worker: your own metrics, please. */
  | { readonly vwh: "render"; readonly id: number }
  /** worker → primary: its own metrics. */
  | { readonly vwh: "rendered"; readonly id: number; readonly text: string }

export const isMessage = (m: unknown): m is Message =>
  typeof m === "object" && m !== null && typeof (m as { vwh?: unknown }).vwh === "string"

/** The environment variable the primary numbers its workers with. */
export const workerVariable = "VWH_PROXY_WORKER"

/** This process's worker number when a primary forked it (an IPC channel and the variable), else undefined. */
export const workerNumber = (): number | undefined => {
  const k = Number(process.env[workerVariable])
  return process.send !== undefined && Number.isInteger(k) && k > 0 ? k : undefined
}

/** How long a worker waits for the others' metrics before answering with its own alone. */
const gatherTimeoutMs = 2_000

const send = (message: Message) => {
  try {
    process.send?.(message)
  } catch {
    // The primary is gone (the worker exits with it); nothing to tell.
  }
}

/** The link of a worker to its primary. */
export class WorkerLink extends Context.Tag("@voucherify-webhooks/proxy/WorkerLink")<
  WorkerLink,
  {
    /** This worker's number, 1…N. */
    readonly worker: number
    /** Tells the primary this worker listens, with its banner. */
    readonly listening: (banner: string) => void
    /** Answers the primary's requests for this worker's metrics with `own`, for as long as the scope lasts. */
    readonly answerMetrics: (own: () => string) => Effect.Effect<void, never, Scope.Scope>
    /** Every worker's metrics through the primary, each labelled; this worker's alone if the primary does not answer. */
    readonly allMetrics: (own: () => string) => Effect.Effect<string>
  }
>() {
  static readonly layer = (worker: number) =>
    Layer.succeed(WorkerLink, {
      worker,
      listening: (banner) => send({ vwh: "listening", banner }),
      answerMetrics: (own) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            const onMessage = (m: unknown) => {
              if (isMessage(m) && m.vwh === "render") send({ vwh: "rendered", id: m.id, text: own() })
            }
            process.on("message", onMessage)
            return onMessage
          }),
          (onMessage) => Effect.sync(() => process.off("message", onMessage))
        ),
      allMetrics: (own) =>
        Effect.async<string>((resume) => {
          const id = nextId++
          const done = (text: string) => {
            clearTimeout(timer)
            process.off("message", onMessage)
            resume(Effect.succeed(text))
          }
          const onMessage = (m: unknown) => {
            if (isMessage(m) && m.vwh === "metrics=" && m.id === id) done(m.text)
          }
          const timer = setTimeout(() => done(mergeMetrics([[String(worker), own()]])), gatherTimeoutMs)
          process.on("message", onMessage)
          send({ vwh: "metrics?", id })
          return Effect.sync(() => {
            clearTimeout(timer)
            process.off("message", onMessage)
          })
        })
    })
}

let nextId = 1
