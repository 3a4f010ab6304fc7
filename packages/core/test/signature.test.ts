import { describe, expect, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import { signPayload, verifySignature } from "../src/Signature.js"

// The published vectors (from Voucherify's Node SDK tests, voucherifyio/voucherify-nodejs-sdk test/utils.spec.js).
const vectors = [
  ["secretKey", '{"a":1}', "a17d2ac229d1ebbb5f10e839c7985c4818e5986eab297f7e5979196d4d7d3ed2"],
  ["secretKey", '{"a\\"b":1}', "f7cf97814a03146abedb9793f56e1dec34f618f82d10395310d053f749483ffb"],
  ["secretKey", "  message  ", "53ff92957e1427ce23ad5bda9d0c5f2f4ff384d0806b83eeacb510c842d3a358"],
  ["secret-signature-key", '{"test":"test1"}', "5547d4d07430a2d1b77649564c68d80afe591f7cc61ca110bccb442e3205eeec"]
] as const

describe("signPayload", () => {
  it.each(vectors)("key %s, message %s", (key, message, expected) => {
    expect(signPayload(message, key)).toBe(expected)
    expect(signPayload(message, Redacted.make(key))).toBe(expected)
    expect(signPayload(new TextEncoder().encode(message), key)).toBe(expected)
  })

  it("signs objects in their compact JSON form", () => {
    expect(signPayload({ a: 1 }, "secretKey")).toBe(vectors[0][2])
  })
})

describe("verifySignature", () => {
  it.each(vectors)("accepts the published vector (key %s)", (key, message, expected) => {
    expect(verifySignature(message, expected, Redacted.make(key))).toBe(true)
  })

  it("rejects a wrong secret, a changed body, and a missing, short or non-hex header", () => {
    const [key, message, good] = vectors[0]
    expect(verifySignature(message, good, "otherKey")).toBe(false)
    expect(verifySignature('{"a":2}', good, key)).toBe(false)
    expect(verifySignature(message, undefined, key)).toBe(false)
    expect(verifySignature(message, "", key)).toBe(false)
    expect(verifySignature(message, good.slice(0, 63), key)).toBe(false)
    expect(verifySignature(message, `${good.slice(0, 63)}z`, key)).toBe(false)
    expect(verifySignature(message, `${good}00`, key)).toBe(false)
  })

  it("tolerates header case and surrounding whitespace, and a repeated header's first value", () => {
    const [key, message, good] = vectors[0]
    expect(verifySignature(message, ` ${good.toUpperCase()} `, key)).toBe(true)
    expect(verifySignature(message, [good, "junk"], key)).toBe(true)
  })

  it("verifies a JSON body that a hop re-indented, via its compact form", () => {
    const [key, , good] = vectors[0]
    expect(verifySignature('{\n  "a": 1\n}', good, key)).toBe(true)
    // But not a body whose content changed.
    expect(verifySignature('{\n  "a": 10\n}', good, key)).toBe(false)
  })
})
