import { closest, didYouMean } from "@voucherify-webhooks/core/Suggest"
import { argsOf, builtInOptions, type CommandNode, type OptionInfo, optionsOf, rootOptions } from "./CommandTree.js"

// The command line is checked here before @effect/cli parses it, for what @effect/cli does not do: options shared
// by every API command work before or after the command (`vwh -o json webhooks list`), and a mistyped command,
// option or choice value gets one line naming it, with a did-you-mean.

export type Checked =
  /** Run @effect/cli with this argv (globals moved after the command path, --log-level before it). */
  | { readonly _tag: "Run"; readonly argv: ReadonlyArray<string>; readonly path: ReadonlyArray<string> }
  | { readonly _tag: "Help"; readonly path: ReadonlyArray<string> }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Invalid"; readonly message: string }

const invalid = (message: string): Checked => ({ _tag: "Invalid", message })

const find = (options: ReadonlyArray<OptionInfo>, name: string) => options.find((o) => o.names.includes(name))

const unknownOption = (name: string, where: string, options: ReadonlyArray<OptionInfo>): Checked => {
  const names = options.flatMap((o) => o.names).filter((n) => n.startsWith("--"))
  const hint = name.startsWith("--") ? closest(name, names) : undefined
  return invalid(`unknown option ${name} for \`${where}\`${didYouMean(hint)}; see \`${where} --help\``)
}

const badChoice = (option: OptionInfo, value: string): Checked | undefined => {
  if (option.choices === undefined || option.choices.includes(value)) return undefined
  const list = option.choices
  const alternatives = `${list.slice(0, -1).join(", ")} or ${list.at(-1)}`
  return invalid(`${option.names[0]} ${JSON.stringify(value)}: use ${alternatives}${didYouMean(closest(value, list))}`)
}

/**
 * Checks and rearranges `args` (argv without node and the script) against the command tree. `globals` are the
 * option keys that may stand anywhere.
 */
export const check = (root: CommandNode, args: ReadonlyArray<string>, globals: ReadonlySet<string>): Checked => {
  let node = root
  const path: Array<string> = []
  const early: Array<string> = [] // built-ins @effect/cli reads before the command path
  const hoisted: Array<{ readonly option: OptionInfo; readonly tokens: ReadonlyArray<string> }> = []
  const rest: Array<string> = []
  let help = false
  let version = false
  const globalOptions = (n: CommandNode) => optionsOf(n).filter((o) => globals.has(o.key))
  // Only needed when an option comes before the command is complete.
  const everyGlobal = () =>
    [root, ...root.children.flatMap((c) => [c, ...c.children])]
      .flatMap(globalOptions)
      .filter((o, i, all) => all.findIndex((x) => x.key === o.key) === i)

  for (let i = 0; i < args.length; i++) {
    const token = args[i]!
    if (token === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (token.startsWith("-") && token !== "-") {
      const eq = token.startsWith("--") ? token.indexOf("=") : -1
      const name = eq > 0 ? token.slice(0, eq) : token
      const where = ["vwh", ...path].join(" ")
      const isLeaf = node.children.length === 0
      const known = [
        ...builtInOptions,
        ...(path.length === 0 ? rootOptions : []),
        ...(isLeaf ? optionsOf(node) : everyGlobal())
      ]
      const option = find(known, name)
      if (option === undefined) return unknownOption(name, where, known)
      let tokens = [token]
      let value: string | undefined
      if (option.value !== undefined) {
        if (eq > 0) value = token.slice(eq + 1)
        else {
          value = args[i + 1]
          if (value === undefined) return invalid(`${name} needs a value (${option.value}); see \`${where} --help\``)
          tokens = [token, value]
          i++
        }
        const wrong = badChoice(option, value)
        if (wrong) return wrong
      }
      if (option.key === "help") help = true
      else if (option.key === "version") version = true
      else if (option.key === "logLevel" || option.key === "completions") early.push(...tokens)
      else if (isLeaf) rest.push(...tokens)
      else hoisted.push({ option, tokens })
      continue
    }
    if (node.children.length > 0) {
      const child = node.children.find((c) => c.name === token)
      if (child === undefined) {
        const where = ["vwh", ...path].join(" ")
        const names = node.children.map((c) => c.name)
        return invalid(
          `unknown command "${token}" for \`${where}\`${didYouMean(closest(token, names))}; use one of ${names.join(", ")}`
        )
      }
      node = child
      path.push(token)
      continue
    }
    rest.push(token)
  }

  if (help) return { _tag: "Help", path }
  if (version && path.length === 0) return { _tag: "Version" }
  if (early.some((t) => t === "--completions")) return { _tag: "Run", argv: early, path }
  if (node.children.length > 0) {
    const where = ["vwh", ...path].join(" ")
    const names = node.children.map((c) => c.name)
    return invalid(`\`${where}\` needs a command: ${names.join(", ")}; see \`${where} --help\``)
  }
  const where = ["vwh", ...path].join(" ")
  const leafOptions = optionsOf(node)
  const given = new Set([
    ...hoisted.map((h) => h.option.key),
    ...rest.flatMap((t) => leafOptions.filter((o) => o.names.includes(t.split("=")[0]!)).map((o) => o.key))
  ])
  const missing = leafOptions.filter((o) => !o.optional && o.value !== undefined && !given.has(o.key))
  if (missing.length > 0) {
    return invalid(
      `\`${where}\` needs ${missing.map((o) => `${o.names[0]} ${o.value}`).join(" and ")}; see \`${where} --help\``
    )
  }
  // Positional arguments: what is left once options and their values are taken out.
  const positionals: Array<string> = []
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!
    if (token === "--") {
      positionals.push(...rest.slice(i + 1))
      break
    }
    const option = token.startsWith("-") ? find(leafOptions, token.split("=")[0]!) : undefined
    if (option === undefined) positionals.push(token)
    else if (option.value !== undefined && !token.includes("=")) i++
  }
  const accepted = argsOf(node)
  const needed = accepted.filter((a) => !a.optional)
  if (positionals.length < needed.length) {
    const names = needed.slice(positionals.length).map((a) => `<${a.name}>`)
    return invalid(`\`${where}\` needs ${names.join(" ")}; see \`${where} --help\``)
  }
  if (positionals.length > accepted.length) {
    return invalid(`unexpected argument "${positionals[accepted.length]}" for \`${where}\`; see \`${where} --help\``)
  }
  for (const { option, tokens } of hoisted) {
    if (!leafOptions.some((o) => o.key === option.key)) {
      return invalid(`${tokens[0]} does not apply to \`${where}\`; see \`${where} --help\``)
    }
  }
  return { _tag: "Run", argv: [...early, ...path, ...hoisted.flatMap((h) => h.tokens), ...rest], path }
}
