import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import {
  accessFlag,
  type Checked,
  configFlag,
  type Flag,
  idFlag,
  keyFlag,
  projectFlag,
  rotateFlag,
  usageMessage,
  version
} from "./CommandLine.js"
import { UsageError } from "./StartupErrors.js"

// vwh-proxy's commands on @effect/cli, over the option records of CommandLine.ts (checked there first).

const text = (flag: Flag) => Options.text(flag.name).pipe(Options.withDescription(flag.about))

/** @effect/cli's parse error as one line (its text without styling). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what we strip
const ansi = /\u001b\[[0-9;]*m/g

const oneLine = (error: ValidationError.ValidationError): string =>
  HelpDoc.toAnsiText(error.error)
    .replace(ansi, "")
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .join("; ")

/** The handlers, each loading its implementation only when it runs (serve's is most of the bundle). */
export interface Handlers<E, R> {
  readonly serve: (a: { readonly config: Option.Option<string> }) => Effect.Effect<void, E, R>
  readonly checkConfig: (a: { readonly config: Option.Option<string> }) => Effect.Effect<void, E, R>
  readonly hashKey: (a: {
    readonly id: Option.Option<string>
    readonly config: Option.Option<string>
    readonly project: ReadonlyArray<string>
    readonly access: ReadonlyArray<"read" | "write">
    readonly rotate: boolean
  }) => Effect.Effect<void, E, R>
  readonly removeKey: (a: {
    readonly config: string
    readonly id: string
    readonly key: string
  }) => Effect.Effect<void, E, R>
}

/** The @effect/cli command tree over the handlers. */
const tree = <E, R>(handlers: Handlers<E, R>) => {
  const config = text(configFlag).pipe(Options.optional)
  return Command.make("vwh-proxy").pipe(
    Command.withSubcommands([
      Command.make("serve", { config }, handlers.serve),
      Command.make("check-config", { config }, handlers.checkConfig),
      Command.make(
        "hash-key",
        {
          id: text(idFlag).pipe(Options.optional),
          config,
          project: text(projectFlag).pipe(Options.repeated),
          access: Options.choice(accessFlag.name, accessFlag.choices).pipe(
            Options.withDescription(accessFlag.about),
            Options.repeated
          ),
          rotate: Options.boolean(rotateFlag.name).pipe(Options.withDescription(rotateFlag.about))
        },
        handlers.hashKey
      ),
      Command.make("remove-key", { config: text(configFlag), id: text(idFlag), key: text(keyFlag) }, handlers.removeKey)
    ])
  )
}

// @effect/cli asks for these although no option here reads a file or a terminal; the light versions keep start-up fast.
const platform = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  Layer.succeed(Terminal.Terminal, {
    columns: Effect.succeed(80),
    rows: Effect.succeed(24),
    isTTY: Effect.sync(() => process.stdout.isTTY === true),
    readInput: Effect.dieMessage("vwh-proxy reads no interactive input"),
    readLine: Effect.dieMessage("vwh-proxy reads no interactive input"),
    display: (s) => Effect.sync(() => void process.stdout.write(s))
  })
)

/** Runs an argv (without node and the script) that {@link check} passed, through @effect/cli. */
export const run = <E, R>(
  checked: Extract<Checked, { _tag: "Run" }>,
  handlers: Handlers<E, R>
): Effect.Effect<void, E | UsageError, R> =>
  Effect.consoleWith((console) =>
    Command.run(tree(handlers), { name: "vwh-proxy", version })(["node", "vwh-proxy", ...checked.argv]).pipe(
      // @effect/cli prints its parse errors as a multi-line document; one line from the error instead.
      Effect.withConsole({ ...console, error: () => Effect.void }),
      Effect.catchIf(ValidationError.isValidationError, (e) =>
        Effect.fail(new UsageError({ message: usageMessage(oneLine(e), checked.command) }))
      )
    )
  ).pipe(Effect.provide(platform)) as Effect.Effect<void, E | UsageError, R>
