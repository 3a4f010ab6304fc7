import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"

/** Runs an effect, rejecting with its own error (a SandboxError, say), not Effect's wrapper of it. */
export const runPromise = async <A, E>(effect: Effect.Effect<A, E>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/**
 * For callers without Effect: acquires what a scoped effect opens (a server, a child process) in a scope of its
 * own, and gives it back with the scope's `close` (idempotent). On failure the scope is closed before rejecting.
 */
export const acquire = async <A, E>(
  effect: Effect.Effect<A, E, Scope.Scope>
): Promise<{ readonly value: A; readonly close: () => Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const value = await runPromise(Scope.extend(effect, scope)).catch(async (error) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  })
  let closed: Promise<void> | undefined
  return {
    value,
    close: () => {
      closed ??= Effect.runPromise(Scope.close(scope, Exit.void))
      return closed
    }
  }
}
