// The estimate of Redis's clock (src/redis/clock.ts): offset and bound from one round trip, the bound
// grown by drift, several nodes covered by one interval, and the deadline an append is given so that
// Redis's clock is past it once the edge stops waiting, wherever the true offset lies within the bound.
import { describe, expect, it } from "vitest"
import { agedAt, covering, deadlineFor, estimateOf, MARGIN_MS, MAX_DRIFT } from "../../../src/redis/clock.ts"

describe("Redis clock estimate", () => {
  it("takes the offset from the round trip's midpoint, off by at most half the round trip", () => {
    // Sent at local 1,000, answered at 1,040; Redis said 5,030: at the midpoint (1,020) Redis read 5,030.
    expect(estimateOf(1_000, 5_030, 1_040)).toEqual({ offsetMs: 4_010, errorMs: 20, takenAt: 1_040 })
    expect(estimateOf(2_000, 1_000, 2_000)).toEqual({ offsetMs: -1_000, errorMs: 0, takenAt: 2_000 })
  })

  it("grows the bound by the drift allowed since the estimate was taken", () => {
    const estimate = { offsetMs: 10, errorMs: 2, takenAt: 1_000 }
    expect(agedAt(estimate, 1_000)).toEqual(estimate)
    expect(agedAt(estimate, 11_000)).toEqual({ offsetMs: 10, errorMs: 2 + 10_000 * MAX_DRIFT, takenAt: 11_000 })
  })

  it("covers several nodes' estimates with one interval", () => {
    const a = { offsetMs: 100, errorMs: 5, takenAt: 0 }
    const b = { offsetMs: 120, errorMs: 1, takenAt: 0 }
    // [95, 105] and [119, 121] → [95, 121]
    expect(covering([a, b], 0)).toEqual({ offsetMs: 108, errorMs: 13, takenAt: 0 })
    expect(covering([a], 0)).toEqual(a)
  })

  it("gives a deadline Redis's clock has passed when the wait ends, for every offset within the bound", () => {
    const estimate = { offsetMs: 4_010, errorMs: 20, takenAt: 1_040 }
    const now = 1_100
    const waitMs = 780
    const deadline = deadlineFor(estimate, now, waitMs)
    expect(deadline).toBe(Math.floor(now + 4_010 + waitMs - 20 - MARGIN_MS))
    for (const trueOffset of [3_990, 4_000, 4_010, 4_020, 4_030]) {
      const redisWhenTheWaitEnds = now + waitMs + trueOffset
      expect(redisWhenTheWaitEnds).toBeGreaterThan(deadline ?? Number.POSITIVE_INFINITY)
    }
    // Redis had at least the wait less twice the bound and the margin to run the append in.
    expect((deadline ?? 0) - (now + 4_030)).toBeGreaterThanOrEqual(waitMs - 2 * 20 - MARGIN_MS - 1)
  })

  it("gives no deadline when the bound leaves the append no time to run", () => {
    expect(deadlineFor({ offsetMs: 0, errorMs: 400, takenAt: 0 }, 0, 400)).toBeUndefined()
    expect(deadlineFor({ offsetMs: 0, errorMs: 0, takenAt: 0 }, 0, 0)).toBeUndefined()
    expect(deadlineFor({ offsetMs: 0, errorMs: 0, takenAt: 0 }, 0, MARGIN_MS + 1)).toBe(1)
  })
})
