// Stream ids order as Redis orders them (by ms, then seq, as integers of any size) and give their time.
import { describe, expect, it } from "vitest"
import { compareStreamIds, streamIdMs } from "../../../src/redis/stream-id.ts"

describe("compareStreamIds", () => {
  it("orders by milliseconds first, as numbers not as text", () => {
    expect(compareStreamIds("999-5", "1000-0")).toBeLessThan(0)
    expect(compareStreamIds("1000-0", "999-5")).toBeGreaterThan(0)
    expect(compareStreamIds("1732185600000-0", "1732185600001-0")).toBeLessThan(0)
  })

  it("orders by sequence within one millisecond, beyond the safe integers too", () => {
    expect(compareStreamIds("5-9", "5-10")).toBeLessThan(0)
    expect(compareStreamIds("5-18446744073709551614", "5-18446744073709551615")).toBeLessThan(0)
    expect(compareStreamIds("5-10", "5-9")).toBeGreaterThan(0)
  })

  it("finds an id equal to itself, and an id without a sequence equal to sequence 0", () => {
    expect(compareStreamIds("1732185600000-3", "1732185600000-3")).toBe(0)
    expect(compareStreamIds("7", "7-0")).toBe(0)
    expect(compareStreamIds("7", "7-1")).toBeLessThan(0)
  })

  it("sorts a shuffled list as Redis would", () => {
    const ids = ["10-0", "9-99", "100-1", "100-0", "9-100", "1-0"]
    expect([...ids].sort(compareStreamIds)).toEqual(["1-0", "9-99", "9-100", "10-0", "100-0", "100-1"])
  })
})

describe("streamIdMs", () => {
  it("is the time Redis appended the entry", () => {
    expect(streamIdMs("1732185600000-3")).toBe(1_732_185_600_000)
    expect(streamIdMs("1732185600000")).toBe(1_732_185_600_000)
  })
})
