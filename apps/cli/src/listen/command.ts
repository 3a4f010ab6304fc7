import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "../CliErrors.js"
import { describe } from "../Help.js"
import * as Output from "../Output.js"
import { bindOptions, checkPort, output } from "../SharedOptions.js"

export const listenOptions = {
  output,
  ...bindOptions(4343),
  secret: Options.redacted("secret").pipe(
    Options.withFallbackConfig(Config.redacted("VOUCHERIFY_WEBHOOK_SECRET")),
    Options.optional,
    Options.withDescription(
      "the project's webhook signing secret (Project settings → Webhooks); default VOUCHERIFY_WEBHOOK_SECRET"
    )
  ),
  forwardTo: Options.text("forward-to").pipe(
    Options.optional,
    Options.withDescription("POST each verified delivery (same body and headers) to this URL, e.g. your local app")
  ),
  events: Options.text("event").pipe(
    Options.withAlias("e"),
    Options.repeated,
    Options.withDescription("only show and forward this event type; repeatable (others are acknowledged, ignored)")
  )
}
export type ListenFlags = Command.Command.ParseConfig<typeof listenOptions>

export const listen = Command.make("listen", listenOptions, (flags) =>
  Effect.gen(function* () {
    yield* checkPort(flags.port)
    if (Option.isSome(flags.forwardTo) && !/^https?:\/\/[^/]/.test(flags.forwardTo.value)) {
      return yield* new UsageError({ message: `--forward-to "${flags.forwardTo.value}" is not an http(s) URL` })
    }
    const secret = flags.secret
    if (Option.isNone(secret)) {
      return yield* new UsageError({
        message:
          "no signing secret: pass --secret or set VOUCHERIFY_WEBHOOK_SECRET (Project settings → Webhooks; `vwh sandbox` prints its own)"
      })
    }
    // The receiver is imported only when listen runs (see webhooks/command.ts).
    const { listen } = yield* Effect.promise(() => import("./Listener.js"))
    return yield* listen({ ...flags, secret: secret.value })
  }).pipe(Effect.provide(Output.layer(flags.output)))
).pipe(
  Command.withDescription(
    describe(
      "Receive webhook deliveries locally: verify x-voucherify-signature over the raw body, print one line per event, answer 200 at once (401 for a bad or missing signature), optionally forward.",
      [
        "VOUCHERIFY_WEBHOOK_SECRET=… vwh listen --port 4343",
        'vwh listen --secret "$SECRET" --forward-to http://localhost:3000/webhooks --event redemption.succeeded',
        "vwh listen --output json | jq .type"
      ]
    )
  )
)
