import { argsOf, builtInOptions, type CommandNode, type OptionInfo, optionsOf, rootOptions } from "./CommandTree.js"

// `vwh … --help`, written from the command tree: our descriptions, one usage line with the full command path, no
// framework boilerplate, no padding, no colour codes.

const width = 100

/** Wraps a paragraph at `width`, every line indented by `indent`; never pads. */
export const wrap = (text: string, indent: string): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  if (line !== "") lines.push(indent + line)
  return lines
}

const optionLines = (option: OptionInfo): ReadonlyArray<string> => {
  const [long, ...aliases] = option.names
  const names = [...aliases, long].join(", ")
  const head = `  ${aliases.length === 0 ? "    " : ""}${names}${option.value ? ` ${option.value}` : ""}`
  const notes = [
    option.repeatable ? "repeatable" : undefined,
    option.optional || option.value === undefined ? undefined : "required"
  ]
    .filter((n) => n !== undefined)
    .join(", ")
  return [head, ...wrap(`${option.description}${notes ? ` (${notes})` : ""}`, "        ")]
}

const usageLine = (path: string, node: CommandNode, options: ReadonlyArray<OptionInfo>): string => {
  if (node.children.length > 0) return `${path} <command> [options]`
  const required = options
    .filter((o) => !o.optional && o.value !== undefined)
    .map((o) => `${o.names[0]} ${o.value}${o.repeatable ? "..." : ""}`)
  const args = argsOf(node).map((a) => `<${a.name}>`)
  return [path, ...required, ...(options.some((o) => o.optional) ? ["[options]"] : []), ...args].join(" ")
}

export interface Footer {
  readonly environment: ReadonlyArray<readonly [string, string]>
  readonly exitCodes: ReadonlyArray<readonly [number, string]>
}

/** The help of one command, `path` being its full command line prefix (`vwh webhooks create`). */
export const renderHelp = (
  path: ReadonlyArray<string>,
  node: CommandNode,
  globals: ReadonlySet<string>,
  footer: Footer
): string => {
  const isRoot = path.length === 1
  const all = optionsOf(node)
  const own = all.filter((o) => !globals.has(o.key))
  const shared = all.filter((o) => globals.has(o.key))
  const lines: Array<string> = [...wrap(`${path.join(" ")}: ${node.help.summary}`, ""), ""]
  lines.push("Usage:", `  ${usageLine(path.join(" "), node, all)}`, "")
  for (const paragraph of node.help.details ?? []) lines.push(...wrap(paragraph, ""), "")
  if (node.children.length > 0) {
    lines.push("Commands:")
    const longest = Math.max(...node.children.map((c) => c.name.length))
    for (const child of node.children) lines.push(`  ${child.name.padEnd(longest)}  ${child.help.summary}`)
    lines.push("")
  }
  const args = argsOf(node)
  if (args.length > 0) {
    lines.push("Arguments:")
    for (const arg of args) lines.push(`  <${arg.name}>`, ...wrap(arg.description, "        "))
    lines.push("")
  }
  if (own.length > 0) {
    lines.push("Options:")
    for (const option of own) lines.push(...optionLines(option))
    lines.push("")
  }
  if (shared.length > 0) {
    lines.push("Connection and output (before or after the command):")
    for (const option of shared) lines.push(...optionLines(option))
    lines.push("")
  }
  lines.push(isRoot ? "Global options:" : "Also:")
  for (const option of isRoot ? rootOptions : builtInOptions) lines.push(...optionLines(option))
  lines.push("")
  lines.push("Examples:")
  for (const example of node.help.examples) lines.push(`  $ ${example}`)
  lines.push("")
  if (isRoot) {
    lines.push("Environment (flags override it):")
    for (const [name, meaning] of footer.environment) lines.push(`  ${name}`, ...wrap(meaning, "        "))
    lines.push("", "Exit codes:")
    for (const [code, meaning] of footer.exitCodes) lines.push(`  ${String(code).padStart(3)}  ${meaning}`)
    lines.push("")
  } else {
    lines.push("Environment variables and exit codes: vwh --help", "")
  }
  return `${lines
    .map((l) => l.trimEnd())
    .join("\n")
    .trimEnd()}\n`
}
