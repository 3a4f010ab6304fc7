import { describe, expect, it } from "vitest"
import { appendToArray, locate, setProperty } from "../src/JsonEdit.js"

const text = `{
  "a\\"b": "x\\\\\\"]}",
  "clients": [
    { "id": "one", "keyHash": "<placeholder>", "nested": [[1, 2], {"k": [3]}] },
    {
      "id": "two",
      "access": ["read"]
    }
  ],
  "n": -1.5e3
}
`

describe("JsonEdit: exact edits of a JSON text", () => {
  it("locates values past escapes, nesting and numbers", () => {
    const at = (path: ReadonlyArray<string | number>) => {
      const span = locate(text, path)!
      return text.slice(span.start, span.end)
    }
    expect(at(['a"b'])).toBe('"x\\\\\\"]}"')
    expect(at(["clients", 0, "keyHash"])).toBe('"<placeholder>"')
    expect(at(["clients", 0, "nested", 1, "k", 0])).toBe("3")
    expect(at(["clients", 1, "access"])).toBe('["read"]')
    expect(at(["n"])).toBe("-1.5e3")
    expect(locate(text, ["clients", 2])).toBeUndefined()
    expect(locate(text, ["missing"])).toBeUndefined()
  })

  it("replaces a value in place, adds a property, appends to an array — and nothing else changes", () => {
    const filled = setProperty(text, locate(text, ["clients", 0])!, ["clients", 0], "keyHash", "sha256:x")
    expect(filled).toBe(text.replace('"<placeholder>"', '"sha256:x"'))
    const added = setProperty(filled, locate(filled, ["clients", 1])!, ["clients", 1], "projects", ["p1", "p2"])
    expect(added).toBe(filled.replace('"access": ["read"]\n', '"access": ["read"],\n      "projects": ["p1", "p2"]\n'))
    const appended = appendToArray(added, locate(added, ["clients"])!, { id: "three", access: ["read", "write"] })
    expect(JSON.parse(appended).clients[2]).toEqual({ id: "three", access: ["read", "write"] })
    expect(appended).toContain('    },\n    {\n      "id": "three",\n      "access": ["read", "write"]\n    }\n  ],')
    expect(appended.startsWith(added.slice(0, added.lastIndexOf("}\n  ],")))).toBe(true)
  })

  it("fills an empty array or object, in tabs when the file uses tabs", () => {
    const tabs = '{\n\t"clients": []\n}\n'
    const out = appendToArray(tabs, locate(tabs, ["clients"])!, { id: "a" })
    expect(out).toBe('{\n\t"clients": [\n\t\t{\n\t\t\t"id": "a"\n\t\t}\n\t]\n}\n')
    const empty = "{}"
    expect(JSON.parse(setProperty(empty, locate(empty, [])!, [], "clients", []))).toEqual({ clients: [] })
  })
})
