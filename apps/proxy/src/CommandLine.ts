import { closest, didYouMean } from "@voucherify-webhooks/core/Suggest"
import pkg from "../package.json" with { type: "json" }

// The command line of vwh-proxy: its commands and options, its help, and the check of argv that runs before
// @effect/cli parses it (Cli.ts), for what @effect/cli does not say well: an unknown option, a missing value or a
// stray argument is one line naming it, with a did-you-mean (exit 2, nothing started). Nothing heavy is imported
// here, so --help, --version and a usage error answer before the rest is loaded.

export const version: string = pkg.version

/** What the checker and the help need to know of an option; the @effect/cli option is built from it. */
export interface Flag {
  readonly name: string
  /** The value's placeholder; undefined for a switch, which takes none. */
  readonly value?: string
  readonly choices?: ReadonlyArray<string>
  readonly repeatable?: boolean
  readonly about: string
}

export const configFlag = {
  name: "config",
  value: "FILE",
  about: "the config file (JSON); default: $PROXY_CONFIG"
} as const
export const idFlag = { name: "id", value: "ID", about: "the client id (X-Management-Id) the key is for" } as const
export const projectFlag = {
  name: "project",
  value: "ID",
  repeatable: true,
  about: "with --config: a project the new client may use; repeatable; '*' for all"
} as const
export const rotateFlag = {
  name: "rotate",
  about: "with --config: give an existing client one more key (rotation: the old one keeps working until removed)"
} as const
export const keyFlag = {
  name: "key",
  value: "FINGERPRINT",
  about: "the key to remove: its fingerprint (the first 8 hex digits of its hash, as logs show it) or its hash"
} as const
export const accessFlag = {
  name: "access",
  value: "read|write",
  choices: ["read", "write"],
  repeatable: true,
  about: "with --config: what the new client may do; repeatable; default read"
} as const

/** A command as the checker, the help and @effect/cli see it; `run` is filled in by the entry point. */
interface CommandSpec {
  readonly name: string
  readonly usage: string
  readonly summary: string
  readonly flags: ReadonlyArray<Flag>
  /** Options that must be given. */
  readonly required?: ReadonlyArray<string>
}

export const commands = {
  serve: {
    name: "serve",
    usage: "vwh-proxy [serve] [--config FILE]",
    summary: "serve the API (the default command); no config and no upstream credentials = the offline demo",
    flags: [configFlag]
  },
  "check-config": {
    name: "check-config",
    usage: "vwh-proxy check-config [--config FILE]",
    summary: "check the config and the environment as serve would, and say what serve would do; starts nothing",
    flags: [configFlag]
  },
  "hash-key": {
    name: "hash-key",
    usage: "vwh-proxy hash-key [--id ID] [--config FILE [--project ID]… [--access read|write]… | --rotate]",
    summary:
      "mint a client key and print it once with its hash; with --config, write it into the file: a new client, the key of one whose key is a placeholder, or (--rotate) one more key of an existing client",
    flags: [idFlag, configFlag, projectFlag, accessFlag, rotateFlag]
  },
  "remove-key": {
    name: "remove-key",
    usage: "vwh-proxy remove-key --config FILE --id ID --key FINGERPRINT",
    summary: "remove one key of a client from the config file (the end of a rotation); never its last key",
    flags: [configFlag, idFlag, keyFlag],
    required: ["config", "id", "key"]
  }
} as const satisfies Record<string, CommandSpec>

export type CommandName = keyof typeof commands
const commandNames = Object.keys(commands) as Array<CommandName>

const flagLine = (f: Flag) => `  --${`${f.name}${f.value === undefined ? "" : ` ${f.value}`}`.padEnd(22)} ${f.about}`

/** `vwh-proxy --help`, or one command's. */
export const helpText = (command?: CommandName): string => {
  if (command !== undefined) {
    const c: CommandSpec = commands[command]
    return `${c.usage}\n\n${c.summary}\n\n${c.flags.map(flagLine).join("\n")}\n`
  }
  return [
    `vwh-proxy ${version} — a policy proxy for the Voucherify webhook API`,
    "",
    ...commandNames.flatMap((n) => [`  ${commands[n].usage}`, `      ${commands[n].summary}`]),
    "  vwh-proxy --help | --version",
    "",
    "Environment: PORT, HOST, LOG_LEVEL (debug|info|warning|error|none), PROXY_CONFIG; the upstream:",
    "VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN (or VOUCHERIFY_MANAGEMENT_ID_FILE and",
    "VOUCHERIFY_MANAGEMENT_TOKEN_FILE, read once), VOUCHERIFY_API_URL or VOUCHERIFY_CLUSTER.",
    "Exit status: 0 ok, 1 failed while running (e.g. the port is taken), 2 a usage or config error.",
    "Details: apps/proxy/README.md",
    ""
  ].join("\n")
}

