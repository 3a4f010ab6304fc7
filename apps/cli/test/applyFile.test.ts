import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import { decodeApplyFile, formatPath, parseText } from "../src/apply/ApplyFile.js"

const problems = (content: unknown) => {
  const result = Effect.runSync(Effect.either(decodeApplyFile("w.json", content)))
  return Either.isLeft(result) ? result.left.problems.map((p) => `${p.path}: ${p.message}`) : []
}

describe("apply file validation", () => {
  it("lists every problem with its path in the file", () => {
    const found = problems({
      projects: {
        proj_x: [
          { target_url: "https://a.example/h", events: ["redemption.succeeded"] },
          { target_url: "https://b.example/h", events: ["redemption.succeeded", "redemption.suceeded"] },
          { target_url: "ftp://x", events: [] },
          { target_url: "https://a.example/h", events: ["voucher.created"], extra: 1 }
        ],
        "proj y": []
      }
    })
    expect(found).toContain(
      'projects.proj_x[1].events[1]: unknown event "redemption.suceeded" (did you mean "redemption.succeeded"?); list the known ones with `vwh events`, or set `allow_unknown_events: true` at the top of the file'
    )
    expect(found).toContain('projects.proj_x[2].target_url: must use http or https, not "ftp"')
    expect(found).toContain("projects.proj_x[2].events: must list at least one event (see `vwh events`)")
    expect(found.some((p) => p.startsWith("projects.proj_x[3].extra: is unexpected"))).toBe(true)
    expect(
      found.some((p) =>
        p.startsWith('projects.proj_x[3].target_url: "https://a.example/h" is already the target_url of entry [0]')
      )
    ).toBe(true)
    expect(found).toContain('projects["proj y"]: project id must not contain whitespace: "proj y"')
  })

  it("rejects a duplicate target_url even when every entry is valid", () => {
    const entry = { target_url: "https://a.example/h", events: ["voucher.created"] }
    expect(problems({ projects: { proj_x: [entry, entry] } })).toHaveLength(1)
  })

  it("rejects two entries that are one URL once normalised, naming both spellings", () => {
    expect(
      problems({
        projects: {
          proj_x: [
            { target_url: "https://example.com", events: ["voucher.created"] },
            { target_url: "https://EXAMPLE.com/", events: ["voucher.deleted"] }
          ],
          proj_y: [
            { target_url: "https://example.com", events: ["voucher.created"] },
            { target_url: "https://example.com/other", events: ["voucher.deleted"] }
          ]
        }
      })
    ).toEqual([
      `projects.proj_x[1].target_url: "https://EXAMPLE.com/" is the same URL as entry [0]'s "https://example.com" (both are https://example.com/): apply matches webhooks by target_url, so each may appear once per project (merge their events)`
    ])
  })

  it("defaults active to true and keeps the file's order", () => {
    const file = Effect.runSync(
      decodeApplyFile("w.json", {
        projects: { proj_x: [{ target_url: "https://a.example/h", events: ["voucher.created"] }] }
      })
    )
    expect(file).toEqual({
      allowUnknownEvents: false,
      projects: [
        {
          projectId: "proj_x",
          webhooks: [{ target_url: "https://a.example/h", events: ["voucher.created"], active: true }]
        }
      ]
    })
  })

  it("accepts well-formed unknown events only when the file allows them", () => {
    const content = { projects: { proj_x: [{ target_url: "https://a.example/h", events: ["loyalty.new_thing"] }] } }
    expect(problems(content)).toHaveLength(1)
    expect(problems({ ...content, allow_unknown_events: true })).toEqual([])
  })

  it("requires projects", () => {
    expect(problems({})).toEqual(["projects: is missing"])
  })

  it("parses YAML and JSON by extension", async () => {
    const yaml = await Effect.runPromise(parseText("w.yaml", "projects:\n  proj_x: []\n"))
    expect(yaml).toEqual({ projects: { proj_x: [] } })
    const bad = await Effect.runPromise(Effect.either(parseText("w.json", "{")))
    expect(Either.isLeft(bad) && bad.left.message).toMatch(/^cannot read w.json: not valid JSON/)
    const other = await Effect.runPromise(Effect.either(parseText("w.toml", "")))
    expect(Either.isLeft(other) && other.left._tag).toBe("UsageError")
  })

  it("formats paths", () => {
    expect(formatPath(["projects", "proj_x", 2, "events", 1])).toBe("projects.proj_x[2].events[1]")
    expect(formatPath(["projects", "a b"])).toBe('projects["a b"]')
  })
})
