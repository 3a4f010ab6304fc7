import * as Args from "@effect/cli/Args"
import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { about, aboutArg, group, leaf } from "../CommandTree.js"
import { apiOptions } from "../SharedOptions.js"

// The implementation is imported when a subcommand runs, so that `vwh --help` and the other commands never
// evaluate it (esbuild keeps a dynamic import behind a lazy initialiser).
const run = () => import("./run.js")

const project = Options.text("project").pipe(
  Options.withAlias("p"),
  Options.withPseudoName("ID"),
  about("the project the webhooks belong to, e.g. --project proj_TrlkLiH4")
)
const webhookId = Args.text({ name: "ID" }).pipe(aboutArg("the webhook, e.g. wh_Fk1HzL9lqC1lpuIFxp3TShB4"))
const allowUnknownEvents = Options.boolean("allow-unknown-events").pipe(
  about("accept well-formed event names this release does not know yet (Voucherify adds events over time)")
)
const url = Options.text("url").pipe(Options.withPseudoName("URL"))

export const createOptions = {
  ...apiOptions,
  project,
  url: url.pipe(about("where Voucherify sends the deliveries, e.g. --url https://example.com/hooks")),
  events: Options.text("event").pipe(
    Options.withAlias("e"),
    Options.withPseudoName("NAME"),
    Options.atLeast(1),
    about("an event to deliver, e.g. -e redemption.succeeded; repeat it for more (`vwh events` lists them)")
  ),
  inactive: Options.boolean("inactive").pipe(about("create it switched off")),
  allowUnknownEvents
}
export type CreateFlags = Command.Command.ParseConfig<typeof createOptions>

export const listOptions = { ...apiOptions, project }
export type ListFlags = Command.Command.ParseConfig<typeof listOptions>

export const getOptions = { ...apiOptions, project, id: webhookId }
export type GetFlags = Command.Command.ParseConfig<typeof getOptions>

export const updateOptions = {
  ...apiOptions,
  project,
  id: webhookId,
  url: url.pipe(Options.optional, about("a new target URL, e.g. --url https://example.com/new")),
  events: Options.text("event").pipe(
    Options.withAlias("e"),
    Options.withPseudoName("NAME"),
    Options.repeated,
    about("replace the whole event list with these, e.g. -e voucher.published -e voucher.deleted")
  ),
  addEvents: Options.text("add-event").pipe(
    Options.withPseudoName("NAME"),
    Options.repeated,
    about("add an event to the list, e.g. --add-event redemption.failed")
  ),
  removeEvents: Options.text("remove-event").pipe(
    Options.withPseudoName("NAME"),
    Options.repeated,
    about("remove an event from the list, e.g. --remove-event voucher.deleted")
  ),
  activate: Options.boolean("active").pipe(about("switch the webhook on")),
  deactivate: Options.boolean("inactive").pipe(about("switch the webhook off")),
  allowUnknownEvents
}
export type UpdateFlags = Command.Command.ParseConfig<typeof updateOptions>

export const deleteOptions = {
  ...apiOptions,
  project,
  id: webhookId,
  yes: Options.boolean("yes").pipe(
    Options.withAlias("y"),
    about("delete without asking (needed when stdin is not a terminal)")
  )
}
export type DeleteFlags = Command.Command.ParseConfig<typeof deleteOptions>

export const webhooks = group(
  "webhooks",
  {
    summary: "Create, list, show, change and delete the webhooks of a project.",
    examples: ["vwh webhooks list --project proj_x", "vwh webhooks create --help"]
  },
  [
    leaf(
      "create",
      createOptions,
      {
        summary: "Create a webhook in a project.",
        details: [
          "Event names are checked against the documented ones before anything is sent, with a suggestion for typos."
        ],
        examples: [
          "vwh webhooks create --project proj_x --url https://example.com/hooks --event redemption.succeeded",
          "vwh webhooks create -p proj_x --url https://example.com/hooks -e voucher.published -e voucher.deleted --inactive"
        ]
      },
      (flags) => Effect.flatMap(Effect.promise(run), (r) => r.create(flags))
    ),
    leaf(
      "list",
      listOptions,
      {
        summary: "List every webhook of a project.",
        examples: [
          "vwh webhooks list --project proj_x",
          "vwh webhooks list --project proj_x --output json | jq -r '.[].target_url'"
        ]
      },
      (flags) => Effect.flatMap(Effect.promise(run), (r) => r.list(flags))
    ),
    leaf(
      "get",
      getOptions,
      {
        summary: "Show one webhook with all its events.",
        examples: ["vwh webhooks get --project proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4"]
      },
      (flags) => Effect.flatMap(Effect.promise(run), (r) => r.get(flags))
    ),
    leaf(
      "update",
      updateOptions,
      {
        summary: "Change a webhook, keeping every field you do not name.",
        details: [
          "Voucherify's update replaces the whole webhook, so vwh reads it first and sends every field with your changes applied."
        ],
        examples: [
          "vwh webhooks update --project proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4 --add-event redemption.failed",
          "vwh webhooks update -p proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4 --inactive",
          "vwh webhooks update -p proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4 --url https://example.com/new -e voucher.published"
        ]
      },
      (flags) => Effect.flatMap(Effect.promise(run), (r) => r.update(flags))
    ),
    leaf(
      "delete",
      deleteOptions,
      {
        summary: "Delete a webhook, after asking on a terminal.",
        details: ["Without a terminal and without --yes it refuses (exit 2) rather than delete unasked."],
        examples: [
          "vwh webhooks delete --project proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4",
          "vwh webhooks delete -p proj_x --yes wh_Fk1HzL9lqC1lpuIFxp3TShB4   # from a script"
        ]
      },
      (flags) => Effect.flatMap(Effect.promise(run), (r) => r.remove(flags))
    )
  ]
)
