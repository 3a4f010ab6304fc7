import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { UsageError } from "../CliErrors.js"
import { about, leaf } from "../CommandTree.js"
import { checkEventFlags } from "../EventFlags.js"
import * as Output from "../Output.js"
import { addSecret } from "../Redact.js"
import { bindOptions, checkPort, output, webhookSecret } from "../SharedOptions.js"

export const listenOptions = {
  output,
  ...bindOptions(4343),
  secret: webhookSecret(
    "the project's webhook signing secret (Project settings → Webhooks; `vwh sandbox` prints its own); default VOUCHERIFY_WEBHOOK_SECRET"
  ),
  forwardTo: Options.text("forward-to").pipe(
    Options.withPseudoName("URL"),
    Options.optional,
    about(
      "POST each verified delivery to your app: the signed bytes, with the delivery's headers, e.g. --forward-to http://localhost:3000/webhooks"
    )
  ),
  forwardReplays: Options.boolean("forward-replays").pipe(
    about(
      "forward a replay (a delivery id already forwarded) again, with x-vwh-replay: true; by default it is shown, not forwarded"
    )
  ),
  printJson: Options.boolean("print-json").pipe(
    about("print each verified delivery as one line of JSON on stdout (the lines for people go to stderr)")
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
      "Each delivery's x-voucherify-signature is checked (core's verifyDelivery); a verified one is answered 202 at once and printed as one line: type, delivery id and the key fields of its data. A bad or missing signature is answered 401 with the reason, a body that is signed but not a delivery 400, a body over 1 MiB 413; each is reported on stderr. Ctrl-C stops it.",
      "With --forward-to, the signed bytes are forwarded: when only the compact JSON form of a body verified (it was re-formatted on the way), that form is sent, never the raw bytes. A replay (the id of a delivery already forwarded) is shown as one and not forwarded again unless --forward-replays."
    ],
    examples: [
      "VOUCHERIFY_WEBHOOK_SECRET=… vwh listen --port 4343",
      'vwh listen --secret "$SECRET" --forward-to http://localhost:3000/webhooks --event redemption.succeeded',
      "vwh listen --print-json | jq .data.voucher.code",
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
      if (flags.printJson && flags.output === "json") {
        return yield* new UsageError({
          message:
            "--print-json and --output json both print JSON on stdout: --print-json for the deliveries alone, --output json for a record of each (with its forward)"
        })
      }
      if (flags.forwardReplays && Option.isNone(flags.forwardTo)) {
        return yield* new UsageError({ message: "--forward-replays needs --forward-to URL" })
      }
      if (Option.isNone(flags.secret)) {
        return yield* new UsageError({
          message:
            "no signing secret: pass --secret or set VOUCHERIFY_WEBHOOK_SECRET (Project settings → Webhooks; `vwh sandbox` prints its own)"
        })
      }
      if (Redacted.value(flags.secret.value) === "") {
        return yield* new UsageError({
          message:
            "the signing secret is empty: it would verify nothing; pass the project's secret (Project settings → Webhooks)"
        })
      }
      addSecret(flags.secret.value)
      // The receiver is imported only when listen runs (see webhooks/command.ts).
      const { listen } = yield* Effect.promise(() => import("./Listener.js"))
      return yield* listen({ ...flags, secret: flags.secret.value })
    }).pipe(Effect.provide(Output.layer(flags.output))),
  { runsUntilStopped: true }
)
