import * as Args from "@effect/cli/Args"
import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { about, aboutArg, leaf } from "../CommandTree.js"
import { apiOptions } from "../SharedOptions.js"

export const applyOptions = {
  ...apiOptions,
  file: Options.text("file").pipe(
    Options.withAlias("f"),
    Options.withPseudoName("FILE"),
    Options.optional,
    about("the webhooks you want, per project: a .json, .yaml or .yml file, e.g. -f webhooks.yaml")
  ),
  plan: Args.text({ name: "PLAN" }).pipe(
    Args.optional,
    aboutArg("a plan saved with --plan-out: apply exactly it, or nothing if the webhooks changed since")
  ),
  prune: Options.boolean("prune").pipe(
    about("also delete the webhooks of the file's projects that the file does not name (asks first)")
  ),
  dryRun: Options.boolean("dry-run").pipe(
    about("print the plan and stop: exit 0 when nothing would change, 10 when changes are pending")
  ),
  planOut: Options.text("plan-out").pipe(
    Options.withPseudoName("FILE"),
    Options.optional,
    about(
      "print the plan and save it with the webhooks it was computed from, without applying it; e.g. --plan-out plan.json, later `vwh apply plan.json`"
    )
  ),
  autoApprove: Options.boolean("auto-approve").pipe(
    about("make deletions without asking (needed for deletions when stdin is not a terminal)")
  ),
  concurrency: Options.integer("concurrency").pipe(
    Options.withPseudoName("N"),
    Options.withDefault(4),
    about("how many API calls run at once, 1 to 16 (default 4), e.g. --concurrency 8")
  )
}
export type ApplyFlags = Command.Command.ParseConfig<typeof applyOptions>

export const apply = leaf(
  "apply",
  applyOptions,
  {
    summary: "Make the webhooks of each project in a file match it, with a plan first.",
    details: [
      "Webhooks are matched by target_url and events compared as sets. The plan shows what will be created, updated (with a diff), deleted (only with --prune) or left unchanged; then apply makes only those calls. A file that does not validate is rejected whole, before any call.",
      "Deletions need a yes on a terminal, or --auto-approve. A saved plan (--plan-out) is applied as it is, and refused without any change if the project's webhooks changed since it was made."
    ],
    examples: [
      "vwh apply -f webhooks.yaml --dry-run             # CI drift check: exit 10 when changes are pending",
      "vwh apply -f webhooks.yaml",
      "vwh apply -f webhooks.yaml --prune --plan-out plan.json && vwh apply plan.json --auto-approve",
      "vwh apply -f webhooks.json --prune --auto-approve --output json"
    ]
  },
  // The implementation is imported only when apply runs (see webhooks/command.ts).
  (flags) =>
    Effect.flatMap(
      Effect.promise(() => import("./run.js")),
      (r) => r.apply(flags)
    )
)
