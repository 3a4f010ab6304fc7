import * as Sandbox from "@voucherify-webhooks/sandbox/Sandbox"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { SandboxFlags } from "./command.js"

/**
 * `vwh sandbox` in a bundle of its own (dist/sandbox.js): the sandbox is most of the code, and only this command
 * needs it, so every other command starts without parsing it. Only plain values cross between the two bundles.
 */
export const runSandbox = async (
  options: SandboxFlags,
  signal: AbortSignal
): Promise<
  { readonly ok: true } | { readonly ok: false; readonly message: string; readonly code: string | undefined }
> => {
  const exit = await Effect.runPromiseExit(Sandbox.run(options), { signal })
  if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return { ok: true }
  const error = Cause.squash(exit.cause)
  return {
    ok: false,
    message: error instanceof Error ? error.message : String(error),
    code: typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined
  }
}
