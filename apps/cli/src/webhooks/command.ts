import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { describe } from "../Help.js"
import { apiOptions } from "../SharedOptions.js"

// The implementation is imported when a subcommand runs, so that `vwh --help` and the other commands never
// evaluate it (esbuild keeps a dynamic import behind a lazy initialiser).
const run = () => import("./run.js")

const project = Options.text("project").pipe(
  Options.withAlias("p"),
  Options.withDescription("project id, e.g. proj_TrlkLiH4")
)
const webhookId = Args.text({ name: "ID" }).pipe(Args.withDescription("webhook id, e.g. wh_Fk1HzL9lqC1lpuIFxp3TShB4"))
const allowUnknownEvents = Options.boolean("allow-unknown-events").pipe(
  Options.withDescription(
    "accept well-formed event names this release does not know (Voucherify adds events over time)"
  )
)

export const createOptions = {
  ...apiOptions,
  project,
  url: Options.text("url").pipe(Options.withDescription("target URL that receives the deliveries")),
  events: Options.text("event").pipe(
    Options.withAlias("e"),
    Options.atLeast(1),
    Options.withDescription("event to deliver; repeat for more (see `vwh events`)")
  ),
  inactive: Options.boolean("inactive").pipe(Options.withDescription("create it switched off")),
  allowUnknownEvents
}
export type CreateFlags = Command.Command.ParseConfig<typeof createOptions>

const create = Command.make("create", createOptions, (flags) =>
  Effect.flatMap(Effect.promise(run), (r) => r.create(flags))
).pipe(
  Command.withDescription(
    describe("Create a webhook in a project.", [
      "vwh webhooks create --project proj_x --url https://example.com/hooks --event redemption.succeeded",
      "vwh webhooks create -p proj_x --url https://example.com/hooks -e voucher.published -e voucher.deleted --inactive"
    ])
  )
)

export const listOptions = { ...apiOptions, project }
export type ListFlags = Command.Command.ParseConfig<typeof listOptions>

const list = Command.make("list", listOptions, (flags) =>
  Effect.flatMap(Effect.promise(run), (r) => r.list(flags))
).pipe(
  Command.withDescription(
    describe("List every webhook of a project.", [
      "vwh webhooks list --project proj_x",
      "vwh webhooks list --project proj_x --output json | jq '.[].target_url'"
    ])
  )
)

export const getOptions = { ...apiOptions, project, id: webhookId }
export type GetFlags = Command.Command.ParseConfig<typeof getOptions>

const get = Command.make("get", getOptions, (flags) => Effect.flatMap(Effect.promise(run), (r) => r.get(flags))).pipe(
  Command.withDescription(
    describe("Show one webhook.", ["vwh webhooks get --project proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4"])
  )
)

export const updateOptions = {
  ...apiOptions,
  project,
  id: webhookId,
  url: Options.text("url").pipe(Options.optional, Options.withDescription("new target URL")),
  events: Options.text("event").pipe(
    Options.withAlias("e"),
    Options.repeated,
    Options.withDescription("replace the whole event list; repeat for more")
  ),
  addEvents: Options.text("add-event").pipe(Options.repeated, Options.withDescription("add an event; repeatable")),
  removeEvents: Options.text("remove-event").pipe(
    Options.repeated,
    Options.withDescription("remove an event; repeatable")
  ),
  activate: Options.boolean("active").pipe(Options.withDescription("switch the webhook on")),
  deactivate: Options.boolean("inactive").pipe(Options.withDescription("switch the webhook off")),
  allowUnknownEvents
}
export type UpdateFlags = Command.Command.ParseConfig<typeof updateOptions>

const update = Command.make("update", updateOptions, (flags) =>
  Effect.flatMap(Effect.promise(run), (r) => r.update(flags))
).pipe(
  Command.withDescription(
    describe("Change a webhook. Reads it first and sends a full replace, so every field you do not name is kept.", [
      "vwh webhooks update --project proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4 --add-event redemption.failed",
      "vwh webhooks update -p proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4 --inactive",
      "vwh webhooks update -p proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4 --url https://example.com/new -e voucher.published"
    ])
  )
)

export const deleteOptions = {
  ...apiOptions,
  project,
  id: webhookId,
  yes: Options.boolean("yes").pipe(
    Options.withAlias("y"),
    Options.withDescription("do not ask for confirmation (required when stdin is not a terminal)")
  )
}
export type DeleteFlags = Command.Command.ParseConfig<typeof deleteOptions>

const remove = Command.make("delete", deleteOptions, (flags) =>
  Effect.flatMap(Effect.promise(run), (r) => r.remove(flags))
).pipe(
  Command.withDescription(
    describe(
      "Delete a webhook. Asks for confirmation on a terminal; scripts pass --yes.",
      ["vwh webhooks delete --project proj_x wh_Fk1HzL9lqC1lpuIFxp3TShB4", "vwh webhooks delete -p proj_x --yes wh_…"],
      ["Without a terminal and without --yes it refuses (exit 2) rather than delete unasked."]
    )
  )
)

export const webhooks = Command.make("webhooks").pipe(
  Command.withDescription(
    describe("Create, list, show, change and delete the webhooks of a project.", [
      "vwh webhooks list --project proj_x",
      "vwh webhooks create --help"
    ])
  ),
  Command.withSubcommands([create, list, get, update, remove])
)
