// The decomposition templates, PERT estimates and the critical path, as pure functions.
import { describe, expect, it } from "vitest"
import { criticalPath, pert } from "../../../src/planning/pert.ts"
import { expandTemplate, TEMPLATES } from "../../../src/planning/templates.ts"

describe("PERT", () => {
  it("expects (o + 4m + p) / 6 with a standard deviation of (p - o) / 6", () => {
    expect(pert({ optimistic: 2, mostLikely: 4, pessimistic: 12 })).toEqual({ optimistic: 2, mostLikely: 4, pessimistic: 12, expected: 5, stdDev: 1.667 })
  })

  it("finds the longest expected path, its total and the root of its summed variances", () => {
    const node = (id: string, dependsOn: string[], o: number, m: number, p: number) => ({ id, dependsOn, estimate: pert({ optimistic: o, mostLikely: m, pessimistic: p }) })
    // a diamond: top (6) → left (6) or right (2) → join (3)
    const nodes = [node("top", [], 0, 6, 12), node("left", ["top"], 0, 6, 12), node("right", ["top"], 2, 2, 2), node("join", ["left", "right", "elsewhere"], 3, 3, 3)]
    expect(criticalPath(nodes)).toEqual({ path: ["top", "left", "join"], expected: 15, stdDev: 2.828 })
    expect(criticalPath([])).toEqual({ path: [], expected: 0, stdDev: 0 })
  })
})

describe("templates", () => {
  const keys = (template: (typeof TEMPLATES)[number], depth: number) => expandTemplate(template, depth).map((task) => task.key)

  it("lists the reference design's steps at depth 1", () => {
    expect(keys("microservice", 1)).toEqual(["shared", "data", "service", "api"])
    expect(keys("crud", 1)).toEqual(["validate", "authorize", "create", "read", "update", "delete"])
    expect(keys("security", 1)).toEqual(["threat_model", "identity", "access_control", "encryption", "audit"])
    expect(keys("ui_component", 1)).toEqual(["components", "state", "styles", "tests"])
  })

  it("adds the parts of a step at depth 2, each waiting for what its step waits for, the step waiting for them", () => {
    const planned = expandTemplate("microservice", 2)
    expect(planned.map((task) => task.key)).toEqual(["shared", "data.schema", "data.repository", "data", "service", "api.routes", "api.contract", "api"])
    expect(planned.find((task) => task.key === "data.repository")).toMatchObject({ depth: 2, dependsOn: ["shared", "data.schema"] })
    expect(planned.find((task) => task.key === "data")).toMatchObject({ depth: 1, dependsOn: ["shared", "data.schema", "data.repository"] })
    expect(expandTemplate("microservice", 5)).toEqual(planned)
  })

  it("orders every template so each task comes after what it waits for, all with capabilities and estimates", () => {
    for (const template of TEMPLATES) {
      const seen = new Set<string>()
      for (const task of expandTemplate(template, 2)) {
        for (const dependency of task.dependsOn) expect(seen.has(dependency), `${template}: ${task.key} after ${dependency}`).toBe(true)
        expect(task.capability).toMatch(/^[a-z]+$/)
        expect(task.estimate.expected).toBeGreaterThan(0)
        seen.add(task.key)
      }
    }
  })
})
