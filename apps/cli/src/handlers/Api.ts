import type { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { clientLayer } from "../Client.js"
import type { ApiFlags } from "../GlobalOptions.js"
import * as Output from "../Output.js"

/** Runs an API command with its output and a client configured from env + flags. */
export const withApi =
  (flags: ApiFlags) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) => {
    const output = Output.layer(flags.output)
    return effect.pipe(Effect.provide(Layer.provideMerge(clientLayer(flags), output))) as Effect.Effect<
      A,
      E | Layer.Layer.Error<ReturnType<typeof clientLayer>>,
      Exclude<R, Webhooks | Output.Output>
    >
  }
