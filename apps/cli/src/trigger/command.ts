import * as Args from "@effect/cli/Args"
import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { about, aboutArg, leaf } from "../CommandTree.js"
import * as Output from "../Output.js"
import { apiOptions, webhookSecret } from "../SharedOptions.js"

export const triggerOptions = {
  ...apiOptions,
  event: Args.text({ name: "EVENT" }).pipe(
    aboutArg("the event to send, e.g. redemption.succeeded (`vwh events` lists them)")
  ),
  to: Options.text("to").pipe(
    Options.withPseudoName("URL"),
    Options.optional,
    about(
      "send the delivery straight to this receiver, signed with --secret, e.g. --to http://localhost:3000/webhooks; without it, a running `vwh sandbox` delivers it to the project's webhooks"
    )
  ),
  secret: webhookSecret(
    "the signing secret for --to (the receiver's project secret); default VOUCHERIFY_WEBHOOK_SECRET"
  ),
  set: Options.text("set").pipe(
    Options.withPseudoName("PATH=VALUE"),
    Options.repeated,
    about(
      "change a field of the delivery, e.g. --set data.voucher.code=SPRING-1 or --set data.order.amount=2500 (a value that parses as JSON is JSON, else text)"
    )
  ),
  project: Options.text("project").pipe(
    Options.withAlias("p"),
    Options.withPseudoName("ID"),
    Options.optional,
    about(
      "the project: through the sandbox, whose webhooks receive the event (needed); with --to, the delivery's project_id"
    )
  ),
  allowUnknownEvents: Options.boolean("allow-unknown-events").pipe(
    about(
      "with --to, send a well-formed event name this release does not know, with an empty data (fill it with --set)"
    )
  )
}
export type TriggerFlags = Command.Command.ParseConfig<typeof triggerOptions>

export const trigger = leaf(
  "trigger",
  triggerOptions,
  {
    summary: "Send one signed, realistic delivery of an event: to your receiver, or through the sandbox.",
    details: [
      "The delivery is what Voucherify sends: the envelope with fresh ids and a data valid against Voucherify's schema for the event, signed with x-voucherify-signature over exactly the bytes sent. It prints what was sent and the receiver's answer; a non-2xx answer or no answer exits 6.",
      "Without --to, it asks a running `vwh sandbox` (VOUCHERIFY_API_URL and the credentials it prints) to raise the event in --project: the sandbox signs it with the project's secret and delivers it to every webhook of the project that takes the event, as Voucherify would."
    ],
    examples: [
      "vwh trigger redemption.succeeded --to http://localhost:3000/webhooks --secret whsec_…",
      "vwh trigger voucher.published --to http://localhost:4343/ --set data.voucher.code=SPRING-1",
      "vwh trigger redemption.succeeded --project proj_demo   # through the sandbox at VOUCHERIFY_API_URL",
      "vwh trigger customer.created --to http://localhost:3000/webhooks -o json | jq .response.status"
    ]
  },
  (flags) =>
    // The implementation (and core's fixtures and schemas) is loaded only when trigger runs.
    Effect.flatMap(
      Effect.promise(() => import("./run.js")),
      (run) => run.trigger(flags)
    ).pipe(Effect.provide(Output.layer(flags.output)))
)
