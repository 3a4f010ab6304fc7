import { appendFileSync, statSync } from "node:fs"
import { withoutUserinfo } from "@voucherify-webhooks/core/Config"
import type { DrainReport } from "@voucherify-webhooks/core/NodeServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import { Audit } from "./Audit.js"
import { version } from "./CommandLine.js"
import * as EmbeddedSandbox from "./EmbeddedSandbox.js"
import { instance, setInstance } from "./Instance.js"
import * as Logging from "./Logging.js"
import { ProxySettings } from "./ProxyConfig.js"
import * as Reload from "./Reload.js"
import { boundPort, drainSummary, ProxyLive } from "./Server.js"
import type { StartupPlan } from "./Startup.js"
import * as Upstream from "./Upstream.js"
import { WorkerLink, workerNumber } from "./WorkerLink.js"

// Everything only `serve` needs: loaded by the CLI on demand, so `hash-key`, `check-config` and `--help` start fast.

/** The start banner (plain text, for a human at a terminal); logs follow as JSON lines. */
const banner = (url: string, target: Upstream.UpstreamTargetShape, plan: StartupPlan) => {
  const lines = [`vwh-proxy ${version} listening on ${url}`]
  if (target.sandbox) {
    lines.push(
      "",
      "  !!! UPSTREAM: EMBEDDED SANDBOX — nothing reaches Voucherify. To proxy a real account, give a config",
      "  !!! (--config) and set VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN (and VOUCHERIFY_CLUSTER or VOUCHERIFY_API_URL)."
    )
  } else {
    lines.push(`  upstream: ${withoutUserinfo(target.baseUrl)} (credentials from the environment, never shown)`)
  }
  const shared = plan.settings.sharedState
  if (shared?.redisUrl !== undefined) {
    lines.push(
      `  shared rate limits: ${withoutUserinfo(Redacted.value(shared.redisUrl))} (if it does not answer: ${shared.onUnavailable === "local" ? "per-process limits" : "503"})`
    )
  }
  if (plan.demoKey !== undefined) {
    const token = Redacted.value(plan.demoKey)
    const project = EmbeddedSandbox.defaultProject
    lines.push(
      "",
      "  Demo client (no --config given; this key lives only as long as this process):",
      `    export VOUCHERIFY_API_URL=${url} VOUCHERIFY_MANAGEMENT_ID=demo VOUCHERIFY_MANAGEMENT_TOKEN=${token}`,
      "",
      "  Try it:",
      `    curl -s ${url}/management/v1/projects/${project}/webhooks -H "X-Management-Id: demo" -H "X-Management-Token: ${token}"`,
      `    curl -s -X POST ${url}/management/v1/projects/${project}/webhooks -H "X-Management-Id: demo" \\`,
      `      -H "X-Management-Token: ${token}" -H 'content-type: application/json' \\`,
      `      -d '{"target_url":"https://example.com/hooks","events":["redemption.succeeded"]}'`,
      `    vwh webhooks list --project ${project}   # with the exports above (VOUCHERIFY_API_URL points vwh here)`
    )
  }
  lines.push("", `  Docs: ${url}/docs   OpenAPI: ${url}/openapi.json   Ops: /healthz /readyz /metrics`, "")
  return lines.join("\n")
}

/**
 * Creates the audit file if needed (0600) and says whether others may read or write an existing one: it keeps its
 * mode (the operator may share it with a log shipper on purpose), with a warning at every start.
 */
const prepareAuditFile = (path: string): string | undefined => {
  if (path === "-") return undefined
  appendFileSync(path, "", { mode: 0o600 })
  const mode = statSync(path).mode & 0o777
  return (mode & 0o077) === 0
    ? undefined
    : `audit file ${path} is open to other users (mode 0${mode.toString(8)}): run chmod 600 ${path} unless that is intended`
}

