import type * as Command from "@effect/cli/Command"
import * as Sandbox from "@voucherify-webhooks/sandbox/Sandbox"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { sandboxOptions } from "./command.js"

/**
 * `vwh sandbox` in a bundle of its own (dist/sandbox.js): the sandbox is most of the code, and only this command
 * needs it, so every other command starts without parsing it. Only plain values cross between the two bundles.
 */
export const runSandbox = async (
  options: Command.Command.ParseConfig<typeof sandboxOptions>,
  signal: AbortSignal
): Promise<{ readonly ok: true } | { readonly ok: false; readonly message: string }> => {
  const exit = await Effect.runPromiseExit(Sandbox.run(options), { signal })
  if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return { ok: true }
  const error = Cause.squash(exit.cause)
  return { ok: false, message: error instanceof Error ? error.message : String(error) }
}
