import { expect, it } from "@effect/vitest"
import { newRequestId } from "../src/ServerErrors.js"

it("request ids look like Voucherify's (v- and 18 hex digits) and do not repeat", () => {
  const ids = Array.from({ length: 10_000 }, newRequestId)
  for (const id of ids.slice(0, 100)) expect(id).toMatch(/^v-[0-9a-f]{18}$/)
  expect(new Set(ids).size).toBe(ids.length)
})
