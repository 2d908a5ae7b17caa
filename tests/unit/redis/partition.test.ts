// Partition assignment is stable across releases (fixed FNV-1a values) and spreads actors evenly.
// Pure: needs no Redis.
import { describe, expect, it } from "vitest"
import { fnv1a32, partitionOf } from "../../../src/redis/partition.ts"

describe("partitionOf", () => {
  it("hashes with FNV-1a 32-bit (published test vectors)", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5)
    expect(fnv1a32("a")).toBe(0xe40c292c)
    expect(fnv1a32("foobar")).toBe(0xbf9cf968)
  })

  it("puts an actor in the same partition on every run (values fixed by an independent implementation)", () => {
    expect(partitionOf("task", "00000000-0000-4000-8000-000000000000", 16)).toBe(10)
    expect(partitionOf("session", "s-1", 16)).toBe(6)
    expect(partitionOf("agent", "ä-ü", 16)).toBe(5)
    expect(partitionOf("agent", "ä-ü", 7)).toBe(6)
    expect(partitionOf("task", "t-42", 16)).toBe(11)
  })

  it("depends on the kind as well as the id", () => {
    const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`)
    expect(ids.some((id) => partitionOf("task", id, 16) !== partitionOf("agent", id, 16))).toBe(true)
  })

  it("spreads actors evenly over the partitions", () => {
    const partitions = 16
    const counts = new Array<number>(partitions).fill(0)
    const actors = 32_000
    for (let i = 0; i < actors; i++) {
      const p = partitionOf("task", `${i.toString(16).padStart(8, "0")}-7c1e-4a2b-9f00-${i}`, partitions)
      counts[p]! += 1
    }
    const expected = actors / partitions
    for (const count of counts) {
      expect(count).toBeGreaterThan(expected * 0.9)
      expect(count).toBeLessThan(expected * 1.1)
    }
  })

  it("refuses a partition count that is not a positive integer", () => {
    expect(() => partitionOf("task", "x", 0)).toThrow(RangeError)
    expect(() => partitionOf("task", "x", 2.5)).toThrow(RangeError)
  })
})
