import * as Args from "@effect/cli/Args"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type * as Usage from "@effect/cli/Usage"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"

// The command tree of vwh: each command with its option records and its help in our words, as help (Help.ts),
// argv checking (Argv.ts) and @effect/cli (Cli.ts) see it. What an option is (names, value, choices, required)
// is read from the option records themselves, never written twice.

const descriptions = new WeakMap<object, string>()

/** Describes an option in our words (for --help and @effect/cli's shell completions). Apply it last. */
export const about =
  (text: string) =>
  <A>(self: Options.Options<A>): Options.Options<A> => {
    const described = Options.withDescription(self, text)
    descriptions.set(described, text)
    return described
  }

/** Describes a positional argument in our words. Apply it last. */
export const aboutArg =
  (text: string) =>
  <A>(self: Args.Args<A>): Args.Args<A> => {
    const described = Args.withDescription(self, text)
    descriptions.set(described, text)
    return described
  }

export interface CommandHelp {
  /** One sentence: what the command does. */
  readonly summary: string
  /** Further paragraphs, each a sentence or a few. */
  readonly details?: ReadonlyArray<string>
  /** Complete command lines, each optionally followed by `  # what it does`. */
  readonly examples: ReadonlyArray<string>
}

/** A command as help, argv checking and @effect/cli see it. */
export interface CommandNode {
  readonly name: string
  readonly help: CommandHelp
  readonly config: Command.Command.Config
  readonly children: ReadonlyArray<CommandNode>
  // biome-ignore lint/suspicious/noExplicitAny: any command fits in a tree of commands
  readonly command: Command.Command<any, any, any, any>
  /** Runs until stopped (listen, sandbox): Ctrl-C or SIGTERM is its normal end, not an interruption. */
  readonly runsUntilStopped?: boolean
}

export const leaf = <const Name extends string, const Config extends Command.Command.Config, R, E>(
  name: Name,
  config: Config,
  help: CommandHelp,
  handler: (flags: Command.Command.ParseConfig<Config>) => Effect.Effect<void, E, R>,
  extra: { readonly runsUntilStopped?: boolean } = {}
): CommandNode => ({
  name,
  help,
  config,
  children: [],
  command: Command.make(name, config, (flags) => handler(flags as Command.Command.ParseConfig<Config>)),
  ...extra
})

export const group = (
  name: string,
  help: CommandHelp,
  children: readonly [CommandNode, ...Array<CommandNode>]
): CommandNode => ({
  name,
  help,
  config: {},
  children,
  command: Command.make(name).pipe(Command.withSubcommands(children.map((c) => c.command) as [CommandNode["command"]]))
})

/** What argv checking and help need to know of an option: its names, its value, whether it may repeat. */
export interface OptionInfo {
  readonly key: string
  /** Long name first (`--output`), then aliases (`-o`). */
  readonly names: ReadonlyArray<string>
  /** The placeholder of its value (`ID`, `table|json`); undefined for a flag that takes none. */
  readonly value: string | undefined
  readonly choices: ReadonlyArray<string> | undefined
  readonly optional: boolean
  readonly repeatable: boolean
  readonly description: string
}

const named = (usage: Usage.Usage): { named: Usage.Named; optional: boolean; repeatable: boolean } | undefined => {
  switch (usage._tag) {
    case "Named":
      return { named: usage, optional: false, repeatable: false }
    case "Optional": {
      const inner = named(usage.usage)
      return inner && { ...inner, optional: true }
    }
    case "Repeated": {
      const inner = named(usage.usage)
      return inner && { ...inner, repeatable: true }
    }
    default:
      return undefined
  }
}

// Whether an option must be given is what @effect/cli's own parser says of a command line without it.
const isRequired = (options: Options.Options<unknown>): boolean =>
  Exit.isFailure(
    Effect.runSyncExit(
      Options.parse(options, HashMap.empty(), CliConfig.defaultConfig).pipe(Effect.provide(FileSystem.layerNoop({})))
    )
  )

