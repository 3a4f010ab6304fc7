import { type CallContext, mayHaveBeenAppliedAdvice } from "@voucherify-webhooks/core/ErrorFromResponse"
import { Webhook } from "@voucherify-webhooks/core/Webhook"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { UsageError } from "../CliErrors.js"
import { withApi, withCommandDeadline } from "../Client.js"
import { checkEventFlags } from "../EventFlags.js"
import { Output, renderTable } from "../Output.js"
import { confirm, interactive } from "../Prompt.js"
import type { CreateFlags, DeleteFlags, GetFlags, ListFlags, UpdateFlags } from "./command.js"
import { checkUpdateFlags, mergeUpdate } from "./UpdateMerge.js"

const encode = Schema.encodeSync(Webhook)

const eventsSummary = (events: ReadonlyArray<string>) =>
  events.length <= 2 ? events.join(", ") : `${events.slice(0, 2).join(", ")} +${events.length - 2} more`

/** One webhook: the API's JSON, or a key/value block listing every event. */
const showOne = (webhook: Webhook) =>
  Effect.gen(function* () {
    const output = yield* Output
    if (output.format === "json") return yield* output.json(encode(webhook))
    yield* output.line(`id          ${webhook.id}`)
    yield* output.line(`target_url  ${webhook.target_url}`)
    yield* output.line(`active      ${webhook.active}`)
    yield* output.line(`created_at  ${webhook.created_at.toISOString()}`)
    yield* output.line(`events      ${webhook.events.join("\n            ")}`)
  })

/** A change interrupted (Ctrl-C, SIGTERM) once sent may have been applied: say so, and how to check. */
const cutShort =
  (ctx: CallContext) =>
  <A, E, R>(change: Effect.Effect<A, E, R>) =>
    Effect.onInterrupt(change, () =>
      Effect.flatMap(Output, (output) =>
        output.info(`vwh: the ${ctx.operation} was cut short; ${mayHaveBeenAppliedAdvice(ctx)}`)
      )
    )

export const create = (flags: CreateFlags) =>
  Effect.gen(function* () {
    yield* checkEventFlags("--event", flags.events, flags.allowUnknownEvents)
    const webhooks = yield* Webhooks
    const created = yield* webhooks
      .create(
        flags.project,
        { target_url: flags.url, events: flags.events, active: !flags.inactive },
        { allowUnknownEvents: flags.allowUnknownEvents }
      )
      .pipe(cutShort({ operation: "create", projectId: flags.project }))
    const output = yield* Output
    if (output.format === "json") return yield* output.json(encode(created))
    yield* output.line(`Created webhook ${created.id} in ${flags.project} → ${created.target_url}`)
  }).pipe(withApi(flags))

export const list = (flags: ListFlags) =>
  Effect.gen(function* () {
    const webhooks = yield* Webhooks
    const result = yield* webhooks.list(flags.project)
    const output = yield* Output
    if (output.format === "json") return yield* output.json(result.data.map((w) => encode(w)))
    if (result.data.length === 0) {
      return yield* output.info(`No webhooks in ${flags.project}; create one with \`vwh webhooks create\`.`)
    }
    const rows = result.data.map((w) => [w.id, w.active ? "yes" : "no", eventsSummary(w.events), w.target_url])
    for (const line of renderTable(["ID", "ACTIVE", "EVENTS", "TARGET_URL"], rows)) yield* output.line(line)
  }).pipe(withApi(flags))

export const get = (flags: GetFlags) =>
  Effect.gen(function* () {
    const webhooks = yield* Webhooks
    yield* showOne(yield* webhooks.get(flags.project, flags.id))
  }).pipe(withApi(flags))

export const update = (flags: UpdateFlags) =>
  Effect.gen(function* () {
    if (flags.activate && flags.deactivate) {
      return yield* new UsageError({ message: "--active and --inactive contradict each other: pass one" })
    }
    const active = flags.activate ? Option.some(true) : flags.deactivate ? Option.some(false) : Option.none()
    const updateFlags = { ...flags, active }
    yield* checkUpdateFlags(updateFlags)
    const webhooks = yield* Webhooks
    const output = yield* Output
    const current = yield* webhooks.get(flags.project, flags.id)
    const merged = yield* mergeUpdate(current, updateFlags)
    for (const warning of merged.warnings) yield* output.warn(warning)
    const updated = yield* webhooks
      .update(flags.project, flags.id, merged.body, {
        allowUnknownEvents: flags.allowUnknownEvents || merged.keepsUnknownEvents
      })
      .pipe(cutShort({ operation: "update", projectId: flags.project, webhookId: flags.id }))
    if (output.format === "json") return yield* output.json(encode(updated))
    yield* output.line(`Updated webhook ${updated.id} in ${flags.project}`)
    yield* showOne(updated)
  }).pipe(withApi(flags))

export const remove = (flags: DeleteFlags) =>
  Effect.gen(function* () {
    if (!flags.yes && !interactive()) {
      return yield* new UsageError({
        message: `refusing to delete webhook ${flags.id} without confirmation: stdin is not a terminal; pass --yes to delete from a script`
      })
    }
    const webhooks = yield* Webhooks
    const output = yield* Output
    if (!flags.yes) {
      const current = yield* webhooks.get(flags.project, flags.id)
      const ok = yield* confirm(`Delete webhook ${current.id} (${current.target_url}) from ${flags.project}?`)
      if (!ok) return yield* new UsageError({ message: "not deleted: confirmation declined" })
    }
    yield* webhooks
      .delete(flags.project, flags.id)
      .pipe(
        cutShort({ operation: "delete", projectId: flags.project, webhookId: flags.id }),
        flags.yes ? (e) => e : withCommandDeadline
      )
    if (output.format === "json") return yield* output.json({ deleted: true, project: flags.project, id: flags.id })
    yield* output.line(`Deleted webhook ${flags.id} from ${flags.project}`)
  }).pipe(withApi(flags))
