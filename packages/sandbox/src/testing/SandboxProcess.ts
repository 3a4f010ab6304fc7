import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { acquire } from "../Scoped.js"

export interface SandboxProcessOptions {
  /** The sandbox's bin. Default: this package's built `vwh-sandbox` (dist/main.js; build the package first). */
  readonly bin?: string
  /** Projects besides proj_sandbox (`--project`). */
  readonly projects?: ReadonlyArray<string>
  /** Default: the demo pair. The developer's own VOUCHERIFY_* variables never reach the process. */
  readonly credentials?: { readonly managementId: string; readonly managementToken: string }
  /** More environment for the process (PORT and HOST are set by `--port 0`, so they do not apply). */
  readonly env?: Readonly<Record<string, string>>
  /** Flags for node itself, e.g. `--cpu-prof`. */
  readonly nodeFlags?: ReadonlyArray<string>
  /** How long it may take to print its banner. Default 20 000 ms. */
  readonly readyTimeoutMs?: number
}

/** A `vwh-sandbox` process listening on a free port of 127.0.0.1, stopped (SIGTERM) when its scope closes. */
export interface SandboxProcess {
  readonly url: string
  readonly port: number
  readonly pid: number
  readonly child: ChildProcess
  readonly credentials: { readonly managementId: string; readonly managementToken: string }
  /** VOUCHERIFY_API_URL, VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN for a client. */
  readonly env: {
    readonly VOUCHERIFY_API_URL: string
    readonly VOUCHERIFY_MANAGEMENT_ID: string
    readonly VOUCHERIFY_MANAGEMENT_TOKEN: string
  }
  /** x-management-id and x-management-token, for the management and control APIs. */
  readonly auth: { readonly "x-management-id": string; readonly "x-management-token": string }
  /** Each project's webhook secret, from the banner. */
  readonly secrets: Readonly<Record<string, string>>
  /** Everything it printed so far (stdout and stderr), for a failure message. */
  readonly output: () => string
}

/** The process did not start (missing bin, exited, no banner in time); the message carries what it printed. */
export class SandboxProcessError extends Schema.TaggedError<SandboxProcessError>()("SandboxProcessError", {
  message: Schema.String
}) {}

const maxOutput = 256 * 1024

const demo = { managementId: "sandbox-management-id", managementToken: "sandbox-management-token" }

/** This package's built bin, found through the package's own name (works in the workspace and when installed). */
export const sandboxBin = () =>
  join(dirname(createRequire(import.meta.url).resolve("@voucherify-webhooks/sandbox/package.json")), "dist", "main.js")

const withoutVoucherify = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VOUCHERIFY_"))) as Record<
    string,
    string
  >

const stop = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(kill)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/** Starts the sandbox bin and waits for its banner; the scope's close stops it and waits for it to exit. */
export const sandboxProcess = (
  options: SandboxProcessOptions = {}
): Effect.Effect<SandboxProcess, SandboxProcessError, Scope.Scope> =>
  Effect.gen(function* () {
    const bin = options.bin ?? sandboxBin()
    const credentials = options.credentials ?? demo
    let output = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(
          process.execPath,
          [
            ...(options.nodeFlags ?? []),
            bin,
            "--port",
            "0",
            ...(options.projects ?? []).flatMap((p) => ["--project", p])
          ],
          {
            env: {
              ...withoutVoucherify(),
              ...options.env,
              VOUCHERIFY_MANAGEMENT_ID: credentials.managementId,
              VOUCHERIFY_MANAGEMENT_TOKEN: credentials.managementToken
            },
            stdio: ["ignore", "pipe", "pipe"]
          }
        )
      ).pipe(
        // Kept from the first byte: what it printed is the failure message if anything goes wrong later.
        Effect.tap((child) => {
          const keep = (c: Buffer) => {
            output += c.toString("utf8")
            // A long run's logs would grow without end: the start and the latest are what a failure needs.
            if (output.length > maxOutput)
              output = `${output.slice(0, maxOutput / 4)}\n…\n${output.slice(-maxOutput / 2)}`
          }
          child.stdout?.on("data", keep)
          child.stderr?.on("data", keep)
        })
      ),
      stop
    )
    const readyTimeoutMs = options.readyTimeoutMs ?? 20_000
    const failed = (why: string) =>
      new SandboxProcessError({ message: `vwh-sandbox (${bin}) ${why}; its output:\n${output || "(nothing)"}` })
    const banner = yield* Effect.async<string, SandboxProcessError>((resume) => {
      let settled = false
      const timer = setTimeout(
        () => done(Effect.fail(failed(`printed no banner within ${readyTimeoutMs} ms`))),
        readyTimeoutMs
      )
      // The banner ends with the control API's lines: by then every project's secret is printed.
      const check = () => {
        if (/Control API/.test(output)) done(Effect.succeed(output))
      }
      const exited = () =>
        done(Effect.fail(failed(`exited (${child.signalCode ?? child.exitCode}) before it was ready`)))
      const errored = (e: Error) => done(Effect.fail(failed(`could not start: ${e.message}`)))
      const cleanUp = () => {
        clearTimeout(timer)
        child.stdout?.off("data", check)
        child.off("exit", exited)
        child.off("error", errored)
      }
      function done(result: Effect.Effect<string, SandboxProcessError>) {
        if (settled) return
        settled = true
        cleanUp()
        resume(result)
      }
      child.stdout?.on("data", check)
      child.once("error", errored)
      child.once("exit", exited)
      check()
      if (child.exitCode !== null || child.signalCode !== null) exited()
      return Effect.sync(cleanUp)
    })
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1]
    if (url === undefined) return yield* failed("printed a banner without its URL")
    const secrets = Object.fromEntries(
      [...banner.matchAll(/^\s+(\S+)\s+webhook secret: (\S+)$/gm)].map((m) => [m[1]!, m[2]!])
    )
    return {
      url,
      port: Number(new URL(url).port),
      pid: child.pid ?? -1,
      child,
      credentials,
      env: {
        VOUCHERIFY_API_URL: url,
        VOUCHERIFY_MANAGEMENT_ID: credentials.managementId,
        VOUCHERIFY_MANAGEMENT_TOKEN: credentials.managementToken
      },
      auth: { "x-management-id": credentials.managementId, "x-management-token": credentials.managementToken },
      secrets,
      output: () => output
    }
  })

/** {@link sandboxProcess} as a service: `layer(RunningSandboxProcess.Default({ projects: ["proj_a"] }))`. */
export class RunningSandboxProcess extends Effect.Service<RunningSandboxProcess>()(
  "@voucherify-webhooks/sandbox/RunningSandboxProcess",
  { scoped: sandboxProcess }
) {}

/** {@link sandboxProcess} for plain async tests and scripts; `stop()` (or `await using`) ends the process. */
export const startSandboxProcess = async (
  options: SandboxProcessOptions = {}
): Promise<
  SandboxProcess & { readonly stop: () => Promise<void>; readonly [Symbol.asyncDispose]: () => Promise<void> }
> => {
  const { value, close } = await acquire(sandboxProcess(options))
  return { ...value, stop: close, [Symbol.asyncDispose]: close }
}
