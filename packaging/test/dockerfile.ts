// Just enough of the Dockerfile syntax to read this repository's Dockerfile as Docker would: comments, line
// continuations, ARG defaults in FROM, stages, ENV (both forms), exec-form (JSON) and shell-form commands.

export interface Instruction {
  readonly keyword: string
  readonly args: string
  readonly line: number
}

export interface Stage {
  readonly from: string
  readonly name: string | undefined
  readonly instructions: ReadonlyArray<Instruction>
}

/** Instructions in order; a trailing `\` joins the next line, `#` lines are comments (also inside a continuation). */
export const instructions = (text: string): Array<Instruction> => {
  const out: Array<Instruction> = []
  let current = ""
  let startLine = 0
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "")
    if (/^\s*#/.test(line) || (current === "" && line.trim() === "")) return
    if (current === "") startLine = i + 1
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `
      return
    }
    current += line
    const match = /^\s*(\w+)\s+([\s\S]*)$/.exec(current)
    if (match) out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: startLine })
    current = ""
  })
  return out
}

const substitute = (text: string, vars: Record<string, string>) =>
  text.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a?: string, b?: string) => vars[(a ?? b)!] ?? all)

/** Stages, with ARGs declared before the first FROM substituted into FROM lines. */
export const stages = (text: string): Array<Stage> => {
  const args: Record<string, string> = {}
  const result: Array<{ from: string; name: string | undefined; instructions: Array<Instruction> }> = []
  for (const instruction of instructions(text)) {
    if (instruction.keyword === "FROM") {
      const [image, as, name] = substitute(instruction.args, args).split(/\s+/)
      result.push({ from: image!, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] })
    } else if (result.length === 0) {
      if (instruction.keyword === "ARG") {
        const [name, value = ""] = instruction.args.split("=")
        args[name!.trim()] = value.trim()
      }
    } else result.at(-1)!.instructions.push(instruction)
  }
  return result
}

const unquote = (value: string) =>
  /^".*"$/.test(value) ? (JSON.parse(value) as string) : /^'.*'$/.test(value) ? value.slice(1, -1) : value

/** The environment a stage's ENV instructions set, in order (`ENV A=1 B="x y"` and the legacy `ENV A 1`). */
export const stageEnv = (stage: Stage): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== "ENV") continue
    if (!/^\w+=/.test(args)) {
      const [name, ...rest] = args.split(/\s+/)
      env[name!] = rest.join(" ")
      continue
    }
    for (const [, name, value] of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
      env[name!] = substitute(unquote(value!), env)
    }
  }
  return env
}

/** A command as Docker runs it: exec form (a JSON array) as is, shell form through `/bin/sh -c`. */
export const command = (args: string): Array<string> =>
  args.startsWith("[") ? (JSON.parse(args) as Array<string>) : ["/bin/sh", "-c", args]

/** The last instruction of a kind in a stage (Docker uses the last CMD, ENTRYPOINT, HEALTHCHECK). */
export const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1)

/** HEALTHCHECK's options (`--interval=30s`…) and its command. */
export const healthcheck = (args: string) => {
  const options: Record<string, string> = {}
  let rest = args
  for (;;) {
    const match = /^--([\w-]+)=(\S+)\s+/.exec(rest)
    if (!match) break
    options[match[1]!] = match[2]!
    rest = rest.slice(match[0].length)
  }
  const cmd = /^CMD\s+([\s\S]*)$/.exec(rest)
  return { options, command: cmd ? command(cmd[1]!.trim()) : undefined }
}

/** A .dockerignore pattern as a RegExp over context-relative paths (Go's filepath.Match plus `**`, as Docker). */
const ignorePattern = (pattern: string): RegExp => {
  const p = pattern.trim().replace(/^\/+/, "").replace(/\/+$/, "")
  let re = ""
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === "*" && p[i + 1] === "*") {
      i++
      if (p[i + 1] === "/") {
        i++
        re += "(?:.*/)?"
      } else re += ".*"
    } else if (c === "*") re += "[^/]*"
    else if (c === "?") re += "[^/]"
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&")
  }
  // A matched directory takes everything under it out of the context.
  return new RegExp(`^${re}(?:/.*)?$`)
}

/** Whether Docker leaves `path` (relative to the context) out of the build context; later lines win, `!` re-includes. */
export const dockerignored = (dockerignore: string, path: string): boolean => {
  let ignored = false
  for (const line of dockerignore.split("\n")) {
    const pattern = line.trim()
    if (pattern === "" || pattern.startsWith("#")) continue
    const negated = pattern.startsWith("!")
    if (ignorePattern(negated ? pattern.slice(1) : pattern).test(path)) ignored = !negated
  }
  return ignored
}
