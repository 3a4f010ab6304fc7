import { parseArgs } from "node:util"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { run } from "./Sandbox.js"

const usage = `vwh-sandbox — an offline Voucherify Management API (webhooks) with a control API

Usage: vwh-sandbox [--port N] [--host H] [--project proj_x]...

  --port N        port to listen on (default: $PORT or 4010; 0 picks a free one)
  --host H        interface to bind (default: $HOST or 127.0.0.1)
  --project P     an extra project besides proj_sandbox; repeatable (also $SANDBOX_PROJECTS, comma-separated)
  -h, --help      this text

Credentials: $VOUCHERIFY_MANAGEMENT_ID / $VOUCHERIFY_MANAGEMENT_TOKEN when both are set, else a demo pair
printed at start. Ctrl-C stops it. Control API reference: packages/sandbox/README.md`

const env = Config.all({
  port: Config.integer("PORT").pipe(
    Config.validate({ message: "PORT must be 0–65535 (0 picks a free port)", validation: (n) => n >= 0 && n <= 65535 }),
    Config.withDefault(4010)
  ),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  projects: Config.string("SANDBOX_PROJECTS").pipe(
    Config.withDefault(""),
    Config.map((s) =>
      s
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "")
    )
  )
})

const fail = (message: string) =>
  Console.error(`vwh-sandbox: ${message}`).pipe(
    Effect.zipRight(
      Effect.sync(() => {
        process.exitCode = 2
      })
    )
  )

const program = Effect.gen(function* () {
  const parsed = yield* Effect.try(() =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        port: { type: "string" },
        host: { type: "string" },
        project: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" }
      },
      strict: true,
      allowPositionals: false
    })
  )
  if (parsed.values.help) return yield* Console.log(usage)
  const defaults = yield* env
  const portFlag = parsed.values.port
  const port = portFlag === undefined ? defaults.port : Number(portFlag)
  if (!Number.isInteger(port) || port < 0 || port > 65535) return yield* fail(`--port must be 0–65535, got ${portFlag}`)
  return yield* run({
    port,
    host: parsed.values.host ?? defaults.host,
    projects: [...defaults.projects, ...(parsed.values.project ?? [])]
  })
}).pipe(
  Effect.catchTags({
    UnknownException: (e) => fail(`${e.error instanceof Error ? e.error.message : String(e.error)}\n\n${usage}`),
    ConfigError: (e) => fail(`invalid environment: ${e.message}`),
    SandboxError: (e) => fail(e.message)
  })
)

NodeRuntime.runMain(program)
