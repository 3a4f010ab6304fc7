import { isDeepStrictEqual } from "node:util"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { readConfigFile } from "./ConfigFile.js"
import { updateJsonFile } from "./ConfigWrite.js"
import { appendToArray, locate, replaceProperty, setProperty, splice } from "./JsonEdit.js"
import { fingerprint, hashKey, mintKey } from "./Keys.js"
import { type Access, decodeConfig, KeyHash, maxKeysPerClient } from "./ProxyConfig.js"
import { StartupRefused, UsageError } from "./StartupErrors.js"

// hash-key and remove-key: mint keys and write them into (or take them out of) a config file, editing it in place
// (JsonEdit) and atomically (ConfigWrite), each edit checked by parsing its result.

export interface HashKeyOptions {
  readonly id: Option.Option<string>
  readonly config: Option.Option<string>
  readonly projects: ReadonlyArray<string>
  readonly access: ReadonlyArray<Access>
  readonly rotate: boolean
}

const isKeyHash = Schema.is(KeyHash)
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** `["*"]` means every project, as the config writes it. */
const projectsValue = (projects: ReadonlyArray<string>): "*" | ReadonlyArray<string> =>
  projects.includes("*") ? "*" : [...new Set(projects)]

const accessValue = (access: ReadonlyArray<Access>): ReadonlyArray<Access> =>
  access.length === 0 ? ["read"] : [...new Set(access)]

/** A client entry's key hashes as written, whichever form it uses (`keyHashes`, or the older `keyHash`). */
const hashesOf = (entry: Record<string, unknown>): ReadonlyArray<unknown> =>
  Array.isArray(entry.keyHashes) ? entry.keyHashes : entry.keyHash === undefined ? [] : [entry.keyHash]

/** A problem of the new entry, said in terms of the options that made it (`--id "x y": …`). */
const asOption = (problem: string, entry: Record<string, unknown>): string => {
  const m = /^clients\.0\.(id|projects|access)(\.\d+)?: (.*)$/.exec(problem)
  if (!m) return problem
  return m[1] === "id"
    ? `--id ${JSON.stringify(entry.id)}: ${m[3]}`
    : `--${m[1] === "projects" ? "project" : m[1]}: ${m[3]}`
}

type Edit = Either.Either<{ readonly text: string; readonly entry: Record<string, unknown> }, ReadonlyArray<string>>

/**
 * Edits the client `id` of a config file's text: `change` gets the entry (undefined for a new client) and returns
 * the entry wanted and the new text. The result is checked: the file must parse to exactly what was meant — that
 * client as intended, everything else as it was — or nothing is written.
 */
const editClient = (
  json: unknown,
  file: string,
  id: string,
  change: (entry: Record<string, unknown> | undefined, at: readonly ["clients", number]) => Edit
): Edit => {
  if (!isRecord(json)) return Either.left([`${file}: not a config (the file must hold a JSON object)`])
  const clients = json.clients ?? []
  if (!Array.isArray(clients)) return Either.left([`${file}: clients: must be a list`])
  const index = clients.findIndex((c) => isRecord(c) && c.id === id)
  const existing = index >= 0 ? (clients[index] as Record<string, unknown>) : undefined
  const changed = change(existing, ["clients", index < 0 ? clients.length : index])
  if (Either.isLeft(changed)) return changed
  const { entry } = changed.right
  // The entry must be valid on its own (id, projects, access, keys), whatever else the file holds.
  const alone = decodeConfig({ clients: [entry] })
  if (Either.isLeft(alone)) return Either.left(alone.left.map((p) => asOption(p, entry)))
  const expected = {
    ...json,
    clients: index < 0 ? [...clients, entry] : clients.map((c, i) => (i === index ? entry : c))
  }
  let written: unknown
  try {
    written = JSON.parse(changed.right.text)
  } catch {
    written = undefined
  }
  return isDeepStrictEqual(written, expected)
    ? changed
    : Either.left([
        `${file}: could not edit the file safely (it is unchanged); edit the client by hand: ${JSON.stringify(entry)}`
      ])
}

/** Sets properties of the entry at `at`, each in place (or added last). */
const setAll = (text: string, at: readonly ["clients", number], values: Record<string, unknown>) => {
  let next = text
  for (const [k, v] of Object.entries(values)) next = setProperty(next, locate(next, at)!, at, k, v)
  return next
}

