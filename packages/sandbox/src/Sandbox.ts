import * as HttpServer from "@effect/platform/HttpServer"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type {
  ControlSettings,
  DeliveryRecord,
  FaultSettings,
  PlanSettings,
  ProjectInfo,
  RaisedEvent,
  RateLimitSettings
} from "./ControlApi.js"
import { Controls } from "./Controls.js"
import { Deliveries } from "./Deliveries.js"
import { SandboxError } from "./Errors.js"
import {
  type ResolvedOptions,
  resolveOptions,
  type SandboxCredentials,
  type SandboxOptions,
  SandboxSettings
} from "./Options.js"
import { sandboxLayer } from "./Server.js"
import { State, type WebhookInput, type WebhookRecord } from "./State.js"

export type {
  ControlSettings,
  DeliveryAttempt,
  DeliveryRecord,
  DeliveryStatus,
  FaultSettings,
  PlanSettings,
  ProjectInfo,
  RaisedEvent,
  RateLimitSettings
} from "./ControlApi.js"
export { retryScheduleMinutes } from "./Deliveries.js"
export { SandboxError } from "./Errors.js"
export { defaultProject, demoCredentials, type SandboxCredentials, type SandboxOptions } from "./Options.js"
export type { WebhookInput, WebhookRecord } from "./State.js"

/** A running sandbox: where it listens, its credentials, and the operations its control API offers. */
export interface SandboxShape {
  /** e.g. `http://127.0.0.1:4010`, no trailing slash: use it as VOUCHERIFY_API_URL. */
  readonly url: string
  readonly port: number
  readonly credentials: SandboxCredentials
  /** Sends the event to every active webhook of the project subscribed to `type`. */
  readonly raiseEvent: (
    projectId: string,
    type: string,
    data?: Record<string, unknown>
  ) => Effect.Effect<RaisedEvent, SandboxError>
  /** The secret deliveries of this project are signed with (x-voucherify-signature). */
  readonly projectSecret: (projectId: string) => Effect.Effect<Redacted.Redacted<string>, SandboxError>
  /** Puts a webhook in place under a chosen id, as contract tests' provider states need. */
  readonly seedWebhook: (
    projectId: string,
    webhook: WebhookInput & { readonly id: string }
  ) => Effect.Effect<WebhookRecord, SandboxError>
  /** Idempotent: adding an existing project is a no-op. */
  readonly addProject: (projectId: string) => Effect.Effect<void, SandboxError>
  readonly projects: Effect.Effect<ReadonlyArray<ProjectInfo>>
  /** `limit` requests per `windowMs` on the management API; `limit: 0` turns limiting off. */
  readonly setRateLimit: (settings: RateLimitSettings) => Effect.Effect<void, SandboxError>
  /** `managementApi: false` answers every management API call with 402 missing_required_feature. */
  readonly setPlan: (plan: PlanSettings) => Effect.Effect<void>
  /** Merged into the current faults; `{}` changes nothing, {@link noFaults} values turn them off. */
  readonly setFaults: (faults: Partial<FaultSettings>) => Effect.Effect<void, SandboxError>
  readonly settings: Effect.Effect<ControlSettings>
  /** Management API requests seen since start or reset (429s and injected faults included). */
  readonly requests: Effect.Effect<number>
  /** Initial projects only, no webhooks, no deliveries (in-flight ones stop), default controls. */
  readonly reset: Effect.Effect<void>
  /** Every delivery kept (at most 10,000, oldest dropped first) with its attempts, oldest first. */
  readonly deliveries: (projectId?: string) => Effect.Effect<ReadonlyArray<DeliveryRecord>>
}

// The system error under a platform error (ServeError wraps the listen error as its cause).
const systemCode = (e: unknown, depth = 0): string | undefined =>
  depth > 5 || typeof e !== "object" || e === null
    ? undefined
    : "code" in e && typeof e.code === "string"
      ? e.code
      : "cause" in e
        ? systemCode(e.cause, depth + 1)
        : undefined

const startupError = (options: ResolvedOptions) => (e: unknown) => {
  if (e instanceof SandboxError) return e
  const code = systemCode(e)
  const where = `${options.host}:${options.port}`
  const why =
    code === "EADDRINUSE"
      ? `port ${options.port} on ${options.host} is in use; pick another with --port (0 picks a free one)`
      : code === "EACCES"
        ? `not allowed to listen on ${where}; use a port above 1023`
        : code === "EADDRNOTAVAIL"
          ? `${options.host} is not an address of this machine; use e.g. --host 127.0.0.1`
          : `${(e instanceof Error && e.message) || code || String(e)} (listening on ${where})`
  return new SandboxError({
    reason: "startup",
    message: `Could not start the sandbox: ${why}`,
    ...(code === undefined ? {} : { code })
  })
}

