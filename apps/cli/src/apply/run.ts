import * as fs from "node:fs/promises"
import { WebhooksConfig, withoutUserinfo } from "@voucherify-webhooks/core/Config"
import { mayHaveBeenApplied, type WebhooksError } from "@voucherify-webhooks/core/Errors"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { AmbiguousRemote, ApplyIncomplete, DriftDetected, UsageError } from "../CliErrors.js"
import { withApi, withCommandDeadline } from "../Client.js"
import { ExitCode, exitCodeFor } from "../ExitCodes.js"
import { Output } from "../Output.js"
import { confirm, interactive } from "../Prompt.js"
import { describeError } from "../Report.js"
import { loadApplyFile } from "./ApplyFile.js"
import type { ApplyFlags } from "./command.js"
import {
  type Action,
  ambiguityMessage,
  isMutation,
  type ProjectPlan,
  pendingChanges,
  planColour,
  planJson,
  planProject,
  type RemoteWebhook,
  renderPlan,
  renderSummary,
  summarize
} from "./Plan.js"
import { drift, readSaved, staleError, toPlans, toSaved } from "./SavedPlan.js"

interface Failure {
  readonly projectId: string
  readonly what: string
  readonly error: WebhooksError | AmbiguousRemote
}

type Outcome =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly error: string; readonly mayHaveBeenApplied: boolean }

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

/** Lists every project (one call each): the only reads apply makes. */
const listAll = (projects: ReadonlyArray<string>, concurrency: number) =>
  Effect.gen(function* () {
    const webhooks = yield* Webhooks
    return yield* Effect.forEach(
      projects,
      (projectId) =>
        webhooks.list(projectId).pipe(
          Effect.map((list): ReadonlyArray<RemoteWebhook> => list.data),
          Effect.either,
          Effect.map((result) => ({ projectId, result }))
        ),
      { concurrency }
    )
  })

const checkFlags = (flags: ApplyFlags) => {
  const fail = (message: string) => Effect.fail(new UsageError({ message }))
  if (flags.concurrency < 1 || flags.concurrency > 16) return fail(`--concurrency ${flags.concurrency}: use 1 to 16`)
  if (Option.isSome(flags.file) && Option.isSome(flags.plan)) {
    return fail("give the apply file (-f FILE) or a saved plan (PLAN), not both")
  }
  if (Option.isNone(flags.file) && Option.isNone(flags.plan)) {
    return fail("nothing to apply: give the webhooks file with -f FILE, or a saved plan: `vwh apply plan.json`")
  }
  if (Option.isSome(flags.plan) && (flags.prune || Option.isSome(flags.planOut))) {
    return fail("a saved plan is applied as it is: --prune and --plan-out go with -f FILE when making it")
  }
  return Effect.void
}

/** What was made, what failed, what was cut short and what never started: printed if apply is interrupted. */
const interruptedReport = (
  work: ReadonlyArray<{ readonly projectId: string; readonly action: Action }>,
  outcomes: ReadonlyMap<Action, Outcome>,
  running: ReadonlySet<Action>
): ReadonlyArray<string> => {
  const made = work.filter((w) => outcomes.get(w.action)?.ok === true)
  const inFlight = work.filter((w) => running.has(w.action))
  const notStarted = work.filter((w) => !outcomes.has(w.action) && !running.has(w.action))
  return [
    `vwh: apply interrupted: ${made.length} change(s) made, ${inFlight.length} cut short, ${notStarted.length} not started`,
    ...made.map((w) => `  ✓ ${w.projectId}: ${label(w.action)}: made`),
    ...work
      .filter((w) => outcomes.get(w.action)?.ok === false)
      .map((w) => `  ✗ ${w.projectId}: ${label(w.action)}: failed`),
    ...inFlight.map(
      (w) =>
        `  ? ${w.projectId}: ${label(w.action)}: cut short; it may have been applied: check with \`vwh webhooks list --project ${w.projectId}\``
    ),
    ...notStarted.map((w) => `  - ${w.projectId}: ${label(w.action)}: not started`),
    "  run `vwh apply` again to make what is still missing"
  ]
}