const optionInfo = (key: string, options: Options.Options<unknown>): OptionInfo | undefined => {
  const usage = named(Options.getUsage(options))
  if (usage === undefined) return undefined
  const names = [...usage.named.names].sort((a, b) => b.length - a.length)
  const accepted = Option.getOrUndefined(usage.named.acceptedValues)
  // @effect/cli writes a choice's values as "a | b"; a placeholder (withPseudoName) is one word.
  const choices = accepted?.includes(" | ") ? accepted.split(" | ") : undefined
  return {
    key,
    names,
    value: choices ? choices.join("|") : accepted,
    choices,
    optional: usage.optional || !isRequired(options),
    repeatable: usage.repeatable,
    description: descriptions.get(options) ?? ""
  }
}

const optionsCache = new WeakMap<CommandNode, ReadonlyArray<OptionInfo>>()

export const optionsOf = (node: CommandNode): ReadonlyArray<OptionInfo> => {
  let options = optionsCache.get(node)
  if (options === undefined) {
    options = Object.entries(node.config).flatMap(([key, value]) =>
      Options.isOptions(value)
        ? [optionInfo(key, value as Options.Options<unknown>)].filter((o) => o !== undefined)
        : []
    )
    optionsCache.set(node, options)
  }
  return options
}

export interface ArgInfo {
  readonly name: string
  readonly description: string
  readonly optional: boolean
}

export const argsOf = (node: CommandNode): ReadonlyArray<ArgInfo> =>
  Object.values(node.config).flatMap((value) => {
    if (!Args.isArgs(value)) return []
    const usage = Args.getUsage(value as Args.Args<unknown>)
    const arg = named(usage)?.named
    const name = arg?.names[0] ?? "ARG"
    return [
      {
        name: name.replace(/^<|>$/g, ""),
        description: descriptions.get(value) ?? "",
        optional: usage._tag === "Optional"
      }
    ]
  })

/** Options every command accepts, handled before @effect/cli sees the command line. */
export const builtInOptions: ReadonlyArray<OptionInfo> = [
  {
    key: "help",
    names: ["--help", "-h"],
    value: undefined,
    choices: undefined,
    optional: true,
    repeatable: false,
    description: "show this help"
  },
  {
    key: "logLevel",
    names: ["--log-level"],
    value: "debug|info|warning|error|none",
    choices: ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"],
    optional: true,
    repeatable: false,
    description: "what vwh logs on stderr; debug shows each retry, e.g. --log-level debug"
  }
]

const rootOnlyOptions: ReadonlyArray<OptionInfo> = [
  {
    key: "version",
    names: ["--version"],
    value: undefined,
    choices: undefined,
    optional: true,
    repeatable: false,
    description: "print the version of vwh"
  },
  {
    key: "completions",
    names: ["--completions"],
    value: "bash|zsh|fish|sh",
    choices: ["bash", "zsh", "fish", "sh"],
    optional: true,
    repeatable: false,
    description:
      "print a shell completion script, e.g. vwh --completions bash > ~/.local/share/bash-completion/completions/vwh"
  }
]

export const rootOptions = [...builtInOptions, ...rootOnlyOptions]

// The command tree of `vwh` is assembled in Cli.ts; these walk it.

/** The node at a command path, or undefined. */
export const nodeAt = (root: CommandNode, path: ReadonlyArray<string>): CommandNode | undefined => {
  let node: CommandNode | undefined = root
  for (const name of path) node = node?.children.find((c) => c.name === name)
  return node
}

/** Every command path of the tree, root first (for the build-time help cache). */
export const allPaths = (
  node: CommandNode,
  prefix: ReadonlyArray<string> = []
): ReadonlyArray<ReadonlyArray<string>> => [prefix, ...node.children.flatMap((c) => allPaths(c, [...prefix, c.name]))]
