// Small, exact edits of a JSON text, so a tool changing a config file (hash-key) leaves every other byte as the
// operator wrote it — formatting, key order, the diff in their repository — instead of re-serialising the file.

/** Where a value sits in the text: `[start, end)`, and the indentation of the line it starts on. */
export interface Span {
  readonly start: number
  readonly end: number
  readonly indent: string
}

type Path = ReadonlyArray<string | number>

/** The span of the value at `path` in a JSON text that JSON.parse accepts; undefined when there is none. */
export const locate = (text: string, path: Path): Span | undefined => {
  let i = 0
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++
  }
  const string = (): string => {
    const start = i
    i++
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1
    i++
    return JSON.parse(text.slice(start, i)) as string
  }
  // Skips one value, or descends into it when it lies on the path; returns the span found, if any.
  const value = (depth: number): Span | undefined => {
    ws()
    const start = i
    const found = (): Span => {
      const lineStart = text.lastIndexOf("\n", start - 1) + 1
      return { start, end: i, indent: /^[ \t]*/.exec(text.slice(lineStart))![0] }
    }
    const c = text[i]
    if (c === "{" || c === "[") {
      i++
      let result: Span | undefined
      for (let index = 0; ; index++) {
        ws()
        if (text[i] === "}" || text[i] === "]") break
        let key: string | number = index
        if (c === "{") {
          key = string()
          ws()
          i++ // :
        }
        const onPath = depth < path.length && path[depth] === key
        const inner = value(onPath ? depth + 1 : Number.POSITIVE_INFINITY)
        if (onPath) result = inner
        ws()
        if (text[i] === ",") i++
      }
      i++
      return depth === path.length ? found() : result
    }
    if (c === '"') string()
    else while (i < text.length && !",}] \t\r\n".includes(text[i]!)) i++
    return depth === path.length ? found() : undefined
  }
  return value(0)
}

/** `text` with `[start, end)` replaced by `insert`. */
export const splice = (text: string, start: number, end: number, insert: string): string =>
  text.slice(0, start) + insert + text.slice(end)

/** The file's indentation unit: that of its first indented line (two spaces when it has none). */
const unit = (text: string): string => /\n([ \t]+)\S/.exec(text)?.[1] ?? "  "

/**
 * A value as a formatter would print it inside a config: objects one key per line (indented with `indent` and the
 * file's unit), arrays and nested objects on one line (`["read", "write"]`).
 */
export const render = (text: string, value: unknown, indent: string): string => {
  const inline = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(inline).join(", ")}]`
      : typeof v === "object" && v !== null
        ? `{ ${Object.entries(v)
            .map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`)
            .join(", ")} }`
        : JSON.stringify(v)
  if (typeof value !== "object" || value === null || Array.isArray(value)) return inline(value)
  const inner = indent + unit(text)
  const lines = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${inline(v)}`)
  return `{\n${lines.join(",\n")}\n${indent}}`
}

/** The indentation of the first element of the array or object at `span`, when it starts a line. */
const childIndent = (text: string, span: Span): string => {
  const m = /^[^\S\n]*\n([ \t]*)\S/.exec(text.slice(span.start + 1, span.end))
  return m ? m[1]! : span.indent + unit(text)
}

/** Appends `value` to the array at `span`, after its last element, at its elements' indentation. */
export const appendToArray = (text: string, span: Span, value: unknown): string => {
  const indent = childIndent(text, span)
  const item = render(text, value, indent)
  const inner = text.slice(span.start + 1, span.end - 1)
  if (inner.trim() === "") return splice(text, span.start, span.end, `[\n${indent}${item}\n${span.indent}]`)
  const after = span.start + 1 + inner.trimEnd().length
  return splice(text, after, after, `,\n${indent}${item}`)
}

/** Sets `key` of the object at `span` to `value`: its value replaced in place, or a new last property. */
export const setProperty = (text: string, object: Span, path: Path, key: string, value: unknown): string => {
  const existing = locate(text, [...path, key])
  if (existing !== undefined) return splice(text, existing.start, existing.end, render(text, value, existing.indent))
  const indent = childIndent(text, object)
  const property = `${JSON.stringify(key)}: ${render(text, value, indent)}`
  const inner = text.slice(object.start + 1, object.end - 1)
  if (inner.trim() === "") return splice(text, object.start, object.end, `{\n${indent}${property}\n${object.indent}}`)
  const after = object.start + 1 + inner.trimEnd().length
  return splice(text, after, after, `,\n${indent}${property}`)
}

/**
 * Replaces the property `oldKey` of the object at `path` — its name and value — with `newKey` and `value`, where it
 * stands (`"keyHash": "a"` becoming `"keyHashes": ["a", "b"]`). Undefined when there is no such property.
 */
export const replaceProperty = (
  text: string,
  path: Path,
  oldKey: string,
  newKey: string,
  value: unknown
): string | undefined => {
  const span = locate(text, [...path, oldKey])
  if (span === undefined) return undefined
  // Back from the value over the colon to the property's name: `"oldKey"` as written (names here need no escapes).
  const name = text.lastIndexOf(JSON.stringify(oldKey), span.start)
  if (name < 0 || text.slice(name + JSON.stringify(oldKey).length, span.start).trim() !== ":") return undefined
  return splice(text, name, span.end, `${JSON.stringify(newKey)}: ${render(text, value, span.indent)}`)
}
