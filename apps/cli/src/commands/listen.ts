import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { bindOptions, checkPort } from "../BindOptions.js"
import { UsageError } from "../CliErrors.js"
import { output } from "../GlobalOptions.js"
import { describe } from "../Help.js"
import { lazy } from "../Lazy.js"
import * as Output from "../Output.js"

const secretFromEnv = Config.option(Config.redacted("VOUCHERIFY_WEBHOOK_SECRET"))

export const listen = Command.make(
  "listen",
  {
    output,
    ...bindOptions(4343),
    secret: Options.redacted("secret").pipe(
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
  },
  (flags) =>
    Effect.gen(function* () {
      yield* checkPort(flags.port)
      if (Option.isSome(flags.forwardTo) && !/^https?:\/\/[^/]/.test(flags.forwardTo.value)) {
        return yield* new UsageError({ message: `--forward-to "${flags.forwardTo.value}" is not an http(s) URL` })
      }
      const secret = Option.isSome(flags.secret) ? flags.secret : yield* secretFromEnv
      if (Option.isNone(secret)) {
        return yield* new UsageError({
          message:
            "no signing secret: pass --secret or set VOUCHERIFY_WEBHOOK_SECRET (Project settings → Webhooks; `vwh sandbox` prints its own)"
        })
      }
      return yield* lazy(
        () => import("../Listen.js"),
        (l) => l.listen({ ...flags, secret: secret.value })
      )
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
