import type { WebhooksError } from "@voucherify-webhooks/core/Errors"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { AmbiguousRemote, ApplyIncomplete, DriftDetected, UsageError } from "../CliErrors.js"
import { withApi } from "../Client.js"
import { ExitCode, exitCodeFor } from "../ExitCodes.js"
import { Output } from "../Output.js"
import { describeError } from "../Report.js"
import { type ApplyFile, loadApplyFile } from "./ApplyFile.js"
import type { ApplyFlags } from "./command.js"
import {
  type Action,
  ambiguityMessage,
  isMutation,
  type ProjectPlan,
  pendingChanges,
  planJson,
  planProject,
  renderPlan,
  renderSummary,
  summarize
} from "./Plan.js"

interface Failure {
  readonly projectId: string
  readonly what: string
  readonly error: WebhooksError | AmbiguousRemote
}

type Outcome = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly error: string }

/** Lists every project of the file (one call each): the only reads apply makes. */
const planAll = (file: ApplyFile, flags: ApplyFlags) =>
  Effect.gen(function* () {
    const webhooks = yield* Webhooks
    return yield* Effect.forEach(
      file.projects,
      ({ projectId, webhooks: desired }) =>
        webhooks.list(projectId).pipe(
          Effect.map((remote) => planProject(projectId, desired, remote.data, { prune: flags.prune })),
          Effect.either,
          Effect.map((result) => ({ projectId, result }))
        ),
      { concurrency: flags.concurrency }
    )
  })

const label = (action: Action): string => {
  switch (action._tag) {
    case "Create":
      return `create ${action.desired.target_url}`
    case "Update":
      return `update ${action.current.id} (${action.current.target_url})`
    case "Delete":
      return `delete ${action.current.id} (${action.current.target_url})`
    default:
      return `${action._tag.toLowerCase()} ${action.current.target_url}`
  }
}

/** Runs one create, update or delete. */
const execute = (projectId: string, action: Action, allowUnknownEvents: boolean) =>
  Effect.gen(function* () {
    const webhooks = yield* Webhooks
    switch (action._tag) {
      case "Create":
        return (yield* webhooks.create(projectId, action.desired, { allowUnknownEvents })).id
      case "Update":
        return (yield* webhooks.update(projectId, action.current.id, action.desired, { allowUnknownEvents })).id
      case "Delete":
        yield* webhooks.delete(projectId, action.current.id)
        return action.current.id
      default:
        return action.current.id
    }
  })

export const apply = (flags: ApplyFlags) =>
  Effect.gen(function* () {
    if (flags.concurrency < 1 || flags.concurrency > 16) {
      return yield* new UsageError({ message: `--concurrency ${flags.concurrency}: use 1 to 16` })
    }
    const output = yield* Output
    // The file is read and validated whole before any call.
    const file = yield* loadApplyFile(flags.file)
    const listed = yield* planAll(file, flags)

    const failures: Array<Failure> = []
    const plans: Array<ProjectPlan> = []
    for (const { projectId, result } of listed) {
      if (Either.isLeft(result)) {
        failures.push({ projectId, what: "list", error: result.left })
        continue
      }
      plans.push(result.right)
      if (result.right._tag === "Ambiguous") {
        const plan = result.right
        failures.push({
          projectId,
          what: "plan",
          error: new AmbiguousRemote({
            projectId,
            targetUrl: plan.duplicates[0]?.targetUrl ?? "",
            webhookIds: plan.duplicates.flatMap((d) => d.ids),
            message: ambiguityMessage(plan)
          })
        })
      }
    }
    const summary = summarize(plans)
    const pending = pendingChanges(summary)

    if (output.format === "table") {
      for (const line of renderPlan(plans)) yield* output.line(line)
      yield* output.line(renderSummary(summary, false))
    }

    const outcomes = new Map<Action, Outcome>()
    if (!flags.dryRun && pending > 0) {
      const work = plans.flatMap((plan) =>
        plan._tag === "Planned"
          ? plan.actions.filter(isMutation).map((action) => ({ projectId: plan.projectId, action }))
          : []
      )
      yield* Effect.forEach(
        work,
        ({ projectId, action }) =>
          execute(projectId, action, file.allowUnknownEvents).pipe(
            Effect.matchEffect({
              onSuccess: (id) =>
                Effect.sync(() => outcomes.set(action, { ok: true, id })).pipe(
                  Effect.zipRight(
                    output.info(`✓ ${projectId}: ${label(action)}${action._tag === "Create" ? ` → ${id}` : ""}`)
                  )
                ),
              onFailure: (error) =>
                Effect.sync(() => {
                  failures.push({ projectId, what: label(action), error })
                  outcomes.set(action, { ok: false, error: describeError(error) })
                })
            })
          ),
        { concurrency: flags.concurrency, discard: true }
      )
    }

    if (output.format === "json") {
      yield* output.json({
        file: flags.file,
        dry_run: flags.dryRun,
        prune: flags.prune,
        summary: {
          create: summary.create,
          update: summary.update,
          delete: summary.delete,
          unchanged: summary.unchanged,
          unmanaged: summary.unmanaged,
          ambiguous_projects: summary.ambiguousProjects
        },
        pending,
        projects: planJson(plans).map((p) =>
          "actions" in p
            ? {
                ...p,
                actions: p.actions.map((a, i) => {
                  const plan = plans.find((x) => x.projectId === p.project)
                  const action = plan?._tag === "Planned" ? plan.actions[i] : undefined
                  const outcome = action ? outcomes.get(action) : undefined
                  return outcome ? { ...a, result: outcome } : a
                })
              }
            : p
        ),
        errors: failures.map((f) => ({ project: f.projectId, operation: f.what, error: describeError(f.error) }))
      })
    }

    for (const f of failures) yield* output.info(`vwh: apply: ${f.projectId}: ${f.what}: ${describeError(f.error)}`)

    if (failures.length > 0) {
      const first = failures[0]!
      const failedChanges = failures.filter((f) => f.what !== "list" && f.what !== "plan").length
      return yield* new ApplyIncomplete({
        exitCode: exitCodeFor(first.error),
        message: flags.dryRun
          ? `dry run incomplete: ${failures.length} project(s) could not be planned (first: ${first.projectId}: ${describeError(first.error)})`
          : `apply incomplete: ${failedChanges} of ${pending} change(s) failed and ${failures.length - failedChanges} project(s) were skipped; fix the cause and run \`vwh apply\` again: it only makes the changes still missing`
      })
    }
    if (flags.dryRun) {
      if (pending > 0) {
        return yield* new DriftDetected({
          message: `dry run: ${pending} change(s) pending; run without --dry-run to apply them (exit ${ExitCode.drift})`
        })
      }
      return
    }
    if (output.format === "table") yield* output.line(renderSummary(summary, true))
  }).pipe(withApi(flags))
