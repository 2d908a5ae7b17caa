// The summary of a scenario run several times (--rounds): each key figure by round, its median, every round's failures.
import { describe, expect, it } from "vitest"
import type { ScenarioReport } from "../../../bench/report.ts"
import { median, roundReport, roundsSummary } from "../../../bench/rounds.ts"

const round = (tasksPerS: number, ratio: number, failures: string[] = []): ScenarioReport => ({
  name: "lifecycle",
  headline: "20000 no-op tasks",
  tables: [],
  notes: [],
  failures,
  figures: [
    { label: "clawbot tasks/s", value: tasksPerS, digits: 0 },
    { label: "throughput ratio clawbot / bullmq", value: ratio, digits: 3 },
  ],
})

describe("median", () => {
  it("is the middle value, the mean of the two middle ones for an even count, and leaves out what is not a number", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([Number.NaN, 5, 1])).toBe(3)
    expect(median([])).toBeNaN()
  })
})

describe("roundsSummary", () => {
  it("puts each key figure of every round side by side with its median", () => {
    const summary = roundsSummary("lifecycle", [round(969, 0.152), round(753, 0.12), round(1151, 0.134)])
    expect(summary.name).toBe("lifecycle over 3 rounds")
    expect(summary.tables[0]?.columns).toEqual(["", "round 1", "round 2", "round 3", "median"])
    expect(summary.tables[0]?.rows).toEqual([
      ["clawbot tasks/s", "969", "753", "1151", "969"],
      ["throughput ratio clawbot / bullmq", "0.152", "0.120", "0.134", "0.134"],
    ])
    expect(summary.figures).toEqual([
      { label: "clawbot tasks/s", value: 969, digits: 0 },
      { label: "throughput ratio clawbot / bullmq", value: 0.134, digits: 3 },
    ])
    expect(summary.failures).toEqual([])
  })

  it("names the round of each failure, and a round that broke before its figures counts as n/a", () => {
    const broken: ScenarioReport = { ...round(0, 0, ["clawbot: 10 of 300 tasks durably completed"]), figures: [] }
    const summary = roundsSummary("fleet", [round(600, 0.11), broken])
    expect(summary.failures).toEqual(["round 2: clawbot: 10 of 300 tasks durably completed"])
    expect(summary.tables[0]?.rows[0]).toEqual(["clawbot tasks/s", "600", "n/a", "600"])
  })

  it("keeps a figure's goal on its median", () => {
    const aimed = (ratio: number): ScenarioReport => ({
      ...round(900, ratio),
      figures: [{ label: "throughput ratio clawbot / bullmq", value: ratio, digits: 3, goal: { atLeast: 1 } }],
    })
    expect(roundsSummary("lifecycle", [aimed(0.2), aimed(0.1), aimed(0.3)]).figures).toEqual([
      { label: "throughput ratio clawbot / bullmq", value: 0.2, digits: 3, goal: { atLeast: 1 } },
    ])
  })

  it("names each round's own report", () => {
    expect(roundReport(round(969, 0.152), 2, 3).name).toBe("lifecycle round 2 of 3")
  })
})
