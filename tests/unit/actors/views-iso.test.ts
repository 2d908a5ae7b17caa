// The views' ISO times (`isoTime`, actors/views.ts) are exactly what `Date.prototype.toISOString` writes, cached or not:
// edge times (negative, zero and minus zero, year and century boundaries, the range's ends, fractions), the
// same times asked again after others that share their cache slot, and the same RangeError for what a Date
// cannot write.
import { describe, expect, it } from "vitest"
import { isoTime } from "../../../actors/views.ts"

const MAX = 8.64e15
const EDGES = [
  0,
  -0,
  1,
  -1,
  999,
  1000,
  -1000,
  0.5,
  -0.5,
  1.999,
  Date.UTC(1969, 11, 31, 23, 59, 59, 999),
  Date.UTC(1999, 11, 31, 23, 59, 59, 999),
  Date.UTC(2000, 0, 1),
  Date.UTC(2000, 1, 29, 12),
  Date.UTC(2026, 11, 31, 23, 59, 59, 999),
  Date.UTC(2027, 0, 1),
  Date.UTC(9999, 11, 31, 23, 59, 59, 999),
  Date.UTC(10000, 0, 1),
  Date.UTC(-1, 0, 1),
  Date.UTC(0, 0, 1) - 1,
  -62198755200000,
  MAX,
  -MAX,
  1_764_547_200_000,
]

describe("isoTime", () => {
  it("writes toISOString's text for edge times, the first time and when cached", () => {
    for (const ms of EDGES) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
    for (const ms of EDGES) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
  })

  it("writes each time's own text when times share a cache slot", () => {
    // 4096 apart: the same slot. Asked in turns, each evicting the other.
    const times = [1_764_547_200_000, 1_764_547_200_000 + 4096, 1_764_547_200_000 + 8192, -4096, 0, 4096]
    for (let round = 0; round < 3; round++) for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
  })

  it("writes toISOString's text for many consecutive and scattered times", () => {
    for (let ms = 1_764_547_190_000; ms < 1_764_547_210_000; ms += 7) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
    for (let i = 0; i < 5000; i++) {
      const ms = Math.round((Math.sin(i) * MAX) / 1.5)
      expect(isoTime(ms)).toBe(new Date(ms).toISOString())
    }
  })

  it("throws toISOString's RangeError for what a Date cannot write, cached slot or not", () => {
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, MAX + 1, -MAX - 1]) {
      expect(() => isoTime(ms)).toThrow(RangeError)
    }
    // NaN and Infinity fall in slot 0, which holds a cached time here: still refused.
    isoTime(0)
    expect(() => isoTime(Number.NaN)).toThrow(RangeError)
    expect(() => isoTime(Number.POSITIVE_INFINITY)).toThrow(RangeError)
    expect(isoTime(0)).toBe("1970-01-01T00:00:00.000Z")
  })
})
