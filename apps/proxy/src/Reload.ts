import { type FSWatcher, realpathSync, watch } from "node:fs"
import { basename, dirname } from "node:path"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { readConfigFile } from "./ConfigFile.js"
import { applyReloadable, LiveConfig, needsRestart } from "./LiveConfig.js"
import { Metrics } from "./Metrics.js"
import type { ProxyConfig } from "./ProxyConfig.js"

// Live reload: SIGHUP, or a change of the config file, reads and validates the file again. A valid one takes effect
// for the requests that come after (LiveConfig); an invalid one is refused, one ERROR line per problem, and the
// running config stays.

type Trigger = "SIGHUP" | "file"
/** What the loop is told: a reason to reload, or that a watcher stopped (said in the log, not fatal). */
type Event = Trigger | { readonly watchStopped: string }

/** Editors save in several steps (write a temporary file, rename it over, chmod): one reload once they are done. */
const settleTime = Duration.millis(200)

/** Reads the file again and applies it, or says why not. `last` holds the text in effect (a touch changes nothing). */
const reloadOnce = (
  path: string,
  withEnv: (config: ProxyConfig) => ProxyConfig,
  trigger: Trigger,
  last: { text: string }
) =>
  Effect.gen(function* () {
    const live = yield* LiveConfig
    const metrics = yield* Metrics
    const read = readConfigFile(path)
    if (Either.isLeft(read)) {
      metrics.reload("invalid")
      for (const problem of read.left) yield* Effect.logError(`config reload refused: ${problem}`)
      return yield* Effect.logError(
        `config reload refused (${read.left.length} problem${read.left.length === 1 ? "" : "s"}): still serving the previous config`
      )
    }
    if (read.right.text === last.text) {
      // A file event without a change (a touch, an editor's chmod) is no reload; a SIGHUP is answered.
      if (trigger === "file") return
      metrics.reload("unchanged")
      return yield* Effect.logInfo("config reload: the file is unchanged")
    }
    last.text = read.right.text
    const running = live.current().settings
    const next = withEnv(read.right.config)
    const restart = needsRestart(running, next)
    live.replace(applyReloadable(running, next))
    metrics.reload("ok")
    yield* Effect.logInfo("config reloaded").pipe(Effect.annotateLogs({ clients: next.clients.length }))
    if (restart.length > 0) {
      yield* Effect.logWarning(
        `config reloaded, but ${restart.join(", ")} changed: ${restart.length === 1 ? "it takes" : "they take"} effect at the next restart (the running value${restart.length === 1 ? "" : "s"} stay)`
      )
    }
  }).pipe(Effect.annotateLogs({ config: path, trigger }))

/** Watches the directories of the file (and of its target, when it is a symlink): editors and Kubernetes replace it by rename. */
const watchFile = (path: string, queue: Queue.Queue<Event>) =>
  Effect.gen(function* () {
    const dirs = new Set([dirname(path)])
    // Unreadable now: the directory of the path is watched all the same.
    const real = yield* Effect.option(Effect.try(() => realpathSync(path)))
    if (Option.isSome(real)) dirs.add(dirname(real.value))
    const names = new Set([basename(path)])
    for (const dir of dirs) {
      const watcher = yield* Effect.acquireRelease(
        Effect.try(() =>
          watch(dir, { persistent: false }, (_event, name) => {
            // `..data` is how a Kubernetes ConfigMap volume swaps its files; null when the platform cannot say.
            if (name === null || names.has(name) || name.startsWith("..") || dir !== dirname(path)) {
              Queue.unsafeOffer(queue, "file")
            }
          })
        ),
        (w: FSWatcher) => Effect.sync(() => w.close())
      ).pipe(
        Effect.tapError((e) =>
          Effect.logWarning(`not watching ${dir} for changes (${String(e.error)}): send SIGHUP to reload the config`)
        ),
        Effect.option
      )
      if (watcher._tag === "Some") {
        watcher.value.on("error", (e) => {
          watcher.value.close()
          Queue.unsafeOffer(queue, {
            watchStopped: `stopped watching ${dir} (${e.message}): send SIGHUP to reload the config`
          })
        })
      }
    }
  })

/**
 * Reloads the config at `path` on SIGHUP and (with `watch`) when the file changes, for as long as the scope lasts.
 * The signal handler is installed before this returns, so a SIGHUP right after the start banner is not fatal.
 */
export const reloadOn = (options: {
  readonly path: string
  readonly text: string
  readonly withEnv: (config: ProxyConfig) => ProxyConfig
  readonly watch: boolean
}): Effect.Effect<void, never, LiveConfig | Metrics | Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.sliding<Event>(64)
    const onHup = () => Queue.unsafeOffer(queue, "SIGHUP")
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("SIGHUP", onHup)),
      () => Effect.sync(() => process.off("SIGHUP", onHup))
    )
    if (options.watch) yield* watchFile(options.path, queue)
    const last = { text: options.text }
    const next = Effect.gen(function* () {
      const first = yield* Queue.take(queue)
      if (typeof first === "object") return yield* Effect.logWarning(first.watchStopped)
      let trigger: Trigger = first
      if (trigger === "file") yield* Effect.sleep(settleTime)
      // Whatever else arrived meanwhile is the same reload; a SIGHUP among it is answered as one.
      for (const event of yield* Queue.takeAll(queue)) {
        if (typeof event === "object") yield* Effect.logWarning(event.watchStopped)
        else if (event === "SIGHUP") trigger = event
      }
      yield* reloadOnce(options.path, options.withEnv, trigger, last)
    })
    yield* Effect.forkScoped(Effect.forever(next))
  })
