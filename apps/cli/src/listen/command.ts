import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "../CliErrors.js"
import { about, leaf } from "../CommandTree.js"
import { checkEventFlags } from "../EventFlags.js"
import * as Output from "../Output.js"
import { addSecret } from "../Redact.js"
import { bindOptions, checkPort, output } from "../SharedOptions.js"

export const listenOptions = {
  output,
  ...bindOptions(4343),
  secret: Options.redacted("secret").pipe(
    Options.withPseudoName("SECRET"),
    Options.withFallbackConfig(Config.redacted("VOUCHERIFY_WEBHOOK_SECRET")),
    Options.optional,
    about(
      "the project's webhook signing secret (Project settings → Webhooks; `vwh sandbox` prints its own); default VOUCHERIFY_WEBHOOK_SECRET"
    )
  ),
  forwardTo: Options.text("forward-to").pipe(
    Options.withPseudoName("URL"),
    Options.optional,
    about(
      "POST each verified delivery, same body and headers, to your app, e.g. --forward-to http://localhost:3000/webhooks"
    )
  ),
  events: Options.text("event").pipe(
    Options.withAlias("e"),
    Options.withPseudoName("NAME"),
    Options.repeated,
    about("show and forward only this event type, e.g. -e redemption.succeeded; others are acknowledged and ignored")
  ),
  allowUnknownEvents: Options.boolean("allow-unknown-events").pipe(
    about("accept --event names this release does not know yet")
  )
}
export type ListenFlags = Command.Command.ParseConfig<typeof listenOptions>

export const listen = leaf(
  "listen",
  listenOptions,
  {
    summary: "Receive webhook deliveries on this machine, verify their signatures, print and forward them.",
    details: [
      "Each delivery's x-voucherify-signature is checked over the raw body; a verified one is answered 200 at once and printed as one line, a bad or missing signature is answered 401 and reported on stderr. Ctrl-C stops it."
    ],
    examples: [
      "VOUCHERIFY_WEBHOOK_SECRET=… vwh listen --port 4343",
      'vwh listen --secret "$SECRET" --forward-to http://localhost:3000/webhooks --event redemption.succeeded',
      "vwh listen --output json | jq .type"
    ]
  },
  (flags) =>
    Effect.gen(function* () {
      yield* checkPort(flags.port)
      yield* checkEventFlags("--event", flags.events, flags.allowUnknownEvents)
      if (Option.isSome(flags.forwardTo) && !/^https?:\/\/[^/]/.test(flags.forwardTo.value)) {
        return yield* new UsageError({ message: `--forward-to "${flags.forwardTo.value}" is not an http(s) URL` })
      }
      if (Option.isNone(flags.secret)) {
        return yield* new UsageError({
          message:
            "no signing secret: pass --secret or set VOUCHERIFY_WEBHOOK_SECRET (Project settings → Webhooks; `vwh sandbox` prints its own)"
        })
      }
      addSecret(flags.secret.value)
      // The receiver is imported only when listen runs (see webhooks/command.ts).
      const { listen } = yield* Effect.promise(() => import("./Listener.js"))
      return yield* listen({ ...flags, secret: flags.secret.value })
    }).pipe(Effect.provide(Output.layer(flags.output))),
  { runsUntilStopped: true }
)
