import { EventGroups } from "@voucherify-webhooks/core/EventNames"
import * as Effect from "effect/Effect"
import { leaf } from "../CommandTree.js"
import * as Output from "../Output.js"
import { output } from "../SharedOptions.js"

export const events = leaf(
  "events",
  { output },
  {
    summary: "List the webhook event names Voucherify documents, grouped by resource.",
    examples: ["vwh events", "vwh events --output json | jq -r '.redemption[]'"]
  },
  (flags) =>
    Effect.gen(function* () {
      const out = yield* Output.Output
      if (out.format === "json") return yield* out.json(EventGroups)
      for (const [resource, names] of Object.entries(EventGroups)) {
        yield* out.line(`${resource} (${names.length})`)
        for (const name of names) yield* out.line(`  ${name}`)
      }
    }).pipe(Effect.provide(Output.layer(flags.output)))
)
