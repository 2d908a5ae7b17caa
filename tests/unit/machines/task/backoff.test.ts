// backoffMs: the retry schedule (exponential from 1 s, capped at 60 s) with ±20% jitter hashed from (task id, attempt).
import { describe, expect, it } from "vitest"
import { backoffMs } from "../../../../machines/task.ts"

const NOMINAL = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]
const IDS = Array.from({ length: 200 }, (_, i) => `task-${i}`)

describe("backoffMs", () => {
  it("stays within ±20% of min(1000·2^(attempt-1), 60000) for every attempt", () => {
    for (const id of IDS) {
      NOMINAL.forEach((nominal, index) => {
        const delay = backoffMs(id, index + 1)
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(nominal * 0.8)
        expect(delay).toBeLessThanOrEqual(nominal * 1.2)
      })
    }
  })

  it("never exceeds the jittered cap, however many attempts", () => {
    for (const attempt of [7, 20, 100, 2_000]) expect(backoffMs("task-1", attempt)).toBeLessThanOrEqual(72_000)
  })

  it("is deterministic for the same task id and attempt", () => {
    for (const id of IDS) expect(backoffMs(id, 3)).toBe(backoffMs(id, 3))
  })

  it("spreads tasks over the whole jitter band, so retries do not stampede", () => {
    const ratios = IDS.map((id) => backoffMs(id, 4) / 8_000)
    expect(new Set(ratios).size).toBeGreaterThan(150)
    expect(Math.min(...ratios)).toBeLessThan(0.85)
    expect(Math.max(...ratios)).toBeGreaterThan(1.15)
    const mean = ratios.reduce((sum, r) => sum + r, 0) / ratios.length
    expect(mean).toBeGreaterThan(0.95)
    expect(mean).toBeLessThan(1.05)
  })

  it("grows with the attempt before the cap for any one task", () => {
    // ±20% bands of consecutive doublings never overlap (1.2x < 2·0.8x), so the schedule is strictly increasing.
    for (const id of IDS) {
      const schedule = [1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(id, attempt))
      expect(schedule).toEqual([...schedule].sort((a, b) => a - b))
    }
  })

  it("gives the same values in every process, so a replayed entry arms the same timer", () => {
    expect([1, 2, 3, 7].map((attempt) => backoffMs("task-1", attempt))).toEqual([903, 2_225, 3_947, 52_068])
  })
})