const hostForUrl = (host: string) => (host.includes(":") ? `[${host}]` : host)

const make = (options: ResolvedOptions): Effect.Effect<SandboxShape, SandboxError, Scope.Scope> =>
  Effect.gen(function* () {
    const context = yield* Layer.build(sandboxLayer(options)).pipe(Effect.mapError(startupError(options)))
    const server = Context.get(context, HttpServer.HttpServer)
    const state = Context.get(context, State)
    const controls = Context.get(context, Controls)
    const deliveries = Context.get(context, Deliveries)
    const port = server.address._tag === "TcpAddress" ? server.address.port : options.port
    return {
      url: `http://${hostForUrl(options.host)}:${port}`,
      port,
      credentials: options.credentials,
      raiseEvent: deliveries.raise,
      projectSecret: state.secret,
      seedWebhook: (projectId, { id, ...input }) => state.create(projectId, input, id),
      addProject: (id) => Effect.asVoid(state.addProject(id)),
      projects: state.projects,
      setRateLimit: (s) => Effect.asVoid(controls.setRateLimit(s)),
      setPlan: (p) => Effect.asVoid(controls.setPlan(p)),
      setFaults: (f) => Effect.asVoid(controls.setFaults(f)),
      settings: controls.settings,
      requests: controls.requests,
      reset: Effect.all([deliveries.reset, state.reset, controls.reset], { discard: true }),
      deliveries: deliveries.list
    }
  })

/** The running sandbox of the settings in context. */
export class Sandbox extends Effect.Service<Sandbox>()("@voucherify-webhooks/sandbox/Sandbox", {
  scoped: Effect.flatMap(SandboxSettings, make)
}) {}

/** Starts the sandbox's HTTP server; closing the layer's scope closes it and stops every delivery. */
export const layer = (options: SandboxOptions = {}): Layer.Layer<Sandbox, SandboxError> =>
  Sandbox.Default.pipe(Layer.provide(Layer.effect(SandboxSettings, resolveOptions(options))))

/** The start banner: everything needed to point a client and a receiver at the sandbox. */
export const banner = (sandbox: SandboxShape, demo: boolean) =>
  Effect.gen(function* () {
    const projects = yield* sandbox.projects
    const secrets = yield* Effect.forEach(projects, (p) =>
      Effect.map(Effect.orDie(sandbox.projectSecret(p.id)), (s) => `    ${p.id}  webhook secret: ${Redacted.value(s)}`)
    )
    const token = demo
      ? Redacted.value(sandbox.credentials.managementToken)
      : "<your VOUCHERIFY_MANAGEMENT_TOKEN> (not printed)"
    return [
      `Voucherify webhooks sandbox listening on ${sandbox.url}`,
      "",
      "  Point a client at it:",
      `    export VOUCHERIFY_API_URL=${sandbox.url}`,
      `    export VOUCHERIFY_MANAGEMENT_ID=${sandbox.credentials.managementId}`,
      `    export VOUCHERIFY_MANAGEMENT_TOKEN=${token}`,
      "",
      "  Projects:",
      ...secrets,
      "",
      `  Management API: ${sandbox.url}/management/v1/projects/{projectId}/webhooks`,
      `  Control API:    ${sandbox.url}/sandbox/  (same credentials; see README)`,
      `    e.g. curl -X POST ${sandbox.url}/sandbox/events -H 'x-management-id: …' -H 'x-management-token: …' \\`,
      `           -H 'content-type: application/json' -d '{"projectId":"${projects[0]?.id ?? "proj_sandbox"}","type":"redemption.succeeded"}'`,
      ""
    ].join("\n")
  })

/** For processes: start, print the banner, run until interrupted (SIGINT/SIGTERM via NodeRuntime.runMain). */
export const run = (options: SandboxOptions = {}): Effect.Effect<never, SandboxError> =>
  Effect.gen(function* () {
    const resolved = yield* resolveOptions(options)
    return yield* Effect.gen(function* () {
      const sandbox = yield* make(resolved)
      yield* Console.log(yield* banner(sandbox, resolved.demo))
      return yield* Effect.never
    }).pipe(Effect.scoped)
  })
