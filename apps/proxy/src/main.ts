import { appendFileSync, readFileSync, statSync } from "node:fs"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { withoutUserinfo } from "@voucherify-webhooks/core/Config"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Audit } from "./Audit.js"
import { hashKey, mintKey } from "./ClientAuth.js"
import * as EmbeddedSandbox from "./EmbeddedSandbox.js"
import * as Logging from "./Logging.js"
import { decodeConfig, type ProxyConfig, ProxySettings } from "./ProxyConfig.js"
import { boundPort, type DrainReport, drainSummary, ProxyLive } from "./Server.js"
import * as Upstream from "./Upstream.js"

const usage = `vwh-proxy — a policy proxy for the Voucherify webhook API

  vwh-proxy [--config <file>]          serve (config also from PROXY_CONFIG; none = demo mode)
  vwh-proxy hash-key [--id <client>]   mint a client key and print the hash for the config file

Environment: PORT, HOST, VOUCHERIFY_MANAGEMENT_ID, VOUCHERIFY_MANAGEMENT_TOKEN, VOUCHERIFY_API_URL,
VOUCHERIFY_CLUSTER, LOG_LEVEL (debug|info|warning|error|none). No upstream credentials = embedded sandbox.`

/** Bad configuration: one line per problem, no stack, exit 2. */
const refuse = (problems: ReadonlyArray<string>): never => {
  for (const p of problems) process.stderr.write(`config error: ${p}\n`)
  process.exit(2)
}

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}

if (args[0] === "hash-key") {
  const id = flag("--id") ?? "my-client"
  const key = mintKey()
  const hash = hashKey(key)
  process.stdout.write(
    [
      `client id: ${id}`,
      `key:       ${Redacted.value(key)}`,
      "           (give this to the client as X-Management-Token; it is shown once and stored nowhere)",
      `keyHash:   ${hash}`,
      "",
      "config entry:",
      `  ${JSON.stringify({ id, keyHash: hash, projects: ["proj_…"], access: ["read", "write"] })}`,
      ""
    ].join("\n")
  )
  process.exit(0)
}

const configPath = flag("--config") ?? process.env.PROXY_CONFIG

/** No config file: one demo client with a fresh key, allowed everything, printed at start. */
const demo = () => {
  const key = mintKey()
  const config = Either.getOrThrow(
    decodeConfig({ clients: [{ id: "demo", keyHash: hashKey(key), projects: "*", access: ["read", "write"] }] })
  )
  return { config, key }
}

const loadConfig = (path: string): ProxyConfig => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    return refuse([`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return refuse([`${path}: not valid JSON (${(e as Error).message})`])
  }
  return Either.getOrElse(decodeConfig(json), (problems) => refuse(problems.map((p) => `${path}: ${p}`)))
}

const demoMode = configPath === undefined ? demo() : undefined
const fileConfig = demoMode?.config ?? loadConfig(configPath!)

const envPort = process.env.PORT
const port = envPort === undefined || envPort === "" ? fileConfig.port : Number(envPort)
if (!Number.isInteger(port) || port < 0 || port > 65535) refuse([`PORT: must be an integer 0-65535, got "${envPort}"`])
const host = process.env.HOST || fileConfig.host
const settings: ProxyConfig = { ...fileConfig, port, host }

if (settings.audit.path !== "-") {
  try {
    appendFileSync(settings.audit.path, "", { mode: 0o600 })
  } catch (e) {
    refuse([`audit.path: cannot append to ${settings.audit.path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`])
  }
}

// A new audit file is created 0600; an existing one keeps its mode (the operator may share it with a log shipper on
// purpose), but a trail others can read or write is worth a warning at every start.
const auditModeWarning = (() => {
  if (settings.audit.path === "-") return undefined
  const mode = statSync(settings.audit.path).mode & 0o777
  return (mode & 0o077) === 0
    ? undefined
    : `audit file ${settings.audit.path} is open to other users (mode 0${mode.toString(8)}): run chmod 600 ${settings.audit.path} unless that is intended`
})()

const logLevels: Record<string, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None
}
const logLevel = logLevels[(process.env.LOG_LEVEL ?? "info").toLowerCase()] ?? LogLevel.Info

const banner = (url: string, target: Upstream.UpstreamTargetShape) => {
  const lines = [`vwh-proxy listening on ${url}`]
  if (target.sandbox) {
    lines.push(
      "",
      "  !!! UPSTREAM: EMBEDDED SANDBOX — nothing reaches Voucherify. Set VOUCHERIFY_MANAGEMENT_ID and",
      "  !!! VOUCHERIFY_MANAGEMENT_TOKEN (and VOUCHERIFY_CLUSTER or VOUCHERIFY_API_URL) to proxy a real account."
    )
  } else {
    lines.push(`  upstream: ${withoutUserinfo(target.baseUrl)} (credentials from the environment, never shown)`)
  }
  if (demoMode) {
    const token = Redacted.value(demoMode.key)
    const project = target.sandbox ? EmbeddedSandbox.defaultProject : "<your project id>"
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

const drain: DrainReport = { inFlight: 0, cut: 0 }

const program = Effect.gen(function* () {
  const remote = yield* Upstream.fromEnv
  const projects = [...new Set(settings.clients.flatMap((c) => (c.projects === "*" ? [] : c.projects)))]
  const upstream = Option.match(remote, {
    onNone: () => EmbeddedSandbox.layer(projects),
    onSome: ({ baseUrl, credentials }) => Upstream.remote(baseUrl, credentials)
  })
  const app = ProxyLive({ port, host, drain }).pipe(
    Layer.provideMerge(upstream),
    Layer.provide(Audit.layer(settings.audit.path)),
    Layer.provide(Layer.succeed(ProxySettings, settings))
  )
  return yield* Effect.gen(function* () {
    const bound = yield* boundPort
    const target = yield* Upstream.UpstreamTarget
    const shownHost = host === "127.0.0.1" || host === "0.0.0.0" || host === "::" ? "localhost" : host
    const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${bound}`
    process.stdout.write(`${banner(url, target)}\n`)
    yield* Effect.logInfo("started").pipe(
      Effect.annotateLogs({
        port: bound,
        host,
        upstream: target.sandbox ? "embedded-sandbox" : withoutUserinfo(target.baseUrl)
      })
    )
    if (target.sandbox) yield* Effect.logWarning("upstream is the EMBEDDED SANDBOX: no real Voucherify account is used")
    if (auditModeWarning !== undefined) yield* Effect.logWarning(auditModeWarning)
    return yield* Effect.never
  }).pipe(Effect.provide(app), Effect.scoped)
}).pipe(
  Effect.provideService(ProxySettings, settings),
  // Startup failures (bad env, port in use) are one readable line, not a stack trace.
  Effect.catchAllCause((cause) =>
    Cause.isInterruptedOnly(cause)
      ? Effect.failCause(cause)
      : Effect.sync(() => {
          const error = Cause.squash(cause)
          const message = error instanceof Error ? error.message : String(error)
          const isConfig = typeof error === "object" && error !== null && "_op" in error
          process.stderr.write(`vwh-proxy: cannot start: ${message}\n`)
          process.exit(isConfig ? 2 : 1)
        })
  ),
  Effect.onInterrupt(() =>
    drain.cut === 0
      ? Effect.logInfo(drainSummary(drain, settings.limits.shutdownGraceMs))
      : Effect.logWarning(drainSummary(drain, settings.limits.shutdownGraceMs))
  ),
  Effect.provide(Logging.layer),
  Effect.provide(Logger.minimumLogLevel(logLevel))
)

NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
