import cluster, { type Worker } from "node:cluster"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Runtime from "effect/Runtime"
import * as Logging from "./Logging.js"
import { mergeMetrics } from "./PrometheusMerge.js"
import type { StartupPlan } from "./Startup.js"
import { WorkersFailed } from "./StartupErrors.js"
import { isMessage, type Message, workerVariable } from "./WorkerLink.js"

// `workers: N` (N > 1): this process only forks, watches and relays; each worker (node:cluster, one port) is a whole
// proxy with its own event loop, upstream pool and docs cache, its rate limits shared through Redis (Startup refuses
// N > 1 without sharedState). Signals: SIGTERM/SIGINT drain every worker, SIGHUP reloads every worker. A worker that
// dies unasked is started again with back-off; workers that cannot start at all end the primary with their status.

/** The first restart of a crashed worker waits this long, doubling for each crash in a row up to `maxBackoffMs`. */
const firstBackoffMs = 100
const maxBackoffMs = 10_000
/** A worker that served this long before it died starts its slot's back-off over. */
const healthyAfterMs = 30_000
/** On shutdown, how long past the drain's own grace period a worker may take before it is killed. */
const shutdownMarginMs = 5_000
/** How long the primary waits for the workers' metrics (one that does not answer is left out). */
const metricsTimeoutMs = 1_000

interface Slot {
  /** 1…N: the worker's number in its `worker` label and instance name, kept by its replacements. */
  readonly k: number
  worker: Worker | undefined
  listening: boolean
  startedAt: number
  /** Crashes in a row (reset once a worker served `healthyAfterMs`). */
  crashes: number
  restarts: number
  restartTimer: ReturnType<typeof setTimeout> | undefined
}

const describeExit = (code: number | null, signal: string | null) =>
  signal !== null ? `signal ${signal}` : `exit code ${code}`

/** The first worker's banner with the workers named: one banner for all. */
const bannerFor = (banner: string, slots: ReadonlyArray<Slot>) => {
  const [first = "", ...rest] = banner.split("\n")
  const pids = slots.map((s) => s.worker?.process.pid).join(", ")
  return [first, `  workers: ${slots.length} (node:cluster on one port; pids ${pids})`, ...rest].join("\n")
}

/** The primary's own metrics: how many workers serve and how often each slot was restarted. */
const primaryMetrics = (slots: ReadonlyArray<Slot>) =>
  [
    "# HELP vwh_proxy_workers_up Workers listening now (out of the configured workers).",
    "# TYPE vwh_proxy_workers_up gauge",
    `vwh_proxy_workers_up ${slots.filter((s) => s.listening).length}`,
    "# HELP vwh_proxy_workers_configured Workers configured (`workers`).",
    "# TYPE vwh_proxy_workers_configured gauge",
    `vwh_proxy_workers_configured ${slots.length}`,
    "# HELP vwh_proxy_worker_restarts_total Workers started again after they exited unasked, by worker.",
    "# TYPE vwh_proxy_worker_restarts_total counter",
    ...slots.map((s) => `vwh_proxy_worker_restarts_total{worker="${s.k}"} ${s.restarts}`)
  ].join("\n")

/**
 * Runs `plan.workers` workers until interrupted (SIGTERM, SIGINT), then has each drain and waits for all of them
 * (bounded: the drain's grace period plus a margin; a worker still running then is killed). Fails when the workers
 * cannot start (one exits before listening while none serves), with its exit status.
 */
