import { describe, expect, it } from "vitest"
import { helpKey } from "../src/HelpCache.js"

describe("help cache key", () => {
  it("is the command path when the last argument asks for help", () => {
    expect(helpKey(["--help"])).toBe("")
    expect(helpKey(["webhooks", "list", "-h"])).toBe("webhooks list")
  })
  it("is absent for anything else, so the live CLI answers", () => {
    expect(helpKey([])).toBeUndefined()
    expect(helpKey(["webhooks", "list", "--project", "p", "--help"])).toBeUndefined()
    expect(helpKey(["--output", "json", "--help"])).toBeUndefined()
  })
})
