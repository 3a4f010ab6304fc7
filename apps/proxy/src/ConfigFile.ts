import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { decodeConfig, type ProxyConfig } from "./ProxyConfig.js"
import { StartupRefused } from "./StartupErrors.js"

/** The config file as read: its text (to tell a real change from a touch) and the validated config. */
export interface LoadedConfig {
  readonly path: string
  readonly text: string
  readonly config: ProxyConfig
}

/** `line L, column C` for a JSON.parse "position N" message, so an operator can find it in an editor. */
const where = (text: string, message: string): string => {
  const m = /position (\d+)/.exec(message)
  if (!m) return message
  const before = text.slice(0, Number(m[1]))
  const line = before.split("\n").length
  const column = before.length - before.lastIndexOf("\n")
  return `${message.replace(/ in JSON at position \d+.*$/, "")} at line ${line}, column ${column}`
}

/** Reads and parses a JSON file; a problem is one line naming the file. */
export const readJsonFile = (path: string): Either.Either<{ text: string; json: unknown }, string> => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    return Either.left(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
  try {
    return Either.right({ text, json: JSON.parse(text) })
  } catch (e) {
    return Either.left(`${path}: not valid JSON (${where(text, (e as Error).message)})`)
  }
}

/** A problem's `<file>` and `<client>` placeholders (in the advice to run hash-key) made the actual ones. */
const withNames = (problem: string, path: string, json: unknown): string => {
  const index = /^clients\.(\d+)\./.exec(problem)?.[1]
  const clients = (json as { clients?: unknown } | null)?.clients
  const id =
    index !== undefined && Array.isArray(clients) ? (clients[Number(index)] as { id?: unknown })?.id : undefined
  return problem.replaceAll("<file>", path).replaceAll("<client>", typeof id === "string" ? id : "<client>")
}

/** Reads and validates a config file: every problem on its own line, `<file>: <path>: <problem>`. */
export const readConfigFile = (path: string): Either.Either<LoadedConfig, ReadonlyArray<string>> =>
  Either.flatMap(
    Either.mapLeft(readJsonFile(path), (problem) => [problem]),
    ({ json, text }) =>
      Either.match(decodeConfig(json), {
        onLeft: (problems) => Either.left(problems.map((p) => `${path}: ${withNames(p, path, json)}`)),
        onRight: (config) => Either.right({ path, text, config })
      })
  )

/** {@link readConfigFile} as an Effect that refuses to start on any problem (`config error: …` lines, exit 2). */
export const loadConfigFile = (path: string): Effect.Effect<LoadedConfig, StartupRefused> =>
  Either.match(readConfigFile(path), {
    onLeft: (problems) => Effect.fail(new StartupRefused({ problems: problems.map((p) => `config error: ${p}`) })),
    onRight: Effect.succeed
  })