export const supervise = (plan: StartupPlan): Effect.Effect<void, WorkersFailed> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const log = (effect: Effect.Effect<void>) => Runtime.runSync(runtime)(effect)
    const n = plan.workers
    const stopWithinMs = plan.settings.limits.shutdownGraceMs + shutdownMarginMs

    return yield* Effect.async<void, WorkersFailed>((resume) => {
      const slots: Array<Slot> = Array.from({ length: n }, (_, i) => ({
        k: i + 1,
        worker: undefined,
        listening: false,
        startedAt: 0,
        crashes: 0,
        restarts: 0,
        restartTimer: undefined
      }))
      let started = false
      let stopping = false
      /** Called once every worker has exited, after a stop was asked. */
      let onAllExited: (() => void) | undefined

      const live = () => slots.flatMap((s) => (s.worker === undefined ? [] : [s.worker]))
      const sendTo = (worker: Worker, message: Message) => {
        try {
          if (worker.isConnected()) worker.send(message)
        } catch {
          // It is exiting; its 'exit' is handled on its own.
        }
      }

      // Metrics: a worker asks, the primary asks every worker that listens, and answers with all of them labelled.
      let nextGather = 1
      const gathers = new Map<number, { readonly texts: Map<number, string>; readonly finish: () => void }>()
      const gather = (asker: Worker, askerId: number) => {
        const id = nextGather++
        const from = slots.filter((s) => s.listening && s.worker !== undefined)
        const texts = new Map<number, string>()
        const finish = () => {
          if (!gathers.delete(id)) return
          clearTimeout(timer)
          const merged = mergeMetrics([...texts].sort(([a], [b]) => a - b).map(([k, text]) => [String(k), text]))
          sendTo(asker, { vwh: "metrics=", id: askerId, text: `${merged}${primaryMetrics(slots)}\n` })
        }
        const timer = setTimeout(finish, metricsTimeoutMs)
        gathers.set(id, { texts, finish })
        for (const slot of from) sendTo(slot.worker!, { vwh: "render", id })
        if (from.length === 0) finish()
      }

      const fork = (slot: Slot) => {
        slot.restartTimer = undefined
        const worker = cluster.fork({ [workerVariable]: String(slot.k) })
        slot.worker = worker
        slot.listening = false
        slot.startedAt = Date.now()
        worker.on("message", (m: unknown) => {
          if (!isMessage(m)) return
          switch (m.vwh) {
            case "listening": {
              slot.listening = true
              if (!started && slots.every((s) => s.listening)) {
                started = true
                Logging.writeLine(bannerFor(m.banner, slots))
                log(
                  Effect.logInfo("workers started").pipe(
                    Effect.annotateLogs({ workers: n, pids: slots.map((s) => s.worker?.process.pid) })
                  )
                )
              } else if (started) {
                log(
                  Effect.logInfo(`worker ${slot.k} is serving again`).pipe(
                    Effect.annotateLogs({ worker: slot.k, pid: worker.process.pid, restarts: slot.restarts })
                  )
                )
              }
              return
            }
            case "metrics?":
              gather(worker, m.id)
              return
            case "rendered": {
              const pending = gathers.get(m.id)
              if (pending === undefined) return
              pending.texts.set(slot.k, m.text)
              if (slots.every((s) => !s.listening || s.worker === undefined || pending.texts.has(s.k))) pending.finish()
              return
            }
          }
        })
        worker.on("exit", (code: number | null, signal: string | null) => {
          if (slot.worker !== worker) return
          const wasListening = slot.listening
          slot.worker = undefined
          slot.listening = false
          // A gather waiting for this worker need not wait any longer.
          for (const pending of gathers.values()) {
            if (slots.every((s) => !s.listening || s.worker === undefined || pending.texts.has(s.k))) pending.finish()
          }
          if (stopping) {
            if (live().length === 0) onAllExited?.()
            return
          }
          const how = describeExit(code, signal)
          if (!wasListening && !slots.some((s) => s.listening)) {
            // The workers cannot start (the port is taken, the config became unreadable…): restarting would loop.
            stop(() =>
              resume(
                Effect.fail(
                  new WorkersFailed({
                    message: `vwh-proxy: worker ${slot.k} could not start (${how}); not starting the workers again`,
                    exitCode: code !== null && code > 0 ? code : 1
                  })
                )
              )
            )
            return
          }
          if (Date.now() - slot.startedAt >= healthyAfterMs) slot.crashes = 0
          const delay = Math.min(maxBackoffMs, firstBackoffMs * 2 ** slot.crashes)
          slot.crashes++
          slot.restarts++
          log(
            Effect.logError(
              `worker ${slot.k} (pid ${worker.process.pid}) exited unasked (${how}): starting it again in ${delay} ms; the other workers keep serving`
            ).pipe(
              Effect.annotateLogs({
                worker: slot.k,
                pid: worker.process.pid,
                exit_code: code,
                signal,
                restart_in_ms: delay
              })
            )
          )
          slot.restartTimer = setTimeout(() => fork(slot), delay)
        })
      }

      /** Asks every worker to drain (SIGTERM) and calls `then` once all have exited; kills those that take too long. */
      const stop = (then: () => void) => {
        stopping = true
        for (const slot of slots) clearTimeout(slot.restartTimer)
        const killer = setTimeout(() => {
          for (const slot of slots) {
            if (slot.worker === undefined) continue
            log(
              Effect.logError(
                `worker ${slot.k} (pid ${slot.worker.process.pid}) did not finish draining within ${stopWithinMs} ms: killed`
              ).pipe(Effect.annotateLogs({ worker: slot.k, pid: slot.worker.process.pid }))
            )
            slot.worker.process.kill("SIGKILL")
          }
        }, stopWithinMs)
        onAllExited = () => {
          clearTimeout(killer)
          cleanup()
          then()
        }
        if (live().length === 0) onAllExited()
        for (const worker of live()) worker.process.kill("SIGTERM")
      }

      // SIGHUP reloads every worker that listens (each re-reads and validates the file, and refuses a bad one on its
      // own). One still starting reads the file as it starts, and would be killed by a SIGHUP before its handler.
      const onHup = () => {
        const listening = slots.flatMap((s) => (s.listening && s.worker !== undefined ? [s.worker] : []))
        log(Effect.logInfo(`SIGHUP: reloading the config in ${listening.length} workers`))
        for (const worker of listening) worker.process.kill("SIGHUP")
      }
      // The first SIGTERM/SIGINT interrupts this program (the platform's handler): the drain below. A second one,
      // while the workers drain, stops them at once, as a second signal ends a single process.
      let signals = 0
      const onStopSignal = (signal: NodeJS.Signals) => {
        signals++
        if (signals < 2 || !stopping) return
        const n = live().length
        log(
          Effect.logWarning(
            `${signal} again: stopping ${n} draining worker${n === 1 ? "" : "s"} now (in-flight requests are cut)`
          )
        )
        for (const worker of live()) worker.process.kill("SIGKILL")
      }
      const cleanup = () => {
        process.off("SIGHUP", onHup)
        process.off("SIGTERM", onStopSignal)
        process.off("SIGINT", onStopSignal)
      }
      process.on("SIGHUP", onHup)
      process.on("SIGTERM", onStopSignal)
      process.on("SIGINT", onStopSignal)

      for (const slot of slots) fork(slot)

      return Effect.async<void>((done) => {
        log(Effect.logInfo(`shutting down: draining ${live().length} workers`))
        stop(() => done(Effect.void))
      })
    })
  }).pipe(Effect.provide(Layer.merge(Logging.layer, Logger.minimumLogLevel(plan.logLevel))))
