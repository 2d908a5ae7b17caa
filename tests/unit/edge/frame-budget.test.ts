// A socket's frame budget (src/edge/rate-limit.ts FrameBudget): `perSecond` frames a second, bursts of as many; the
// first frame over it warned, the next dropped, the one past a second's worth of refusals closed; plus three report frames a task the
// edge assigned, taken first and held to a bound, so the server's own work never reads as a flood.
import { describe, expect, it } from "vitest"
import { FrameBudget, REPORT_FRAMES_PER_TASK } from "../../../src/edge/rate-limit.ts"

/** The verdicts of `n` frames in a row. */
const frames = (budget: FrameBudget, n: number) => Array.from({ length: n }, () => budget.admit())

describe("a socket's frame budget", () => {
  it("takes a burst of its rate, then warns, drops, and closes after another second's worth", () => {
    let now = 0
    const budget = new FrameBudget(5, () => now)
    // Refused: the first warned, the rest dropped, the one past a second's worth (5) closes.
    expect(frames(budget, 11)).toEqual([...Array(5).fill("accept"), "warn", ...Array(4).fill("drop"), "close"])
    // A second later the bucket is full again: the count of refusals starts over.
    now += 1_000
    expect(frames(budget, 6)).toEqual([...Array(5).fill("accept"), "warn"])
  })

  it("gives three report frames a task assigned, before the rate's tokens", () => {
    const budget = new FrameBudget(5, () => 0)
    budget.credit(4)
    expect(REPORT_FRAMES_PER_TASK).toBe(3)
    expect(frames(budget, 4 * 3 + 5 + 1)).toEqual([...Array(17).fill("accept"), "warn"])
  })

  it("holds at most the reports of 1,000 tasks (the largest max_concurrency), however many were assigned", () => {
    const budget = new FrameBudget(5, () => 0)
    for (let n = 0; n < 5; n++) budget.credit(1_000)
    const verdicts = frames(budget, 3_000 + 5 + 1)
    expect(verdicts.filter((verdict) => verdict === "accept")).toHaveLength(3_005)
    expect(verdicts.at(-1)).toBe("warn")
  })
})