/** Serves until interrupted (SIGINT, SIGTERM), then drains in-flight requests and says how that went. */
export const serve = (plan: StartupPlan): Effect.Effect<void, unknown> => {
  const { settings } = plan
  // One of the workers of `workers: N` (Primary.ts forked it): the primary prints the banner and gathers /metrics.
  const worker = workerNumber()
  setInstance(settings.instanceId, worker)
  if (worker !== undefined) {
    Logging.sharedStdout()
    // The first SIGTERM/SIGINT drains (the platform's handler). A second one (a terminal's Ctrl-C reaches the
    // workers and the primary, which then sends SIGTERM) must not end the drain: the primary kills a worker that
    // takes too long, or at once on a second signal of its own.
    const ignore = () => {}
    process.on("SIGINT", ignore)
    process.on("SIGTERM", ignore)
  }
  const drain: DrainReport = { inFlight: 0, cut: 0 }
  const projects = [...new Set(settings.clients.flatMap((c) => (c.projects === "*" ? [] : c.projects)))]
  const upstream =
    plan.upstream._tag === "Sandbox"
      ? EmbeddedSandbox.layer(projects)
      : Upstream.remote(plan.upstream.baseUrl, plan.upstream.credentials)
  return Effect.gen(function* () {
    const auditModeWarning = prepareAuditFile(settings.audit.path)
    const app = ProxyLive({ port: settings.port, host: settings.host, drain }).pipe(
      Layer.provideMerge(upstream),
      Layer.provide(Audit.layer(settings.audit.path)),
      Layer.provide(Layer.succeed(ProxySettings, settings)),
      Layer.provideMerge(worker === undefined ? Layer.empty : WorkerLink.layer(worker))
    )
    return yield* Effect.gen(function* () {
      // Before the banner: from then on a SIGHUP reloads instead of ending the process (its default). In demo
      // mode there is no file to reload, and closing the terminal (SIGHUP) ends the demo as it would any program.
      if (plan.configPath !== undefined && plan.configText !== undefined) {
        yield* Reload.reloadOn({
          path: plan.configPath,
          text: plan.configText,
          withEnv: plan.withEnv,
          watch: settings.reload.watch
        })
      }
      const bound = yield* boundPort
      const target = yield* Upstream.UpstreamTarget
      const host = settings.host
      const shownHost = host === "127.0.0.1" || host === "0.0.0.0" || host === "::" ? "localhost" : host
      const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${bound}`
      const text = banner(url, target, plan)
      const link = yield* Effect.serviceOption(WorkerLink)
      if (link._tag === "Some") link.value.listening(text)
      else Logging.writeLine(text)
      yield* Effect.logInfo("started").pipe(
        Effect.annotateLogs({
          port: bound,
          host,
          instance: instance(),
          ...(settings.sharedState?.redisUrl === undefined
            ? {}
            : { sharedState: withoutUserinfo(Redacted.value(settings.sharedState.redisUrl)) }),
          upstream: target.sandbox ? "embedded-sandbox" : withoutUserinfo(target.baseUrl),
          ...(plan.configPath === undefined ? {} : { config: plan.configPath })
        })
      )
      if (target.sandbox)
        yield* Effect.logWarning("upstream is the EMBEDDED SANDBOX: no real Voucherify account is used")
      if (auditModeWarning !== undefined) yield* Effect.logWarning(auditModeWarning)
      return yield* Effect.never
    }).pipe(Effect.provide(app), Effect.scoped)
  }).pipe(
    Effect.onInterrupt(() =>
      drain.cut === 0
        ? Effect.logInfo(drainSummary(drain, settings.limits.shutdownGraceMs))
        : Effect.logWarning(drainSummary(drain, settings.limits.shutdownGraceMs))
    ),
    Effect.annotateLogs(worker === undefined ? {} : { worker }),
    Effect.provide(Layer.merge(Logging.layer, Logger.minimumLogLevel(plan.logLevel)))
  )
}
