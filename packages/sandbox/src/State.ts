import { projectIdPattern, webhookIdPattern } from "@voucherify-webhooks/core/Ids"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { ProjectInfo } from "./ControlApi.js"
import { SandboxError } from "./Errors.js"
import * as Ids from "./Ids.js"
import { SandboxSettings } from "./Options.js"

/** Caps that keep a long-running sandbox from growing without bound. */
export const limits = { projects: 1_000, webhooksPerProject: 500 } as const

export interface WebhookRecord {
  readonly id: string
  readonly created_at: Date
  readonly target_url: string
  readonly events: ReadonlyArray<string>
  readonly active: boolean
}

export interface WebhookInput {
  readonly target_url: string
  readonly events: ReadonlyArray<string>
  readonly active: boolean
}

export interface StateShape {
  readonly projects: Effect.Effect<ReadonlyArray<ProjectInfo>>
  readonly addProject: (projectId: string) => Effect.Effect<ProjectInfo, SandboxError>
  readonly secret: (projectId: string) => Effect.Effect<Redacted.Redacted<string>, SandboxError>
  readonly list: (projectId: string) => Effect.Effect<ReadonlyArray<WebhookRecord>, SandboxError>
  readonly get: (projectId: string, webhookId: string) => Effect.Effect<WebhookRecord, SandboxError>
  /** `id` seeds a webhook under a chosen id (contract tests name their states); otherwise one is minted. */
  readonly create: (projectId: string, input: WebhookInput, id?: string) => Effect.Effect<WebhookRecord, SandboxError>
  readonly update: (
    projectId: string,
    webhookId: string,
    input: WebhookInput
  ) => Effect.Effect<WebhookRecord, SandboxError>
  readonly remove: (projectId: string, webhookId: string) => Effect.Effect<void, SandboxError>
  /** Deliveries switch a webhook off after too many failures; a no-op when it is gone. */
  readonly deactivate: (projectId: string, webhookId: string) => Effect.Effect<void>
  /** Back to the start: the initial projects, no webhooks. */
  readonly reset: Effect.Effect<void>
}

interface Project {
  readonly id: string
  readonly created_at: Date
  readonly webhooks: Map<string, WebhookRecord>
}

const projectNotFound = (id: string) =>
  new SandboxError({ reason: "project_not_found", message: `Cannot find project with id ${id}`, resourceId: id })
const webhookNotFound = (id: string) =>
  new SandboxError({ reason: "webhook_not_found", message: `Cannot find webhook with id ${id}`, resourceId: id })

/**
 * Plain maps mutated inside `Effect.sync`: every operation is one synchronous step on a single thread, so no
 * two requests can interleave inside one.
 */
const makeState = (
  initialProjects: ReadonlyArray<string>,
  secretFor: (projectId: string) => Redacted.Redacted<string>
): Effect.Effect<StateShape, SandboxError> =>
  Effect.gen(function* () {
    const projects = new Map<string, Project>()

    const info = (p: Project): ProjectInfo => ({
      id: p.id,
      created_at: p.created_at.toISOString(),
      webhooks: p.webhooks.size
    })

    const add = (id: string): Effect.Effect<ProjectInfo, SandboxError> =>
      Effect.suspend(() => {
        if (!projectIdPattern.test(id)) {
          return Effect.fail(
            new SandboxError({
              reason: "invalid",
              message: `"${id}" is not a project id: use proj_ followed by letters, digits or _ (at most 64 characters)`
            })
          )
        }
        const existing = projects.get(id)
        if (existing) return Effect.succeed(info(existing))
        if (projects.size >= limits.projects) {
          return Effect.fail(
            new SandboxError({
              reason: "limit_exceeded",
              message: `The sandbox holds at most ${limits.projects} projects; POST /sandbox/reset to start over`
            })
          )
        }
        const project: Project = { id, created_at: new Date(), webhooks: new Map() }
        projects.set(id, project)
        return Effect.succeed(info(project))
      })

    const project = (id: string): Effect.Effect<Project, SandboxError> =>
      Effect.suspend(() => {
        const p = projects.get(id)
        return p ? Effect.succeed(p) : Effect.fail(projectNotFound(id))
      })

    const webhook = (projectId: string, webhookId: string) =>
      Effect.flatMap(project(projectId), (p) => {
        const w = p.webhooks.get(webhookId)
        return w ? Effect.succeed({ project: p, webhook: w }) : Effect.fail(webhookNotFound(webhookId))
      })

    const start = Effect.forEach(initialProjects, add, { discard: true })
    yield* start

    return {
      projects: Effect.sync(() => Array.from(projects.values(), info)),
      addProject: add,
      secret: (id) => Effect.map(project(id), (p) => secretFor(p.id)),
      list: (id) => Effect.map(project(id), (p) => Array.from(p.webhooks.values())),
      get: (projectId, webhookId) => Effect.map(webhook(projectId, webhookId), (found) => found.webhook),
      create: (projectId, input, id) =>
        Effect.flatMap(project(projectId), (p) => {
          if (id !== undefined && !webhookIdPattern.test(id)) {
            return Effect.fail(
              new SandboxError({ reason: "invalid", message: "id: must be wh_ followed by 24 letters or digits" })
            )
          }
          if (id !== undefined && p.webhooks.has(id)) {
            return Effect.fail(
              new SandboxError({
                reason: "invalid",
                message: `id: webhook ${id} already exists in project ${projectId}; delete it (or reset) first`
              })
            )
          }
          if (p.webhooks.size >= limits.webhooksPerProject) {
            return Effect.fail(
              new SandboxError({
                reason: "limit_exceeded",
                message: `A project holds at most ${limits.webhooksPerProject} webhooks in the sandbox; delete some first`
              })
            )
          }
          const record: WebhookRecord = { id: id ?? Ids.webhookId(), created_at: new Date(), ...input }
          p.webhooks.set(record.id, record)
          return Effect.succeed(record)
        }),
      update: (projectId, webhookId, input) =>
        Effect.map(webhook(projectId, webhookId), ({ project: p, webhook: w }) => {
          // A full replace, as Voucherify documents for PUT.
          const record: WebhookRecord = { id: w.id, created_at: w.created_at, ...input }
          p.webhooks.set(record.id, record)
          return record
        }),
      remove: (projectId, webhookId) =>
        Effect.map(webhook(projectId, webhookId), ({ project: p }) => {
          p.webhooks.delete(webhookId)
        }),
      deactivate: (projectId, webhookId) =>
        Effect.sync(() => {
          const p = projects.get(projectId)
          const w = p?.webhooks.get(webhookId)
          if (p && w) p.webhooks.set(webhookId, { ...w, active: false })
        }),
      reset: Effect.suspend(() => {
        projects.clear()
        return Effect.orDie(start)
      })
    } satisfies StateShape
  })

/** Projects and their webhooks, in memory: the initial projects of the sandbox's settings, secrets from its token. */
export class State extends Effect.Service<State>()("@voucherify-webhooks/sandbox/State", {
  effect: Effect.flatMap(SandboxSettings, (o) =>
    makeState(o.projects, (id) => Ids.projectSecret(o.credentials.managementToken, id))
  )
}) {}
