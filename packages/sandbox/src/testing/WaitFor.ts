import { inspect } from "node:util"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { runPromise } from "../Scoped.js"

export interface WaitOptions<A> {
  /** When the wait is over. Default: the value is truthy. */
  readonly until?: (value: A) => boolean
  /** Default 10 000. */
  readonly timeoutMs?: number
  /** Pause between two reads. Default 10. */
  readonly intervalMs?: number
}

/** The condition did not hold in time; the message names what was awaited and the last value read. */
export class WaitTimeout extends Schema.TaggedError<WaitTimeout>()("WaitTimeout", {
  what: Schema.String,
  timeoutMs: Schema.Number,
  /** The last value read, as `util.inspect` shows it (cut at 2000 characters). */
  lastValue: Schema.String,
  message: Schema.String
}) {}

const shown = (value: unknown) => {
  const text = inspect(value, { depth: 4, breakLength: 120 })
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} characters)` : text
}

/**
 * Reads `read` until `until` holds, and succeeds with that value; fails with {@link WaitTimeout} after
 * `timeoutMs`. A failure of `read` itself ends the wait with that failure (a broken probe is not "not yet").
 * It sleeps on the Clock: under `@effect/vitest` run it with `it.live` (or `excludeTestServices`), not the TestClock.
 */
export const waitForEffect = <A, E, R>(
  what: string,
  read: Effect.Effect<A, E, R>,
  options: WaitOptions<A> = {}
): Effect.Effect<A, E | WaitTimeout, R> =>
  Effect.gen(function* () {
    const { until = Boolean, timeoutMs = 10_000, intervalMs = 10 } = options
    const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
    for (;;) {
      const value = yield* read
      if (until(value)) return value
      if ((yield* Clock.currentTimeMillis) >= deadline) {
        const lastValue = shown(value)
        return yield* new WaitTimeout({
          what,
          timeoutMs,
          lastValue,
          message: `timed out after ${timeoutMs} ms waiting for ${what}; last value: ${lastValue}`
        })
      }
      yield* Effect.sleep(intervalMs)
    }
  })

/**
 * {@link waitForEffect} for plain async tests and scripts: `await waitFor("two deliveries", () => hook.received.length,
 * { until: (n) => n === 2 })`. Rejects with a WaitTimeout (or what `read` threw). An `until` that is a type guard
 * narrows what it resolves with.
 */
export function waitFor<A, B extends A>(
  what: string,
  read: () => A | Promise<A>,
  options: WaitOptions<A> & { readonly until: (value: A) => value is B }
): Promise<B>
export function waitFor<A>(what: string, read: () => A | Promise<A>, options?: WaitOptions<A>): Promise<A>
export function waitFor<A>(what: string, read: () => A | Promise<A>, options: WaitOptions<A> = {}): Promise<A> {
  return runPromise(waitForEffect(what, Effect.tryPromise({ try: async () => read(), catch: (e) => e }), options))
}