/** The entry's keys made `hashes`, in the form it uses; a single `keyHash` becomes `keyHashes` where it stands. */
const setHashes = (
  text: string,
  at: readonly ["clients", number],
  entry: Record<string, unknown>,
  hashes: ReadonlyArray<string>
) => {
  const single = entry.keyHashes === undefined && entry.keyHash !== undefined
  if (single && hashes.length > 1) {
    const renamed = replaceProperty(text, at, "keyHash", "keyHashes", hashes)
    const { keyHash: _, ...rest } = entry
    if (renamed !== undefined) return { text: renamed, entry: { ...rest, keyHashes: hashes } }
  }
  const values = single && hashes.length === 1 ? { keyHash: hashes[0] } : { keyHashes: hashes }
  const entryWith = { ...entry, ...values }
  // A list as written keeps its layout: a placeholder filled where it stands, a new key appended after the last.
  const written = Array.isArray(entry.keyHashes) ? entry.keyHashes : undefined
  const list = [...at, "keyHashes"]
  if (written !== undefined && hashes.length === written.length) {
    let next = text
    for (const [i, h] of hashes.entries()) {
      const span = locate(next, [...list, i])
      if (span === undefined) return { text: setAll(text, at, values), entry: entryWith }
      if (written[i] !== h) next = splice(next, span.start, span.end, JSON.stringify(h))
    }
    return { text: next, entry: entryWith }
  }
  const span = locate(text, list)
  if (
    written !== undefined &&
    span !== undefined &&
    hashes.length === written.length + 1 &&
    written.every((h, i) => h === hashes[i])
  ) {
    return { text: appendToArray(text, span, hashes[hashes.length - 1]), entry: entryWith }
  }
  return { text: setAll(text, at, values), entry: entryWith }
}

type Written = { readonly kind: "added" | "filled" | "rotated"; readonly entry: Record<string, unknown> }

/**
 * Puts `keyHash` into the config: a new client (needs projects), the key of a client whose key is still a
 * placeholder (the example's), or with `rotate` one more key of a client (at most {@link maxKeysPerClient}). An id
 * that has a real key is otherwise refused: replacing its key would lock its client out.
 */
const withKey = (text: string, json: unknown, file: string, id: string, keyHash: string, options: HashKeyOptions) => {
  let kind: Written["kind"] = "added"
  const scopes = (isNew: boolean) => ({
    ...(options.projects.length > 0 ? { projects: projectsValue(options.projects) } : {}),
    ...(options.access.length > 0 || isNew ? { access: accessValue(options.access) } : {})
  })
  const edit = editClient(json, file, id, (existing, at) => {
    if (existing === undefined) {
      if (options.rotate) return Either.left([`${file}: there is no client "${id}" to give another key`])
      if (options.projects.length === 0) {
        return Either.left([
          "a new client needs --project <project id> (repeat it for more; --project '*' for all projects)"
        ])
      }
      const entry = { id, keyHashes: [keyHash], ...scopes(true) }
      const list = locate(text, ["clients"])
      return Either.right({
        entry,
        text:
          list === undefined
            ? setProperty(text, locate(text, [])!, [], "clients", [entry])
            : appendToArray(text, list, entry)
      })
    }
    const hashes = hashesOf(existing)
    const real = hashes.filter(isKeyHash)
    if (real.length === 0) {
      kind = "filled"
      const filled = setHashes(text, at, existing, [keyHash])
      const extra = scopes(false)
      return Either.right({ text: setAll(filled.text, at, extra), entry: { ...filled.entry, ...extra } })
    }
    if (!options.rotate) {
      return Either.left([
        `${file}: client "${id}" already exists and has a key: choose another --id, or add --rotate to give it one more key`
      ])
    }
    if (options.projects.length > 0 || options.access.length > 0) {
      return Either.left(["--rotate adds a key only: change the client's projects and access in the file"])
    }
    if (real.length >= maxKeysPerClient) {
      return Either.left([
        `${file}: client "${id}" has ${real.length} keys already (the most): remove one it no longer uses first: vwh-proxy remove-key --config ${file} --id ${id} --key ${fingerprint(real[0]!)}`
      ])
    }
    kind = "rotated"
    return Either.right(setHashes(text, at, existing, [...real, keyHash]))
  })
  return Either.map(edit, ({ entry, text }) => ({ text, result: { kind, entry } satisfies Written }))
}

const describeScopes = (entry: Record<string, unknown>) => {
  const projects = entry.projects === "*" ? "all projects" : `projects ${(entry.projects as Array<string>).join(", ")}`
  return `${projects}; access ${(entry.access as Array<string>).join(" and ")}`
}

const describeKeys = (entry: Record<string, unknown>) =>
  hashesOf(entry)
    .filter(isKeyHash)
    .map((h) => fingerprint(h))
    .join(", ")

/** Says what else in the file would stop the proxy from starting: now, rather than at the next start or reload. */
const notes = (file: string) => {
  const whole = readConfigFile(file)
  if (Either.isLeft(whole)) {
    process.stderr.write(
      `${[`note: ${file} still has problems the proxy will refuse:`, ...whole.left.map((p) => `  ${p}`)].join("\n")}\n`
    )
  }
}

