// The dispatch scenario's latency by second of submit: whether a side carried the offered rate (a steady p99) or
// fell behind it (a p99 that grows with the backlog); and where a run's latencies are read from.
import { describe, expect, it } from "vitest"
import { latenciesOf, p99BySecond, p99BySecondNote, type Outcome, type Timed } from "../../../bench/report.ts"

const EPOCH = 1_796_000_000_000

/** `perSecond` tasks a second for `seconds` seconds, each taking `latency(second, i)` ms. */
const run = (seconds: number, perSecond: number, latency: (second: number, i: number) => number): Timed[] =>
  Array.from({ length: seconds * perSecond }, (_, n) => {
    const second = Math.floor(n / perSecond)
    const i = n % perSecond
    return [EPOCH + second * 1000 + (i * 1000) / perSecond, latency(second, i)] as const
  })

const outcome = (timed: ReadonlyArray<Timed>): Outcome => ({
  tasks: timed.length,
  completed: timed.length,
  wallMs: 1,
  timed,
  cost: {} as Outcome["cost"],
})

describe("p99BySecond", () => {
  it("gives each second of the submits its own p99: a backlog shows as a p99 that grows", () => {
    const growing = run(3, 100, (second, i) => (second + 1) * 100 + i)
    expect(p99BySecond(growing)).toEqual([198, 298, 398])
  })

  it("puts a submit at the run's very end in its last second, and leaves a second with no submit unknown", () => {
    const timed: Timed[] = [
      [EPOCH, 5],
      [EPOCH + 999, 7],
      [EPOCH + 2500, 9],
      [EPOCH + 3000, 11],
    ]
    expect(p99BySecond(timed)).toEqual([7, Number.NaN, 11])
  })

  it("is empty for a run that timed nothing, and one second for submits all within it", () => {
    expect(p99BySecond([])).toEqual([])
    expect(p99BySecond([[EPOCH, 4]])).toEqual([4])
  })
})

describe("p99BySecondNote", () => {
  it("names each side with its seconds' p99s, a decimal below 100 ms", () => {
    const clawbot = { label: "clawbot", outcome: outcome(run(2, 50, (second) => 80 + second * 400)) }
    const bullmq = { label: "bullmq", outcome: outcome(run(2, 50, () => 3.14)) }
    const untimed = { label: "other", outcome: { ...outcome([]), timed: undefined } }
    expect(p99BySecondNote([clawbot, bullmq, untimed])).toBe(
      "latency p99 by second of submit (ms): clawbot 80.0, 480; bullmq 3.1, 3.1; other n/a",
    )
  })
})

describe("latenciesOf", () => {
  it("reads a timed run's latencies from its submits, a run timed without them from its latencies, and none from an untimed run", () => {
    expect(
      latenciesOf(
        outcome([
          [EPOCH, 4],
          [EPOCH + 10, 6],
        ]),
      ),
    ).toEqual([4, 6])
    expect(latenciesOf({ ...outcome([]), timed: undefined, latencies: [7, 8] })).toEqual([7, 8])
    expect(latenciesOf({ ...outcome([]), timed: undefined })).toBeUndefined()
  })
})
