import { isDeepStrictEqual } from "node:util"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { readConfigFile } from "./ConfigFile.js"
import { updateJsonFile } from "./ConfigWrite.js"
import { appendToArray, locate, setProperty } from "./JsonEdit.js"
import { hashKey, mintKey } from "./Keys.js"
import { type Access, decodeConfig, KeyHash } from "./ProxyConfig.js"
import { StartupRefused, UsageError } from "./StartupErrors.js"

export interface HashKeyOptions {
  readonly id: Option.Option<string>
  readonly config: Option.Option<string>
  readonly projects: ReadonlyArray<string>
  readonly access: ReadonlyArray<Access>
}

const isKeyHash = Schema.is(KeyHash)
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** `["*"]` means every project, as the config writes it. */
const projectsValue = (projects: ReadonlyArray<string>): "*" | ReadonlyArray<string> =>
  projects.includes("*") ? "*" : [...new Set(projects)]

const accessValue = (access: ReadonlyArray<Access>): ReadonlyArray<Access> =>
  access.length === 0 ? ["read"] : [...new Set(access)]

type Change = { readonly kind: "added" | "filled"; readonly entry: Record<string, unknown> }

/** A problem of the new entry, said in terms of the options that made it (`--id "x y": …`). */
const asOption = (problem: string, entry: Record<string, unknown>): string => {
  const m = /^clients\.0\.(id|projects|access)(\.\d+)?: (.*)$/.exec(problem)
  if (!m) return problem
  const flag = m[1] === "projects" ? "--project" : `--${m[1]}`
  return m[1] === "id" ? `--id ${JSON.stringify(entry.id)}: ${m[3]}` : `${flag}: ${m[3]}`
}

/**
 * Puts a client with `keyHash` into a config file's text: a new entry (needs projects), or the key of an existing
 * entry whose key is still a placeholder (the example's). An id that already has a real key is refused: two
 * entries with one id would be a broken config, and replacing a key would lock its client out. The text is
 * edited in place (JsonEdit), and the edit is checked by parsing the result.
 */
const withClient = (
  text: string,
  json: unknown,
  id: string,
  keyHash: string,
  options: HashKeyOptions,
  file: string
): Either.Either<{ text: string; result: Change }, ReadonlyArray<string>> => {
  if (!isRecord(json)) return Either.left([`${file}: not a config (the file must hold a JSON object)`])
  const clients = json.clients ?? []
  if (!Array.isArray(clients)) return Either.left([`${file}: clients: must be a list`])
  const index = clients.findIndex((c) => isRecord(c) && c.id === id)
  const existing = index >= 0 ? (clients[index] as Record<string, unknown>) : undefined
  const scopes = {
    ...(options.projects.length > 0 ? { projects: projectsValue(options.projects) } : {}),
    ...(options.access.length > 0 || existing === undefined ? { access: accessValue(options.access) } : {})
  }
  let entry: Record<string, unknown>
  let next: string
  if (existing === undefined) {
    if (options.projects.length === 0) {
      return Either.left([
        "a new client needs --project <project id> (repeat it for more; --project '*' for all projects)"
      ])
    }
    entry = { id, keyHash, ...scopes }
    const root = locate(text, [])!
    const list = locate(text, ["clients"])
    next = list === undefined ? setProperty(text, root, [], "clients", [entry]) : appendToArray(text, list, entry)
  } else {
    const hashes = [existing.keyHash, ...(Array.isArray(existing.keyHashes) ? existing.keyHashes : [])].filter(
      (h) => h !== undefined
    )
    if (hashes.some(isKeyHash)) {
      return Either.left([`${file}: client "${id}" already exists and has a key: choose another --id`])
    }
    entry = { ...existing, keyHash, ...scopes }
    const at = ["clients", index] as const
    next = text
    for (const [k, v] of Object.entries({ keyHash, ...scopes })) next = setProperty(next, locate(next, at)!, at, k, v)
  }
  // The new entry must be valid on its own (id, projects, access), whatever else the file holds.
  const alone = decodeConfig({ clients: [entry] })
  if (Either.isLeft(alone)) return Either.left(alone.left.map((p) => asOption(p, entry)))
  // The edit must say exactly what was meant: the client as intended, everything else as it was.
  const expected = {
    ...json,
    clients: existing === undefined ? [...clients, entry] : clients.map((c, i) => (i === index ? entry : c))
  }
  let written: unknown
  try {
    written = JSON.parse(next)
  } catch {
    written = undefined
  }
  if (!isDeepStrictEqual(written, expected)) {
    return Either.left([
      `${file}: could not edit the file safely (it is unchanged); add the client by hand: ${JSON.stringify(entry)}`
    ])
  }
  return Either.right({ text: next, result: { kind: existing === undefined ? "added" : "filled", entry } })
}

const describeScopes = (entry: Record<string, unknown>) => {
  const projects = entry.projects === "*" ? "all projects" : `projects ${(entry.projects as Array<string>).join(", ")}`
  return `${projects}; access ${(entry.access as Array<string>).join(" and ")}`
}

/**
 * `vwh-proxy hash-key`: mints a client key and prints it once with its hash. With `--config`, also writes the
 * client into that file (atomically, the rest of the file kept): a new client, or the key of one whose key is
 * still a placeholder.
 */
export const hashKeyCommand = (options: HashKeyOptions): Effect.Effect<void, UsageError | StartupRefused> =>
  Effect.gen(function* () {
    if (Option.isSome(options.config) && Option.isNone(options.id)) {
      return yield* new UsageError({ message: "hash-key --config needs --id <client id>: the client to write" })
    }
    const id = Option.getOrElse(options.id, () => "my-client")
    const key = mintKey()
    const hash = hashKey(key)
    const lines = [
      `client id: ${id}`,
      `key:       ${Redacted.value(key)}`,
      "           (give this to the client as X-Management-Token; it is shown once and stored nowhere)",
      `keyHash:   ${hash}`
    ]
    if (Option.isNone(options.config)) {
      const entry = {
        id,
        keyHash: hash,
        projects: options.projects.length > 0 ? projectsValue(options.projects) : ["proj_…"],
        access: accessValue(options.access)
      }
      lines.push("", "config entry (or write it in with --config FILE):", `  ${JSON.stringify(entry)}`)
      process.stdout.write(`${lines.join("\n")}\n`)
      return
    }
    const file = options.config.value
    const changed = updateJsonFile(file, (text, json) => withClient(text, json, id, hash, options, file))
    if (Either.isLeft(changed))
      return yield* new StartupRefused({ problems: changed.left.map((p) => `hash-key: ${p}`) })
    const { kind, entry } = changed.right
    lines.push(
      `written:   ${file}: client ${id} ${kind === "added" ? "added" : "given its key (was a placeholder)"} (${describeScopes(entry)})`
    )
    process.stdout.write(`${lines.join("\n")}\n`)
    // What else in the file would stop the proxy from starting, said now rather than at the next start.
    const whole = readConfigFile(file)
    if (Either.isLeft(whole)) {
      process.stderr.write(
        `${[`note: ${file} still has problems the proxy will refuse:`, ...whole.left.map((p) => `  ${p}`)].join("\n")}\n`
      )
    }
  })
