import { describe, expect, it } from "vitest"
import {
  diff,
  pendingChanges,
  planJson,
  planProject,
  type RemoteWebhook,
  renderPlan,
  renderSummary,
  summarize
} from "../src/apply/Plan.js"

const remote = (id: string, target_url: string, events: Array<string>, active = true): RemoteWebhook => ({
  id,
  target_url,
  events,
  active
})
const want = (target_url: string, events: Array<string>, active = true) => ({ target_url, events, active })

describe("diff", () => {
  it("ignores event order", () => {
    expect(diff(remote("wh_1", "u", ["a.b", "c.d"]), want("u", ["c.d", "a.b"]))).toBeUndefined()
  })
  it("names added and removed events and an active flip", () => {
    expect(diff(remote("wh_1", "u", ["a.b", "c.d"], true), want("u", ["c.d", "e.f"], false))).toEqual({
      events: { added: ["e.f"], removed: ["a.b"] },
      active: { from: true, to: false }
    })
  })
})

describe("planProject", () => {
  const current = [
    remote("wh_1", "https://a", ["x.y"]),
    remote("wh_2", "https://b", ["x.y"]),
    remote("wh_3", "https://old", ["x.y"])
  ]
  const desired = [want("https://a", ["x.y"]), want("https://b", ["x.y", "z.w"]), want("https://new", ["x.y"])]

  it("plans create, update, unchanged, and keeps what the file does not name without --prune", () => {
    const plan = planProject("proj_x", desired, current, { prune: false })
    expect(plan._tag).toBe("Planned")
    if (plan._tag !== "Planned") return
    expect(plan.actions.map((a) => a._tag)).toEqual(["Unchanged", "Update", "Create", "Unmanaged"])
    expect(pendingChanges(summarize([plan]))).toBe(2)
  })

  it("deletes what the file does not name with --prune", () => {
    const plan = planProject("proj_x", desired, current, { prune: true })
    expect(plan._tag === "Planned" && plan.actions.map((a) => a._tag)).toEqual([
      "Unchanged",
      "Update",
      "Create",
      "Delete"
    ])
    expect(summarize([plan])).toMatchObject({ create: 1, update: 1, delete: 1, unchanged: 1 })
  })

  it("is a no-op on an applied state", () => {
    const applied = [remote("wh_1", "https://a", ["x.y"]), remote("wh_2", "https://b", ["z.w", "x.y"])]
    const plan = planProject("proj_x", desired.slice(0, 2), applied, { prune: true })
    expect(pendingChanges(summarize([plan]))).toBe(0)
  })

  it("refuses to guess when two remote webhooks share a target_url", () => {
    const dup = [...current, remote("wh_4", "https://a", ["x.y"])]
    const plan = planProject("proj_x", desired, dup, { prune: false })
    expect(plan).toEqual({
      _tag: "Ambiguous",
      projectId: "proj_x",
      duplicates: [{ targetUrl: "https://a", ids: ["wh_1", "wh_4"] }]
    })
    expect(renderPlan([plan]).join("\n")).toContain("wh_1, wh_4")
    expect(summarize([plan]).ambiguousProjects).toBe(1)
  })

  it("renders a field-by-field diff and a summary", () => {
    const plan = planProject("proj_x", [want("https://a", ["x.y", "n.m"], false)], current, { prune: true })
    const text = renderPlan([plan]).join("\n")
    expect(text).toContain("~ update     https://a (wh_1)")
    expect(text).toContain("events: + n.m")
    expect(text).toContain("active: true → false")
    expect(text).toContain("- delete     https://b (wh_2)")
    expect(renderSummary(summarize([plan]), false)).toBe("Plan: 0 to create, 1 to update, 2 to delete, 0 unchanged.")
    expect(planJson([plan])[0]).toMatchObject({ project: "proj_x" })
  })
})

describe("planProject with target URLs spelled differently", () => {
  it("matches a file's https://Example.com to the stored https://example.com/ (vwh-proxy stores the normalised URL)", () => {
    const stored = [remote("wh_1", "https://example.com/", ["x.y"]), remote("wh_2", "https://b.example/a/c", ["x.y"])]
    const plan = planProject(
      "proj_x",
      [want("https://Example.com", ["x.y"]), want("https://B.example/a/./b/../c", ["x.y", "z.w"])],
      stored,
      { prune: true }
    )
    expect(plan._tag === "Planned" && plan.actions.map((a) => a._tag)).toEqual(["Unchanged", "Update"])
    const text = renderPlan([plan]).join("\n")
    // The plan shows the file's spelling, and what is stored when it differs.
    expect(text).toContain("= unchanged  https://Example.com (wh_1, stored as https://example.com/)")
    expect(text).toContain("~ update     https://B.example/a/./b/../c (wh_2, stored as https://b.example/a/c)")
    expect(planJson([plan])[0]).toMatchObject({
      actions: [
        { action: "unchanged", id: "wh_1", target_url: "https://example.com/", file_target_url: "https://Example.com" },
        { action: "update", id: "wh_2", target_url: "https://b.example/a/c" }
      ]
    })
  })

  it("shows one spelling when file and remote agree", () => {
    const plan = planProject(
      "proj_x",
      [want("https://a.example/h", ["x.y"])],
      [remote("wh_1", "https://a.example/h", ["x.y"])],
      {
        prune: false
      }
    )
    expect(renderPlan([plan])).toContain("  = unchanged  https://a.example/h (wh_1)")
  })

  it("sees two stored spellings of one URL as ambiguous, naming both", () => {
    const plan = planProject(
      "proj_x",
      [],
      [remote("wh_1", "https://a.example", ["x.y"]), remote("wh_2", "https://A.example/", ["x.y"])],
      { prune: true }
    )
    expect(plan).toMatchObject({
      _tag: "Ambiguous",
      duplicates: [{ targetUrl: "https://a.example and https://A.example/", ids: ["wh_1", "wh_2"] }]
    })
  })

  it("matches text that is no URL as it is", () => {
    const plan = planProject("proj_x", [], [remote("wh_1", "your_url", ["x.y"])], { prune: true })
    expect(plan._tag === "Planned" && plan.actions).toEqual([
      { _tag: "Delete", current: remote("wh_1", "your_url", ["x.y"]) }
    ])
  })
})
