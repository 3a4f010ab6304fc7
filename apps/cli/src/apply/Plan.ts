import { normalizeTargetUrl } from "@voucherify-webhooks/core/Webhook"
import type { Colour } from "../Style.js"
import type { DesiredWebhook } from "./ApplyFile.js"

/**
 * What apply matches target URLs by: core's normalised form (lowercase host, `/` after a bare origin, dot segments
 * resolved, punycode), which is what vwh-proxy stores, so `https://Example.com` in a file is the webhook stored as
 * `https://example.com/`. Text that is no URL (Voucherify's examples say "your_url") is matched as it is.
 */
export const targetUrlKey = (url: string): string => {
  try {
    return normalizeTargetUrl(url)
  } catch {
    return url
  }
}

/** The remote fields apply compares: core's Webhook, minus what it never changes. */
export interface RemoteWebhook {
  readonly id: string
  readonly target_url: string
  readonly events: ReadonlyArray<string>
  readonly active: boolean
}

export interface Changes {
  readonly events?: { readonly added: ReadonlyArray<string>; readonly removed: ReadonlyArray<string> }
  readonly active?: { readonly from: boolean; readonly to: boolean }
}

export type Action =
  | { readonly _tag: "Create"; readonly desired: DesiredWebhook }
  | {
      readonly _tag: "Update"
      readonly current: RemoteWebhook
      readonly desired: DesiredWebhook
      readonly changes: Changes
    }
  | { readonly _tag: "Delete"; readonly current: RemoteWebhook }
  /** `desired` is the file's entry (its spelling of the URL), absent when re-read from a saved plan. */
  | { readonly _tag: "Unchanged"; readonly current: RemoteWebhook; readonly desired?: DesiredWebhook }
  /** On the remote, not in the file, and no --prune: left alone, but shown. */
  | { readonly _tag: "Unmanaged"; readonly current: RemoteWebhook }

export type ProjectPlan =
  | { readonly _tag: "Planned"; readonly projectId: string; readonly actions: ReadonlyArray<Action> }
  | {
      readonly _tag: "Ambiguous"
      readonly projectId: string
      readonly duplicates: ReadonlyArray<{ readonly targetUrl: string; readonly ids: ReadonlyArray<string> }>
    }

export const isMutation = (action: Action): boolean =>
  action._tag === "Create" || action._tag === "Update" || action._tag === "Delete"

/** What differs, comparing events as sets (Voucherify may reorder them). Undefined when nothing does. */
export const diff = (current: RemoteWebhook, desired: DesiredWebhook): Changes | undefined => {
  const have = new Set(current.events)
  const want = new Set(desired.events)
  const added = desired.events.filter((e) => !have.has(e))
  const removed = current.events.filter((e) => !want.has(e))
  const changes: { -readonly [K in keyof Changes]: Changes[K] } = {}
  if (added.length > 0 || removed.length > 0) changes.events = { added, removed }
  if (current.active !== desired.active) changes.active = { from: current.active, to: desired.active }
  return changes.events === undefined && changes.active === undefined ? undefined : changes
}

/**
 * Compares one project's desired webhooks with its remote ones, matched by target_url (normalised on both sides,
 * see {@link targetUrlKey}). Two remote webhooks with the same target_url make the project ambiguous: which one
 * the file means is a guess, so nothing is planned.
 */
export const planProject = (
  projectId: string,
  desired: ReadonlyArray<DesiredWebhook>,
  remote: ReadonlyArray<RemoteWebhook>,
  options: { readonly prune: boolean }
): ProjectPlan => {
  const byUrl = new Map<string, Array<RemoteWebhook>>()
  for (const webhook of remote) {
    const key = targetUrlKey(webhook.target_url)
    const same = byUrl.get(key)
    if (same) same.push(webhook)
    else byUrl.set(key, [webhook])
  }
  const duplicates = [...byUrl]
    .filter(([, same]) => same.length > 1)
    .map(([key, same]) => ({
      // The stored spellings, when they differ (`https://a.example` and `https://A.example/`).
      targetUrl: [...new Set(same.map((w) => w.target_url))].join(" and ") || key,
      ids: same.map((w) => w.id)
    }))
  if (duplicates.length > 0) return { _tag: "Ambiguous", projectId, duplicates }

  const wanted = new Set(desired.map((d) => targetUrlKey(d.target_url)))
  const actions: Array<Action> = desired.map((d): Action => {
    const current = byUrl.get(targetUrlKey(d.target_url))?.[0]
    if (current === undefined) return { _tag: "Create", desired: d }
    const changes = diff(current, d)
    return changes === undefined
      ? { _tag: "Unchanged", current, desired: d }
      : { _tag: "Update", current, desired: d, changes }
  })
  for (const current of remote) {
    if (!wanted.has(targetUrlKey(current.target_url))) {
      actions.push({ _tag: options.prune ? "Delete" : "Unmanaged", current })
    }
  }
  return { _tag: "Planned", projectId, actions }
}

export interface Summary {
  readonly create: number
  readonly update: number
  readonly delete: number
  readonly unchanged: number
  readonly unmanaged: number
  readonly ambiguousProjects: number
}

export const summarize = (plans: ReadonlyArray<ProjectPlan>): Summary => {
  const count = { create: 0, update: 0, delete: 0, unchanged: 0, unmanaged: 0, ambiguousProjects: 0 }
  for (const plan of plans) {
    if (plan._tag === "Ambiguous") {
      count.ambiguousProjects++
      continue
    }
    for (const action of plan.actions) {
      if (action._tag === "Create") count.create++
      else if (action._tag === "Update") count.update++
      else if (action._tag === "Delete") count.delete++
      else if (action._tag === "Unchanged") count.unchanged++
      else count.unmanaged++
    }
  }
  return count
}