const refused = (problems: ReadonlyArray<string>, command: string) =>
  new StartupRefused({ problems: problems.map((p) => `${command}: ${p}`) })

/**
 * `vwh-proxy hash-key`: mints a client key and prints it once with its hash (and fingerprint). With `--config`, also
 * writes it into that file (see {@link withKey}); the key is printed only once it is written.
 */
export const hashKeyCommand = (options: HashKeyOptions): Effect.Effect<void, UsageError | StartupRefused> =>
  Effect.gen(function* () {
    if (Option.isSome(options.config) && Option.isNone(options.id)) {
      return yield* new UsageError({ message: "hash-key --config needs --id <client id>: the client to write" })
    }
    if (Option.isNone(options.config) && options.rotate) {
      return yield* new UsageError({ message: "hash-key --rotate needs --config FILE: the file holding the client" })
    }
    const id = Option.getOrElse(options.id, () => "my-client")
    const key = mintKey()
    const hash = hashKey(key)
    const lines = [
      `client id: ${id}`,
      `key:       ${Redacted.value(key)}`,
      "           (give this to the client as X-Management-Token; it is shown once and stored nowhere)",
      `keyHash:   ${hash}   (fingerprint ${fingerprint(hash)}: how logs and the audit trail name this key)`
    ]
    if (Option.isNone(options.config)) {
      const entry = {
        id,
        keyHashes: [hash],
        projects: options.projects.length > 0 ? projectsValue(options.projects) : ["proj_…"],
        access: accessValue(options.access)
      }
      lines.push("", "config entry (or write it in with --config FILE):", `  ${JSON.stringify(entry)}`)
      process.stdout.write(`${lines.join("\n")}\n`)
      return
    }
    const file = options.config.value
    const changed = updateJsonFile(file, (text, json) => withKey(text, json, file, id, hash, options))
    if (Either.isLeft(changed)) return yield* refused(changed.left, "hash-key")
    const { kind, entry } = changed.right
    lines.push(
      kind === "rotated"
        ? `written:   ${file}: client ${id} now has keys ${describeKeys(entry)}: the new one works alongside the others once the proxy reloads (SIGHUP) — remove the old one (remove-key) once the client uses the new one`
        : `written:   ${file}: client ${id} ${kind === "added" ? "added" : "given its key (was a placeholder)"} (${describeScopes(entry)})`
    )
    process.stdout.write(`${lines.join("\n")}\n`)
    notes(file)
  })

/** `vwh-proxy remove-key`: takes one key of a client out of the config file (the end of a rotation), never its last. */
export const removeKeyCommand = (options: {
  readonly config: string
  readonly id: string
  readonly key: string
}): Effect.Effect<void, StartupRefused> =>
  Effect.gen(function* () {
    const file = options.config
    const wanted = options.key.toLowerCase().replace(/^sha256:/, "")
    let removed = ""
    const remove = (text: string, json: unknown): Edit =>
      editClient(json, file, options.id, (existing, at) => {
        if (existing === undefined) return Either.left([`${file}: there is no client "${options.id}"`])
        const real = hashesOf(existing).filter(isKeyHash)
        const matching = wanted.length >= 8 ? real.filter((h) => h.slice("sha256:".length).startsWith(wanted)) : []
        const known = real.map((h) => fingerprint(h)).join(", ")
        if (matching.length !== 1) {
          return Either.left([
            `${matching.length === 0 ? "no" : "more than one"} key of client "${options.id}" has the fingerprint ${JSON.stringify(options.key)} (give at least 8 hex digits); its keys: ${known}`
          ])
        }
        if (real.length === 1) {
          return Either.left([
            `${fingerprint(matching[0]!)} is the only key of client "${options.id}": give it a new one first (vwh-proxy hash-key --config ${file} --id ${options.id} --rotate), or remove the client from the file`
          ])
        }
        removed = fingerprint(matching[0]!)
        return Either.right(
          setHashes(
            text,
            at,
            existing,
            real.filter((h) => h !== matching[0])
          )
        )
      })
    const changed = updateJsonFile(file, (text, json) =>
      Either.map(remove(text, json), ({ entry, text }) => ({ text, result: entry }))
    )
    if (Either.isLeft(changed)) return yield* refused(changed.left, "remove-key")
    process.stdout.write(
      `removed:   ${file}: key ${removed} of client ${options.id}; it stops working when the proxy reloads (SIGHUP) or restarts; keys left: ${describeKeys(changed.right)}\n`
    )
    notes(file)
  })
