// Issue 7's targets as a run met them: each figure with a goal, its goal, the measured value and whether it reached it.
import { describe, expect, it } from "vitest"
import type { ScenarioReport } from "../../../bench/report.ts"
import { targetsReport } from "../../../bench/targets.ts"

const report = (name: string, figures: ScenarioReport["figures"]): ScenarioReport => ({
  name,
  headline: "",
  tables: [],
  notes: [],
  failures: [],
  figures,
})

describe("targetsReport", () => {
  it("lists every figure with a goal, met or not, and leaves the others out", () => {
    const targets = targetsReport(
      [
        report("lifecycle over 3 rounds", [
          { label: "clawbot tasks/s", value: 910, digits: 0 },
          { label: "throughput ratio clawbot / bullmq", value: 0.173, digits: 3, goal: { atLeast: 1 } },
          { label: "clawbot bytes to Redis + Postgres a task", value: 7201, digits: 0, goal: { atMost: 8192 } },
        ]),
        report("dispatch", [{ label: "clawbot latency p99 (ms)", value: Number.NaN, digits: 1, goal: { atMost: 25 } }]),
      ],
      { full: true, bigSession: 5000 },
    )
    expect(targets?.headline).toBe("issue 7's targets at the full size (a target missed never fails the run)")
    expect(targets?.failures).toEqual([])
    expect(targets?.tables[0]?.rows).toEqual([
      ["lifecycle over 3 rounds: throughput ratio clawbot / bullmq", "≥ 1.000", "0.173", "NOT met"],
      ["lifecycle over 3 rounds: clawbot bytes to Redis + Postgres a task", "≤ 8192", "7201", "met"],
      ["dispatch: clawbot latency p99 (ms)", "≤ 25.0", "n/a", "n/a"],
    ])
  })

  it("compares a big session's task bytes with a lifecycle task's, within 20%, when both scenarios ran", () => {
    const bytes = (lifecycle: number, session: number) =>
      targetsReport(
        [
          report("lifecycle", [{ label: "clawbot bytes to Redis + Postgres a task", value: lifecycle, digits: 0 }]),
          report("sessions over 3 rounds", [
            { label: "clawbot 10/session bytes to Redis + Postgres a task", value: 14_000, digits: 0 },
            { label: "clawbot 5000/session bytes to Redis + Postgres a task", value: session, digits: 0 },
          ]),
        ],
        { full: true, bigSession: 5000 },
      )?.tables[0]?.rows
    expect(bytes(7202, 9416)).toEqual([
      ["sessions / lifecycle: bytes of a 5000/session task against a lifecycle task's", "0.800 to 1.200", "1.307", "NOT met"],
    ])
    expect(bytes(7336, 8788)?.[0]?.[3]).toBe("met")
    expect(
      targetsReport([report("lifecycle", [{ label: "clawbot bytes to Redis + Postgres a task", value: 7202, digits: 0 }])], {
        full: true,
        bigSession: 5000,
      }),
    ).toBeUndefined()
  })

  it("says a smaller run is only indicative, and gives nothing when no figure has a goal", () => {
    const small = targetsReport([report("fleet", [{ label: "ratio", value: 0.6, digits: 3, goal: { atLeast: 0.5 } }])], {
      full: false,
      bigSession: 200,
    })
    expect(small?.headline).toMatch(/smaller than the full one they are stated for: indicative only$/)
    expect(small?.tables[0]?.rows).toEqual([["fleet: ratio", "≥ 0.500", "0.600", "met"]])
    expect(targetsReport([report("fleet", [{ label: "ratio", value: 0.6, digits: 3 }])], { full: true, bigSession: 5000 })).toBeUndefined()
  })
})