export const pendingChanges = (summary: Summary): number => summary.create + summary.update + summary.delete

/** `AmbiguousRemote`'s message, naming what to fix by hand. */
export const ambiguityMessage = (plan: Extract<ProjectPlan, { _tag: "Ambiguous" }>): string =>
  `project ${plan.projectId} skipped: ${plan.duplicates
    .map((d) => `${d.ids.length} webhooks (${d.ids.join(", ")}) have target_url ${d.targetUrl}`)
    .join(
      "; "
    )}; apply matches by target_url and will not guess: delete the extra one with \`vwh webhooks delete --project ${plan.projectId} <id>\``

const list = (events: ReadonlyArray<string>) => events.join(", ")

/** `https://example.com (wh_1)`: the file's spelling, and the stored one too when it differs. */
const matched = (current: RemoteWebhook, desired: DesiredWebhook | undefined) =>
  desired === undefined || desired.target_url === current.target_url
    ? `${current.target_url} (${current.id})`
    : `${desired.target_url} (${current.id}, stored as ${current.target_url})`

/** The plan for people: one line per webhook, field-by-field for updates. */
export const renderPlan = (plans: ReadonlyArray<ProjectPlan>): ReadonlyArray<string> => {
  const lines: Array<string> = []
  for (const plan of plans) {
    lines.push(`project ${plan.projectId}`)
    if (plan._tag === "Ambiguous") {
      lines.push(`  ! skipped: ${ambiguityMessage(plan).replace(/^project \S+ skipped: /, "")}`)
      continue
    }
    if (plan.actions.length === 0) lines.push("  (no webhooks wanted, none present)")
    for (const action of plan.actions) {
      switch (action._tag) {
        case "Create":
          lines.push(`  + create     ${action.desired.target_url}`)
          lines.push(`      events: ${list(action.desired.events)}`)
          lines.push(`      active: ${action.desired.active}`)
          break
        case "Update":
          lines.push(`  ~ update     ${matched(action.current, action.desired)}`)
          if (action.changes.events) {
            const { added, removed } = action.changes.events
            if (added.length > 0) lines.push(`      events: + ${list(added)}`)
            if (removed.length > 0) lines.push(`      events: - ${list(removed)}`)
          }
          if (action.changes.active)
            lines.push(`      active: ${action.changes.active.from} → ${action.changes.active.to}`)
          break
        case "Delete":
          lines.push(`  - delete     ${action.current.target_url} (${action.current.id})`)
          break
        case "Unchanged":
          lines.push(`  = unchanged  ${matched(action.current, action.desired)}`)
          break
        case "Unmanaged":
          lines.push(`  ? not in file ${action.current.target_url} (${action.current.id}): kept; --prune deletes it`)
          break
      }
    }
  }
  return lines
}

export const renderSummary = (summary: Summary, done: boolean): string => {
  const parts = done
    ? [`${summary.create} created`, `${summary.update} updated`, `${summary.delete} deleted`]
    : [`${summary.create} to create`, `${summary.update} to update`, `${summary.delete} to delete`]
  parts.push(`${summary.unchanged} unchanged`)
  if (summary.unmanaged > 0) parts.push(`${summary.unmanaged} not in the file (kept)`)
  if (summary.ambiguousProjects > 0) parts.push(`${summary.ambiguousProjects} project(s) skipped as ambiguous`)
  return `${done ? "Applied" : "Plan"}: ${parts.join(", ")}.`
}

/** The plan for scripts. */
export const planJson = (plans: ReadonlyArray<ProjectPlan>) =>
  plans.map((plan) =>
    plan._tag === "Ambiguous"
      ? { project: plan.projectId, skipped: true, error: ambiguityMessage(plan), duplicates: plan.duplicates }
      : { project: plan.projectId, actions: plan.actions.map(actionJson) }
  )

// In JSON, target_url stays what is stored (it goes with the id); the file's spelling is added when it differs.
const fileSpelling = (current: RemoteWebhook, desired: DesiredWebhook | undefined) =>
  desired === undefined || desired.target_url === current.target_url ? {} : { file_target_url: desired.target_url }

export const actionJson = (action: Action) => {
  switch (action._tag) {
    case "Create":
      return { action: "create", ...action.desired }
    case "Update":
      return {
        action: "update",
        id: action.current.id,
        target_url: action.current.target_url,
        ...fileSpelling(action.current, action.desired),
        changes: action.changes
      }
    case "Delete":
      return { action: "delete", id: action.current.id, target_url: action.current.target_url }
    case "Unchanged":
      return {
        action: "unchanged",
        id: action.current.id,
        target_url: action.current.target_url,
        ...fileSpelling(action.current, action.desired)
      }
    case "Unmanaged":
      return { action: "unmanaged", id: action.current.id, target_url: action.current.target_url }
  }
}

/** The colour of a plan line on a colour terminal: `+` green, `-` red, `~` yellow, as Terraform shows them. */
export const planColour = (line: string): Colour | undefined =>
  /^\s+(\+|events: \+)/.test(line)
    ? "green"
    : /^\s+(-|events: -)/.test(line)
      ? "red"
      : /^\s+(~|active: )/.test(line)
        ? "yellow"
        : undefined
