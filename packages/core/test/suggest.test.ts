import { describe, expect, it } from "vitest"
import { closest, didYouMean, editDistance } from "../src/Suggest.js"

describe("suggestions", () => {
  it("measures edits, stopping at the limit", () => {
    expect(editDistance("list", "lst", 5)).toBe(1)
    expect(editDistance("output", "outptu", 5)).toBe(2)
    expect(editDistance("a".repeat(10_000), "list", 3)).toBe(3)
  })
  it("suggests the nearest candidate within a third of the word", () => {
    expect(closest("lst", ["create", "list", "get"])).toBe("list")
    expect(closest("outptu", ["output", "project"])).toBe("output")
    expect(closest("xyz", ["get", "list"])).toBeUndefined()
    expect(closest("jsn", ["table", "json"])).toBe("json")
  })
  it("words a hint once", () => {
    expect(didYouMean("list")).toBe(' (did you mean "list"?)')
    expect(didYouMean(undefined)).toBe("")
  })
})
