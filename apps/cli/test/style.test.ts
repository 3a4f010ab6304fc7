import { describe, expect, it } from "vitest"
import { addSecret, redact } from "../src/Redact.js"
import { colourFor, escapeControls, paint } from "../src/Style.js"

describe("colour", () => {
  const tty = { isTTY: true }
  const pipe = { isTTY: false }
  it("only on a terminal that is not dumb", () => {
    expect(colourFor(tty, {})).toBe(true)
    expect(colourFor(pipe, {})).toBe(false)
    expect(colourFor(tty, { TERM: "dumb" })).toBe(false)
  })
  it("NO_COLOR forbids it, FORCE_COLOR forces it (FORCE_COLOR=0 forbids)", () => {
    expect(colourFor(tty, { NO_COLOR: "1" })).toBe(false)
    expect(colourFor(tty, { NO_COLOR: "" })).toBe(true)
    expect(colourFor(pipe, { FORCE_COLOR: "1" })).toBe(true)
    expect(colourFor(pipe, { FORCE_COLOR: "" })).toBe(true)
    expect(colourFor(tty, { FORCE_COLOR: "0" })).toBe(false)
    expect(colourFor(pipe, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true)
  })
  it("paints only when on", () => {
    expect(paint("x", "red", true)).toBe("\u001b[31mx\u001b[39m")
    expect(paint("x", "red", false)).toBe("x")
  })
})

describe("text from outside", () => {
  it("has its control characters escaped, tab and newline kept", () => {
    expect(escapeControls("a\u001b[2Jb\u0007c\rd\u009be\u202ef\tg\nh")).toBe(
      "a\\u001b[2Jb\\u0007c\\u000dd\\u009be\\u202ef\tg\nh"
    )
    expect(escapeControls(escapeControls("\u001b"))).toBe("\\u001b")
  })
  it("has registered secrets redacted, as typed, URL-encoded or JSON-escaped", () => {
    addSecret('s3cr3t/t0ken"x')
    expect(redact('a s3cr3t/t0ken"x b')).toBe("a [redacted] b")
    expect(redact(`a ${encodeURIComponent('s3cr3t/t0ken"x')} b`)).toBe("a [redacted] b")
    expect(redact(`a ${JSON.stringify('s3cr3t/t0ken"x')} b`)).toBe('a "[redacted]" b')
    addSecret("short")
    expect(redact("a short b")).toBe("a short b")
  })
})
