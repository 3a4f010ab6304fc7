import { writeSync } from "node:fs"
import * as Logger from "effect/Logger"

// Logging must never take the server down. A closed stdout (the log collector died, `| head` exited) makes every
// write fail with EPIPE, and an unhandled stream 'error' event killed the process: from the first failure on,
// lines are dropped, and stderr says so once. stderr itself may be gone too: its errors are ignored.
let stdoutFailure: string | undefined
const ignore = () => {}
process.stderr.on("error", ignore)
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (stdoutFailure !== undefined) return
  stdoutFailure = error.code ?? error.message
  try {
    process.stderr.write(
      `vwh-proxy: stdout is unusable (${stdoutFailure}): log lines are dropped from now on, and with audit.path "-" every change is refused (500 audit_unavailable) until a restart; the proxy keeps serving\n`
    )
  } catch {
    // Nowhere left to say it.
  }
})

/** Why stdout can no longer be written to, once a write failed; undefined while it works. */
export const stdoutUnusable = (): string | undefined => stdoutFailure

// One write per tick instead of one console.log per line: under load, per-line writes were ~14 % of CPU.
let pending: Array<string> = []
let scheduled = false
/** The largest write in bytes: unbounded, unless other processes write to the same stdout (see {@link sharedStdout}). */
let maxWrite = Number.POSITIVE_INFINITY
const flush = () => {
  scheduled = false
  if (pending.length === 0) return
  const lines = pending
  pending = []
  if (stdoutFailure !== undefined) return
  if (maxWrite === Number.POSITIVE_INFINITY) {
    process.stdout.write(`${lines.join("\n")}\n`)
    return
  }
  let chunk = ""
  let bytes = 0
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1
    if (bytes > 0 && bytes + size > maxWrite) {
      process.stdout.write(chunk)
      chunk = ""
      bytes = 0
    }
    chunk += `${line}\n`
    bytes += size
  }
  process.stdout.write(chunk)
}

/**
 * Several processes (the workers of `workers: N`) write to this stdout: each write is then whole lines, at most
 * PIPE_BUF (4096) bytes unless one line alone is longer, which a pipe never interleaves with another writer's bytes.
 */
export const sharedStdout = (): void => {
  maxWrite = 4096
}

// Whatever is still buffered when the process exits is written synchronously, so no line is lost.
process.once("exit", () => {
  if (pending.length > 0 && stdoutFailure === undefined) {
    try {
      writeSync(1, `${pending.join("\n")}\n`)
    } catch {
      // stdout went away as we exit: nothing to do.
    }
  }
  pending = []
})

/** Queues one line for stdout; lines queued in the same tick go out in one write. */
export const writeLine = (line: string): void => {
  if (stdoutFailure !== undefined) return
  pending.push(line)
  if (!scheduled) {
    scheduled = true
    setImmediate(flush)
  }
}

/** Effect's JSON logger, one JSON object per line on stdout, written in batches. */
export const layer = Logger.replace(Logger.defaultLogger, Logger.map(Logger.jsonLogger, writeLine))