export type Checked =
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Run"; readonly command: CommandName; readonly argv: ReadonlyArray<string> }
  | { readonly _tag: "Invalid"; readonly message: string }

/** A usage error's message, pointing at the help of the command concerned. */
export const usageMessage = (message: string, command?: CommandName): string =>
  `${message}; see \`vwh-proxy ${command === undefined ? "" : `${command} `}--help\``

const usage = (message: string, command?: CommandName): Checked => ({
  _tag: "Invalid",
  message: usageMessage(message, command)
})

/** Checks argv (without node and the script) and says what to run, with the command made explicit. */
export const check = (args: ReadonlyArray<string>): Checked => {
  const end = args.indexOf("--")
  const before = end < 0 ? args : args.slice(0, end)
  let command: CommandName = "serve"
  let rest = args
  const first = args[0]
  if (first !== undefined && (commandNames as ReadonlyArray<string>).includes(first)) {
    command = first as CommandName
    rest = args.slice(1)
  }
  if (before.includes("--help") || before.includes("-h")) {
    return { _tag: "Help", text: helpText(rest === args ? undefined : command) }
  }
  if (args.length === 1 && first === "--version") return { _tag: "Version" }
  if (rest === args && first !== undefined && !first.startsWith("-")) {
    const hint = closest(first, commandNames)
    return /[./\\]/.test(first) && hint === undefined
      ? usage(`unexpected argument "${first}": to serve with a config file, use --config ${first}`)
      : usage(`unknown command "${first}"${didYouMean(hint)}; use one of ${commandNames.join(", ")}`)
  }
  const spec: CommandSpec = commands[command]
  const argv: Array<string> = [command]
  const given = new Set<string>()
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!
    if (token === "--") {
      const stray = rest[i + 1]
      if (stray === undefined) continue
      return usage(`unexpected argument "${stray}" for vwh-proxy ${command}`, command)
    }
    if (!token.startsWith("-") || token === "-") {
      return usage(`unexpected argument "${token}" for vwh-proxy ${command}`, command)
    }
    const eq = token.indexOf("=")
    const name = eq > 0 ? token.slice(0, eq) : token
    const flag = spec.flags.find((f) => `--${f.name}` === name)
    if (flag === undefined) {
      const elsewhere = commandNames.filter((n) => commands[n].flags.some((f) => `--${f.name}` === name))
      if (elsewhere.length > 0) {
        return usage(
          `${name} does not apply to vwh-proxy ${command} (it is an option of ${elsewhere.join(", ")})`,
          command
        )
      }
      const hint = closest(
        name,
        spec.flags.map((f) => `--${f.name}`)
      )
      return usage(`unknown option ${name} for vwh-proxy ${command}${didYouMean(hint)}`, command)
    }
    if (flag.value === undefined) {
      if (eq > 0) return usage(`${name} takes no value`, command)
      if (given.has(flag.name)) return usage(`${name} is given twice`, command)
      given.add(flag.name)
      argv.push(`--${flag.name}`)
      continue
    }
    let value: string | undefined
    if (eq > 0) value = token.slice(eq + 1)
    else {
      value = rest[i + 1]
      if (value?.startsWith("--")) value = undefined
      else i++
    }
    if (value === undefined || value === "") return usage(`${name} needs a value (${flag.value})`, command)
    if (flag.choices !== undefined && !flag.choices.includes(value)) {
      return usage(
        `${name} ${JSON.stringify(value)}: use ${flag.choices.join(" or ")}${didYouMean(closest(value, flag.choices))}`,
        command
      )
    }
    if (given.has(flag.name) && flag.repeatable !== true) return usage(`${name} is given twice`, command)
    given.add(flag.name)
    argv.push(`--${flag.name}`, value)
  }
  const missing = (spec.required ?? []).filter((name) => !given.has(name))
  if (missing.length > 0) {
    const needed = missing.map((name) => {
      const flag = spec.flags.find((f) => f.name === name)!
      return `--${name} ${flag.value}`
    })
    return usage(`${command} needs ${needed.join(" and ")}`, command)
  }
  return { _tag: "Run", command, argv }
}
