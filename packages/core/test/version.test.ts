import { readFileSync } from "node:fs"
import { expect, it } from "@effect/vitest"
import { packageName, version } from "../src/Version.js"

it("Version.ts matches package.json (it is the User-Agent)", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  expect({ packageName, version }).toEqual({ packageName: pkg.name, version: pkg.version })
})
