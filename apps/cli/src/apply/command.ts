import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { describe } from "../Help.js"
import { apiOptions } from "../SharedOptions.js"

export const applyOptions = {
  ...apiOptions,
  file: Options.text("file").pipe(
    Options.withAlias("f"),
    Options.withDescription("the desired webhooks: a .json, .yaml or .yml file (format in the README)")
  ),
  prune: Options.boolean("prune").pipe(
    Options.withDescription("also delete webhooks of the listed projects that the file does not name")
  ),
  dryRun: Options.boolean("dry-run").pipe(
    Options.withDescription("print the plan only; exit 0 when nothing would change, 10 when changes are pending")
  ),
  concurrency: Options.integer("concurrency").pipe(
    Options.withDefault(4),
    Options.withDescription("how many API calls run at once")
  )
}
export type ApplyFlags = Command.Command.ParseConfig<typeof applyOptions>

// The implementation is imported only when apply runs (see webhooks/command.ts).
export const apply = Command.make("apply", applyOptions, (flags) =>
  Effect.flatMap(
    Effect.promise(() => import("./run.js")),
    (r) => r.apply(flags)
  )
).pipe(
  Command.withDescription(
    describe(
      "Make the webhooks of each project in the file match it: print a plan (create, update with a diff, delete with --prune, unchanged), then apply it with the fewest calls.",
      [
        "vwh apply -f webhooks.yaml --dry-run        # CI drift check: exit 10 when changes are pending",
        "vwh apply -f webhooks.yaml",
        "vwh apply -f webhooks.json --prune --output json"
      ],
      [
        "Webhooks are matched by target_url; event order does not matter. A file that does not validate is rejected whole, before any call. A project with two remote webhooks sharing a target_url is skipped with an error (exit 7)."
      ]
    )
  )
)