export const apply = (flags: ApplyFlags) => {
  let changing = false
  return Effect.gen(function* () {
    yield* checkFlags(flags)
    const output = yield* Output
    const config = yield* WebhooksConfig
    const baseUrl = withoutUserinfo(config.baseUrl)
    const failures: Array<Failure> = []
    let plans: ReadonlyArray<ProjectPlan>
    let allowUnknownEvents: boolean
    let source: string

    if (Option.isSome(flags.plan)) {
      // A saved plan: exactly its actions, and only if every project still has the webhooks it was made from.
      source = flags.plan.value
      const saved = yield* readSaved(source)
      if (saved.base_url !== baseUrl) {
        return yield* new UsageError({
          message: `the plan ${source} was made against ${saved.base_url}, not ${baseUrl}; nothing was changed`
        })
      }
      plans = yield* toPlans(source, saved)
      allowUnknownEvents = saved.allow_unknown_events
      const listed = yield* listAll(
        saved.projects.map((p) => p.project),
        flags.concurrency
      )
      const moved: Array<{ project: string; changes: ReadonlyArray<string> }> = []
      for (const [i, { projectId, result }] of listed.entries()) {
        if (Either.isLeft(result)) return yield* result.left
        const changes = drift(saved.projects[i]!.remote, result.right)
        if (changes.length > 0) moved.push({ project: projectId, changes })
      }
      if (moved.length > 0) return yield* staleError(source, moved)
    } else {
      // The file is read and validated whole before any call.
      source = Option.getOrThrow(flags.file)
      const file = yield* loadApplyFile(source)
      allowUnknownEvents = file.allowUnknownEvents
      const listed = yield* listAll(
        file.projects.map((p) => p.projectId),
        flags.concurrency
      )
      const planned: Array<ProjectPlan> = []
      const remotes = new Map<string, ReadonlyArray<RemoteWebhook>>()
      for (const [i, { projectId, result }] of listed.entries()) {
        if (Either.isLeft(result)) {
          failures.push({ projectId, what: "list", error: result.left })
          continue
        }
        remotes.set(projectId, result.right)
        const plan = planProject(projectId, file.projects[i]!.webhooks, result.right, { prune: flags.prune })
        planned.push(plan)
        if (plan._tag === "Ambiguous") {
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
      plans = planned
      if (Option.isSome(flags.planOut) && failures.length === 0) {
        const saved = toSaved(
          planned.flatMap((plan) =>
            plan._tag === "Planned" ? [{ plan, remote: remotes.get(plan.projectId) ?? [] }] : []
          ),
          { baseUrl, file: source, prune: flags.prune, allowUnknownEvents }
        )
        yield* writeFileAtomically(flags.planOut.value, `${JSON.stringify(saved, null, 2)}\n`)
      }
    }

    const summary = summarize(plans)
    const pending = pendingChanges(summary)
    const dryRun = flags.dryRun || Option.isSome(flags.planOut)

    if (output.format === "table") {
      for (const line of renderPlan(plans)) yield* output.line(line, planColour(line))
      yield* output.line(renderSummary(summary, false))
    }
    if (Option.isSome(flags.planOut) && failures.length === 0) {
      yield* output.info(
        `Saved the plan to ${flags.planOut.value}; apply exactly it with \`vwh apply ${flags.planOut.value}\``
      )
    }

    const work = dryRun
      ? []
      : plans.flatMap((plan) =>
          plan._tag === "Planned"
            ? plan.actions.filter(isMutation).map((action) => ({ projectId: plan.projectId, action }))
            : []
        )

    let asked = false
    // Deletions are asked for on a terminal, and refused without one unless --auto-approve: nothing is changed
    // before the answer.
    if (summary.delete > 0 && work.length > 0 && !flags.autoApprove) {
      if (!interactive()) {
        return yield* new UsageError({
          message: `refusing to delete ${summary.delete} webhook(s) without confirmation: stdin is not a terminal; review the plan and pass --auto-approve (nothing was changed)`
        })
      }
      if (output.format === "json") {
        for (const line of renderPlan(plans)) yield* output.info(line)
      }
      const ok = yield* confirm(
        `Apply ${pending} change(s), ${summary.delete} of them deletion(s) that cannot be undone?`
      )
      if (!ok) return yield* new UsageError({ message: "nothing was changed: confirmation declined" })
      asked = true
    }

    const outcomes = new Map<Action, Outcome>()
    const running = new Set<Action>()
    changing = work.length > 0
    yield* Effect.forEach(
      work,
      ({ projectId, action }) =>
        Effect.sync(() => running.add(action)).pipe(
          Effect.zipRight(execute(projectId, action, allowUnknownEvents)),
          Effect.matchEffect({
            onSuccess: (id) =>
              Effect.sync(() => {
                running.delete(action)
                outcomes.set(action, { ok: true, id })
              }).pipe(
                Effect.zipRight(
                  output.info(`✓ ${projectId}: ${label(action)}${action._tag === "Create" ? ` → ${id}` : ""}`)
                )
              ),
            onFailure: (error) =>
              Effect.sync(() => {
                running.delete(action)
                failures.push({ projectId, what: label(action), error })
                outcomes.set(action, {
                  ok: false,
                  error: describeError(error),
                  mayHaveBeenApplied: mayHaveBeenApplied(error)
                })
              })
          })
        ),
      { concurrency: flags.concurrency, discard: true }
    ).pipe(
      (changes) => (asked ? withCommandDeadline(changes) : changes),
      Effect.onInterrupt(() =>
        Effect.forEach(interruptedReport(work, outcomes, running), (line) => output.info(line), { discard: true })
      )
    )

    if (output.format === "json") {
      yield* output.json({
        file: source,
        dry_run: dryRun,
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
      const failedChanges = failures.filter((f) => f.what !== "list" && f.what !== "plan")
      const uncertain = failedChanges.filter((f) => mayHaveBeenApplied(f.error)).length
      return yield* new ApplyIncomplete({
        exitCode: exitCodeFor(first.error),
        message: dryRun
          ? `dry run incomplete: ${failures.length} project(s) could not be planned (first: ${first.projectId}: ${describeError(first.error)})${Option.isSome(flags.planOut) ? "; no plan was saved" : ""}`
          : `apply incomplete: ${failedChanges.length} of ${pending} change(s) failed${uncertain > 0 ? ` (${uncertain} may have been applied all the same: check with \`vwh webhooks list\`)` : ""} and ${failures.length - failedChanges.length} project(s) were skipped; fix the cause and run \`vwh apply -f …\` again: it plans from the webhooks as they are and makes only the changes still missing`
      })
    }
    if (dryRun) {
      if (pending > 0) {
        return yield* new DriftDetected({
          message: Option.isSome(flags.planOut)
            ? `${pending} change(s) pending, saved to ${flags.planOut.value} (exit ${ExitCode.drift})`
            : `dry run: ${pending} change(s) pending; run without --dry-run to apply them (exit ${ExitCode.drift})`
        })
      }
      return
    }
    if (output.format === "table") yield* output.line(renderSummary(summary, true))
  }).pipe(
    // Interrupted before the changes started (while listing, or at the question): say that nothing changed.
    Effect.onInterrupt(() =>
      Effect.flatMap(Output, (output) =>
        changing ? Effect.void : output.info("vwh: apply interrupted before any change; nothing was changed")
      )
    ),
    withApi(flags)
  )
}

/** Writes the whole file or nothing (a temporary file renamed over it), readable by the user only. */
const writeFileAtomically = (path: string, text: string) =>
  Effect.tryPromise({
    try: async () => {
      const temporary = `${path}.${process.pid}.tmp`
      await fs.writeFile(temporary, text, { mode: 0o600 })
      await fs.rename(temporary, path)
    },
    catch: (e) =>
      new UsageError({ message: `cannot write the plan to ${path}: ${e instanceof Error ? e.message : String(e)}` })
  })
