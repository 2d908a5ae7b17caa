// The pure functions of a context's data: dot paths, leaves, diff and merge.
import { describe, expect, it } from "vitest"
import { dataBytes, diffData, getPath, leaves, mergeData, setPath, unsetPath, type JsonObject } from "../../../../machines/context-data.ts"

describe("context data", () => {
  const data = { model: { name: "m1", limits: { tokens: 10 } }, tags: ["a"] }

  it("reads a dot path, undefined past a missing or non-object segment", () => {
    expect(getPath(data, "model.limits.tokens")).toBe(10)
    expect(getPath(data, "model.size")).toBeUndefined()
    expect(getPath(data, "tags.0")).toBeUndefined()
  })

  it("writes and removes a dot path without changing its input", () => {
    expect(setPath(data, "model.limits.cost", 2)).toEqual({ model: { name: "m1", limits: { tokens: 10, cost: 2 } }, tags: ["a"] })
    expect(setPath(data, "model.name.first", "x")).toMatchObject({ model: { name: { first: "x" } } })
    expect(unsetPath(data, "model.limits")).toEqual({ model: { name: "m1" }, tags: ["a"] })
    expect(unsetPath(data, "nothing.here")).toBe(data)
    expect(data.model.limits).toEqual({ tokens: 10 })
  })

  it("lists leaves by path and diffs two versions", () => {
    expect([...leaves(data)]).toEqual([["model.name", "m1"], ["model.limits.tokens", 10], ["tags", ["a"]]])
    expect(diffData(data, { model: { name: "m2" }, extra: {} })).toEqual([
      { path: "extra", op: "added", to: {} },
      { path: "model.limits.tokens", op: "removed", from: 10 },
      { path: "model.name", op: "changed", from: "m1", to: "m2" },
      { path: "tags", op: "removed", from: ["a"] },
    ])
  })

  it("merges last write wins, or names every conflicting path", () => {
    const sources: JsonObject[] = [{ a: 1, b: { c: 1 } }, { a: 2, b: { d: 2 } }, { a: 3, b: { c: 1 } }]
    expect(mergeData(sources, "last_write_wins")).toEqual({ ok: true, data: { a: 3, b: { c: 1, d: 2 } } })
    expect(mergeData(sources, "fail_on_conflict")).toEqual({ ok: false, conflicts: ["a"] })
    expect(mergeData([{ a: 1 }, { b: 2 }], "fail_on_conflict")).toEqual({ ok: true, data: { a: 1, b: 2 } })
  })

  it("measures data as UTF-8 JSON bytes", () => {
    expect(dataBytes({ a: "é" })).toBe(10)
  })
})
