// The limits a context's writes are held to at the edge: nesting counted without recursion.
import { describe, expect, it } from "vitest"
import { jsonDepth, MAX_DATA_DEPTH } from "../../../src/schema/context-limits.ts"

describe("context limits", () => {
  it("counts nesting levels, a scalar none", () => {
    expect([jsonDepth(1), jsonDepth({}), jsonDepth([[]]), jsonDepth({ a: [1, { b: null }] })]).toEqual([0, 1, 2, 3])
  })

  it("counts a value nested a million levels without overflowing the stack", () => {
    let deep: unknown = 0
    for (let i = 0; i < 1_000_000; i += 1) deep = [deep]
    expect(jsonDepth(deep)).toBe(1_000_000)
    expect(MAX_DATA_DEPTH).toBe(63)
  })
})
