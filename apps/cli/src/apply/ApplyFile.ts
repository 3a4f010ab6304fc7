import { readFile } from "node:fs/promises"
import { isKnownEventType, unknownEventMessage } from "@voucherify-webhooks/core/EventType"
import { ProjectId } from "@voucherify-webhooks/core/Ids"
import { WebhookCreateAnyEvent } from "@voucherify-webhooks/core/Webhook"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ApplyFileError, type FileProblem, UsageError } from "../CliErrors.js"
import { targetUrlKey } from "./Plan.js"

/**
 * The desired webhooks, per project (documented in the README):
 *
 *   projects:
 *     proj_x:
 *       - target_url: https://example.com/hooks/voucherify
 *         events: [redemption.succeeded, voucher.published]
 *         active: true            # optional, default true
 *   allow_unknown_events: false   # optional: accept well-formed event names this release does not know
 *
 * Each entry is core's WebhookCreate body; a target_url may appear once per project, since apply matches
 * remote webhooks by it.
 */
/** Entries whose target_url (normalised as apply matches it) already appeared earlier in the same project. */
const duplicateTargetUrls = (urls: ReadonlyArray<unknown>): Array<Schema.FilterIssue> => {
  const first = new Map<string, { readonly index: number; readonly url: string }>()
  const issues: Array<Schema.FilterIssue> = []
  for (const [i, url] of urls.entries()) {
    if (typeof url !== "string") continue
    const key = targetUrlKey(url)
    const earlier = first.get(key)
    if (earlier === undefined) first.set(key, { index: i, url })
    else
      issues.push({
        path: [i, "target_url"],
        message: `${
          earlier.url === url
            ? `"${url}" is already the target_url of entry [${earlier.index}]`
            : `"${url}" is the same URL as entry [${earlier.index}]'s "${earlier.url}" (both are ${key})`
        }: apply matches webhooks by target_url, so each may appear once per project (merge their events)`
      })
  }
  return issues
}

const uniqueTargetUrls = (entries: ReadonlyArray<{ readonly target_url: string }>) => {
  const issues = duplicateTargetUrls(entries.map((e) => e.target_url))
  return issues.length === 0 ? true : issues
}

const isProjectId = Schema.is(ProjectId)

// Checked here rather than as the record's key schema, which would report a bad key only as "unexpected".
const projectIdIssues = (projects: object): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  for (const key of Object.keys(projects)) {
    if (!isProjectId(key)) {
      const why = Schema.decodeUnknownEither(ProjectId)(key)
      issues.push({
        path: [key],
        message:
          why._tag === "Left"
            ? (ParseResult.ArrayFormatter.formatErrorSync(why.left)[0]?.message ?? "not a project id")
            : "not a project id"
      })
    }
  }
  return issues
}

const validProjectIds = (projects: Readonly<Record<string, unknown>>) => {
  const issues = projectIdIssues(projects)
  return issues.length === 0 ? true : issues
}

/** Bad project ids and duplicate target_urls in the raw content, so they are reported even when other entries fail to decode. */
const rawProblems = (content: unknown): ReadonlyArray<FileProblem> => {
  const projects =
    typeof content === "object" && content !== null ? (content as { projects?: unknown }).projects : undefined
  if (typeof projects !== "object" || projects === null) return []
  const problems: Array<FileProblem> = projectIdIssues(projects).map((issue) => ({
    path: formatPath(["projects", ...issue.path]),
    message: issue.message
  }))
  for (const [projectId, entries] of Object.entries(projects)) {
    if (!Array.isArray(entries)) continue
    const urls = entries.map((e: unknown) =>
      typeof e === "object" && e !== null ? (e as { target_url?: unknown }).target_url : undefined
    )
    for (const issue of duplicateTargetUrls(urls)) {
      problems.push({ path: formatPath(["projects", projectId, ...issue.path]), message: issue.message })
    }
  }
  return problems
}

const fileSchema = <A extends { readonly target_url: string }, I>(entry: Schema.Schema<A, I>) =>
  Schema.Struct({
    allow_unknown_events: Schema.optional(Schema.Boolean),
    projects: Schema.Record({
      key: Schema.String,
      value: Schema.Array(entry).pipe(Schema.filter(uniqueTargetUrls))
    }).pipe(Schema.filter(validProjectIds))
  })

/**
 * Core's create body, with unknown event names refused in the file's words (core's message names no way to allow
 * them that fits a file).
 */
const WebhookEntry = Schema.Struct({
  ...WebhookCreateAnyEvent.fields,
  events: WebhookCreateAnyEvent.fields.events.pipe(
    Schema.filter((events) =>
      events.flatMap((name, i) =>
        isKnownEventType(name)
          ? []
          : [
              {
                path: [i],
                message: unknownEventMessage(name, "set `allow_unknown_events: true` at the top of the file")
              }
            ]
      )
    )
  )
})

export const ApplyFileSchema = fileSchema(WebhookEntry)
export const ApplyFileSchemaAnyEvent = fileSchema(WebhookCreateAnyEvent)

export interface DesiredWebhook {
  readonly target_url: string
  readonly events: ReadonlyArray<string>
  readonly active: boolean
}

export interface ApplyFile {
  readonly allowUnknownEvents: boolean
  readonly projects: ReadonlyArray<{ readonly projectId: string; readonly webhooks: ReadonlyArray<DesiredWebhook> }>
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `["projects", "proj_x", 2, "events", 1]` → `projects.proj_x[2].events[1]`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path
    .map((key, i) =>
      typeof key === "number"
        ? `[${key}]`
        : typeof key === "string" && identifier.test(key)
          ? `${i === 0 ? "" : "."}${key}`
          : `[${JSON.stringify(String(key))}]`
    )
    .join("")

/** Every problem in a decoded value, each with its path in the file. */
export const problemsOf = (error: ParseResult.ParseError): ReadonlyArray<FileProblem> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message
  }))

/** Validates parsed file content (JSON or YAML alike): all problems at once, or the desired state. */
export const decodeApplyFile = (file: string, content: unknown): Effect.Effect<ApplyFile, ApplyFileError> => {
  const anyEvent =
    typeof content === "object" &&
    content !== null &&
    "allow_unknown_events" in content &&
    content.allow_unknown_events === true
  const schema: Schema.Schema<typeof ApplyFileSchema.Type, typeof ApplyFileSchema.Encoded> = anyEvent
    ? ApplyFileSchemaAnyEvent
    : ApplyFileSchema
  return Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })(content).pipe(
    Effect.mapError((error) => {
      const found = problemsOf(error)
      const seen = new Set(found.map((p) => `${p.path}\u0000${p.message}`))
      const problems = [...found, ...rawProblems(content).filter((p) => !seen.has(`${p.path}\u0000${p.message}`))]
      return new ApplyFileError({
        file,
        problems,
        message: `${file} is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was sent`
      })
    }),
    Effect.map((decoded) => ({
      allowUnknownEvents: decoded.allow_unknown_events === true,
      projects: Object.entries(decoded.projects).map(([projectId, webhooks]) => ({ projectId, webhooks }))
    }))
  )
}

type Format = "json" | "yaml"

const formatOf = (file: string): Format | undefined =>
  /\.json$/i.test(file) ? "json" : /\.ya?ml$/i.test(file) ? "yaml" : undefined

const unreadable = (file: string, message: string) =>
  new ApplyFileError({ file, problems: [], message: `cannot read ${file}: ${message}` })

/** Parses the file's text; yaml is loaded only for .yaml files, since most runs never need it. */
export const parseText = (file: string, text: string): Effect.Effect<unknown, ApplyFileError | UsageError> => {
  const format = formatOf(file)
  if (format === undefined) {
    return Effect.fail(new UsageError({ message: `${file}: use a .json, .yaml or .yml file` }))
  }
  if (format === "json") {
    return Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => unreadable(file, `not valid JSON (${e instanceof Error ? e.message : String(e)})`)
    })
  }
  return Effect.promise(() => import("yaml")).pipe(
    Effect.flatMap((yaml) =>
      Effect.try({
        try: () => yaml.parse(text, { uniqueKeys: true }) as unknown,
        catch: (e) => unreadable(file, `not valid YAML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`)
      })
    )
  )
}

/** Reads, parses and validates an apply file, before any API call. */
export const loadApplyFile = (file: string): Effect.Effect<ApplyFile, ApplyFileError | UsageError> =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (e) =>
      unreadable(
        file,
        typeof e === "object" && e !== null && "code" in e && e.code === "ENOENT"
          ? "no such file"
          : e instanceof Error
            ? e.message
            : String(e)
      )
  }).pipe(
    Effect.flatMap((text) => parseText(file, text)),
    Effect.flatMap((content) => decodeApplyFile(file, content))
  )
