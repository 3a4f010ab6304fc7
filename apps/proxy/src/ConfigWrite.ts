import { closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import * as Either from "effect/Either"
import { readJsonFile } from "./ConfigFile.js"

/**
 * Changes a JSON file: `update` gets its text and parsed content and returns the new text (see JsonEdit: small
 * exact edits, so every other byte stays as the operator wrote it) or the problems that stop the change. The file is replaced atomically — written to a temporary file next to it (same mode), flushed, renamed
 * over it — so a reader (the proxy reloading, an editor) sees the old file or the new one, never half of either;
 * a lock file around read-change-write keeps two writers from losing each other's change. A symbolic link is
 * followed: the file it points to is replaced, the link kept.
 */
export const updateJsonFile = <A>(
  path: string,
  update: (
    text: string,
    json: unknown
  ) => Either.Either<{ readonly text: string; readonly result: A }, ReadonlyArray<string>>
): Either.Either<A, ReadonlyArray<string>> => {
  let real: string
  try {
    real = realpathSync(path)
  } catch (e) {
    return Either.left([`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`])
  }
  const lock = `${real}.lock`
  let lockFd: number
  try {
    lockFd = openSync(lock, "wx", 0o600)
  } catch (e) {
    return Either.left([
      (e as NodeJS.ErrnoException).code === "EEXIST"
        ? `${lock} exists: another vwh-proxy is changing ${path}; if none is, remove ${lock}`
        : `${path}: cannot lock (${(e as NodeJS.ErrnoException).code ?? String(e)})`
    ])
  }
  const temp = join(dirname(real), `.${basename(real)}.${process.pid}.tmp`)
  try {
    const read = readJsonFile(real)
    if (Either.isLeft(read)) return Either.left([read.left])
    const changed = update(read.right.text, read.right.json)
    if (Either.isLeft(changed)) return Either.left(changed.left)
    const { text } = changed.right
    try {
      const fd = openSync(temp, "wx", statSync(real).mode & 0o777)
      try {
        writeSync(fd, text)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(temp, real)
    } catch (e) {
      try {
        unlinkSync(temp)
      } catch {
        // Never created.
      }
      return Either.left([`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)}); it is unchanged`])
    }
    return Either.right(changed.right.result)
  } finally {
    closeSync(lockFd)
    unlinkSync(lock)
  }
}
