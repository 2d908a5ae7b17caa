// The pure functions of a context's data: dot paths, leaves, diff and merge.
import { describe, expect, it } from "vitest"
import { dataBytes, diffData, getPath, leaves, mergeData, patchData, type JsonObject } from "../../../../machines/context-data.ts"

describe("context data", () => {
  const data = { model: { name: "m1", limits: { tokens: 10 } }, tags: ["a"] }

  it("reads a dot path, undefined past a missing or non-object segment", () => {
    expect(getPath(data, "model.limits.tokens")).toBe(10)
    expect(getPath(data, "model.size")).toBeUndefined()
    expect(getPath(data, "tags.0")).toBeUndefined()
  })

  it("writes and removes dot paths without changing its input", () => {
    expect(patchData(data, { "model.limits.cost": 2 }, [])).toEqual({ model: { name: "m1", limits: { tokens: 10, cost: 2 } }, tags: ["a"] })
    expect(patchData(data, { "model.name.first": "x", "tags.0": 1 }, [])).toMatchObject({ model: { name: { first: "x" } }, tags: { 0: 1 } })
    expect(patchData(data, {}, ["model.limits"])).toEqual({ model: { name: "m1" }, tags: ["a"] })
    expect(patchData(data, {}, ["nothing.here", "tags.0", "model.name.x"])).toEqual(data)
    expect(patchData(data, { "model.limits": { a: 1 } }, ["model.limits"])).toEqual({
      model: { name: "m1", limits: { a: 1 } },
      tags: ["a"],
    })
    expect(data).toEqual({ model: { name: "m1", limits: { tokens: 10 } }, tags: ["a"] })
  })

  it("writes a value it was given without changing it when a later path writes inside it", () => {
    const value = { b: 1 }
    expect(patchData({}, { a: value, "a.c": 2 }, [])).toEqual({ a: { b: 1, c: 2 } })
    expect(value).toEqual({ b: 1 })
  })

  it("keeps __proto__ a field of the data, never the prototype", () => {
    const patched = patchData({}, { "__proto__.polluted": 1, "x.__proto__": 2 }, [])
    expect(Object.keys(patched)).toEqual(["__proto__", "x"])
    expect(JSON.stringify(patched)).toBe('{"__proto__":{"polluted":1},"x":{"__proto__":2}}')
    expect(({} as { polluted?: number }).polluted).toBeUndefined()
  })

  it("applies tens of thousands of paths in one patch (each object copied once, not once a path)", () => {
    const set = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`group${i % 10}.k${i}`, i]))
    const patched = patchData(data, set, [])
    expect(Object.keys(patched.group3 as JsonObject)).toHaveLength(5_000)
    expect(getPath(patched, "group7.k49997")).toBe(49_997)
  })

  it("lists leaves by path and diffs two versions", () => {
    expect([...leaves(data)]).toEqual([
      ["model.name", "m1"],
      ["model.limits.tokens", 10],
      ["tags", ["a"]],
    ])
    expect(diffData(data, { model: { name: "m2" }, extra: {} })).toEqual([
      { path: "extra", op: "added", to: {} },
      { path: "model.limits.tokens", op: "removed", from: 10 },
      { path: "model.name", op: "changed", from: "m1", to: "m2" },
      { path: "tags", op: "removed", from: ["a"] },
    ])
  })

  it("merges last write wins, or names every conflicting path", () => {
    const sources: JsonObject[] = [
      { a: 1, b: { c: 1 } },
      { a: 2, b: { d: 2 } },
      { a: 3, b: { c: 1 } },
    ]
    expect(mergeData(sources, "last_write_wins")).toEqual({ ok: true, data: { a: 3, b: { c: 1, d: 2 } } })
    expect(mergeData(sources, "fail_on_conflict")).toEqual({ ok: false, conflicts: ["a"] })
    expect(mergeData([{ a: 1 }, { b: 2 }], "fail_on_conflict")).toEqual({ ok: true, data: { a: 1, b: 2 } })
  })

  it("measures data as UTF-8 JSON bytes", () => {
    expect(dataBytes({ a: "é" })).toBe(10)
  })
})
