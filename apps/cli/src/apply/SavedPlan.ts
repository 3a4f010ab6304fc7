import { readFile } from "node:fs/promises"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ApplyFileError, StalePlan } from "../CliErrors.js"
import type { DesiredWebhook } from "./ApplyFile.js"
import { type Action, diff, type ProjectPlan, type RemoteWebhook } from "./Plan.js"

// A plan saved by `vwh apply --plan-out`: the actions, and the remote webhooks they were computed from, so that
// `vwh apply plan.json` makes exactly these changes, or none if the remote moved since (Terraform's stale plan).

const Remote = Schema.Struct({
  id: Schema.String,
  target_url: Schema.String,
  events: Schema.Array(Schema.String),
  active: Schema.Boolean
})
const Desired = Schema.Struct({
  target_url: Schema.String,
  events: Schema.Array(Schema.String),
  active: Schema.Boolean
})

const SavedAction = Schema.Union(
  Schema.Struct({ action: Schema.Literal("create"), desired: Desired }),
  Schema.Struct({ action: Schema.Literal("update"), id: Schema.String, desired: Desired }),
  // The file's entry, for its spelling of the URL in the plan shown again.
  Schema.Struct({ action: Schema.Literal("unchanged"), id: Schema.String, desired: Schema.optional(Desired) }),
  Schema.Struct({ action: Schema.Literal("delete", "unmanaged"), id: Schema.String })
)

export const SavedPlan = Schema.Struct({
  vwh_plan: Schema.Literal(1),
  created_at: Schema.String,
  /** The API the plan was computed against (no credentials): applying it elsewhere is refused. */
  base_url: Schema.String,
  file: Schema.String,
  prune: Schema.Boolean,
  allow_unknown_events: Schema.Boolean,
  projects: Schema.Array(
    Schema.Struct({ project: Schema.String, remote: Schema.Array(Remote), actions: Schema.Array(SavedAction) })
  )
})
export type SavedPlan = typeof SavedPlan.Type

const remoteOf = (w: RemoteWebhook) => ({ id: w.id, target_url: w.target_url, events: [...w.events], active: w.active })
const desiredOf = (d: DesiredWebhook) => ({ target_url: d.target_url, events: [...d.events], active: d.active })

/** The plan to save: every project planned (an ambiguous project cannot be saved), with its remote state. */
export const toSaved = (
  plans: ReadonlyArray<{
    readonly plan: ProjectPlan & { _tag: "Planned" }
    readonly remote: ReadonlyArray<RemoteWebhook>
  }>,
  context: {
    readonly baseUrl: string
    readonly file: string
    readonly prune: boolean
    readonly allowUnknownEvents: boolean
  }
): SavedPlan => ({
  vwh_plan: 1,
  created_at: new Date().toISOString(),
  base_url: context.baseUrl,
  file: context.file,
  prune: context.prune,
  allow_unknown_events: context.allowUnknownEvents,
  projects: plans.map(({ plan, remote }) => ({
    project: plan.projectId,
    remote: remote.map(remoteOf),
    actions: plan.actions.map((a) => {
      switch (a._tag) {
        case "Create":
          return { action: "create" as const, desired: desiredOf(a.desired) }
        case "Update":
          return { action: "update" as const, id: a.current.id, desired: desiredOf(a.desired) }
        case "Unchanged":
          return {
            action: "unchanged" as const,
            id: a.current.id,
            ...(a.desired === undefined ? {} : { desired: desiredOf(a.desired) })
          }
        default:
          return { action: a._tag.toLowerCase() as "delete" | "unmanaged", id: a.current.id }
      }
    })
  }))
})

const invalid = (file: string, message: string) => new ApplyFileError({ file, problems: [], message })

/** Reads and checks a saved plan file. */
export const readSaved = (file: string): Effect.Effect<SavedPlan, ApplyFileError> =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (e) =>
      invalid(
        file,
        `cannot read the plan ${file}: ${typeof e === "object" && e !== null && "code" in e && e.code === "ENOENT" ? "no such file" : String(e)}`
      )
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => invalid(file, `${file} is not JSON`) })
    ),
    Effect.flatMap((json) =>
      Schema.decodeUnknown(SavedPlan)(json).pipe(
        Effect.mapError(() =>
          invalid(file, `${file} is not a plan saved by \`vwh apply --plan-out\` (or it was edited); make a new one`)
        )
      )
    )
  )

/** The saved actions as a plan, their webhooks taken from the saved remote state. */
export const toPlans = (file: string, saved: SavedPlan): Effect.Effect<ReadonlyArray<ProjectPlan>, ApplyFileError> =>
  Effect.forEach(saved.projects, ({ project, remote, actions }) =>
    Effect.forEach(actions, (a): Effect.Effect<Action, ApplyFileError> => {
      if (a.action === "create") return Effect.succeed({ _tag: "Create", desired: a.desired })
      const current = remote.find((w) => w.id === a.id)
      if (current === undefined) {
        return Effect.fail(
          invalid(file, `${file}: ${project}: ${a.id} is not among the saved webhooks; make a new plan`)
        )
      }
      switch (a.action) {
        case "update": {
          const changes = diff(current, a.desired)
          return Effect.succeed(
            changes === undefined
              ? { _tag: "Unchanged", current, desired: a.desired }
              : { _tag: "Update", current, desired: a.desired, changes }
          )
        }
        case "delete":
          return Effect.succeed({ _tag: "Delete", current })
        case "unchanged":
          return Effect.succeed(
            a.desired === undefined
              ? { _tag: "Unchanged", current }
              : { _tag: "Unchanged", current, desired: a.desired }
          )
        case "unmanaged":
          return Effect.succeed({ _tag: "Unmanaged", current })
      }
    }).pipe(Effect.map((list): ProjectPlan => ({ _tag: "Planned", projectId: project, actions: list })))
  )

/** How the live webhooks of a project differ from the saved ones, one phrase each; empty when they do not. */
export const drift = (
  saved: ReadonlyArray<RemoteWebhook>,
  live: ReadonlyArray<RemoteWebhook>
): ReadonlyArray<string> => {
  const key = (w: RemoteWebhook) => JSON.stringify([w.target_url, [...w.events].sort(), w.active])
  const before = new Map(saved.map((w) => [w.id, w]))
  const after = new Map(live.map((w) => [w.id, w]))
  const changes: Array<string> = []
  for (const [id, w] of after) {
    const was = before.get(id)
    if (was === undefined) changes.push(`${id} (${w.target_url}) was created`)
    else if (key(was) !== key(w)) changes.push(`${id} (${w.target_url}) was changed`)
  }
  for (const [id, w] of before) if (!after.has(id)) changes.push(`${id} (${w.target_url}) was deleted`)
  return changes
}

export const staleError = (file: string, moved: ReadonlyArray<{ project: string; changes: ReadonlyArray<string> }>) =>
  new StalePlan({
    message: `the plan ${file} is stale: ${moved
      .map((m) => `${m.project}: ${m.changes.join(", ")}`)
      .join(
        "; "
      )} since it was made; nothing was changed: make a new plan (\`vwh apply -f … --plan-out ${file}\`) and review it`
  })
