// The event-loop watch (src/runtime/event-loop-stalls.ts): a loop held busy is observed as one late turn of about
// that long, reported as a stall when over the bar; a short hold is observed but not reported; watches of one tick
// length share one timer (the same turns, the same lateness) and one stopped leaves the other watching.
import { afterEach, describe, expect, it } from "vitest"
import { type EventLoopWatch, watchEventLoop } from "../../../src/runtime/event-loop-stalls.ts"

/** Holds the event loop for `ms`. */
const hold = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until);
}

/** Resolves once `ready` says so, looking at every turn of the loop. */
const until = async (ready: () => boolean) => {
  while (!ready()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe("the event-loop watch", () => {
  let watch: EventLoopWatch | undefined
  let other: EventLoopWatch | undefined
  afterEach(() => {
    watch?.stop()
    other?.stop()
  })

  it("observes a held loop as a late turn, and reports it when over the bar", async () => {
    const observed: number[] = []
    const stalls: number[] = []
    watch = watchEventLoop({ observe: (seconds) => observed.push(seconds), stalled: (ms) => stalls.push(ms), warnAfterMs: 150, tickMs: 20 })
    await until(() => observed.length >= 2)
    hold(300)
    await until(() => stalls.length > 0)
    expect(stalls).toHaveLength(1)
    expect(stalls[0]).toBeGreaterThanOrEqual(250)
    expect(stalls[0]).toBeLessThan(2_000)
    expect(Math.max(...observed)).toBeCloseTo(stalls[0]! / 1000, 2)
  })

  it("observes a short hold without reporting it", async () => {
    const observed: number[] = []
    const stalls: number[] = []
    watch = watchEventLoop({
      observe: (seconds) => observed.push(seconds),
      stalled: (ms) => stalls.push(ms),
      warnAfterMs: 1_000,
      tickMs: 20,
    })
    await until(() => observed.length >= 2)
    hold(120)
    await until(() => observed.some((seconds) => seconds >= 0.08))
    expect(stalls).toEqual([])
  })

  it("gives two watches of one tick length the same turns, and one stopped leaves the other watching", async () => {
    const first: number[] = []
    const second: number[] = []
    const stalls: Array<[string, number]> = []
    watch = watchEventLoop({
      observe: (seconds) => first.push(seconds),
      stalled: (ms) => stalls.push(["first", ms]),
      warnAfterMs: 150,
      tickMs: 20,
    })
    other = watchEventLoop({
      observe: (seconds) => second.push(seconds),
      stalled: (ms) => stalls.push(["second", ms]),
      warnAfterMs: 150,
      tickMs: 20,
    })
    await until(() => second.length >= 2)
    hold(300)
    await until(() => stalls.length >= 2)
    const [[, ms]] = stalls as [[string, number]]
    expect(stalls).toEqual([
      ["first", ms],
      ["second", ms],
    ])
    // One timer: the second watch saw exactly the lateness of the first's turns since it joined.
    expect(second).toEqual(first.slice(first.length - second.length))
    watch.stop()
    watch = undefined
    const [firstSeen, secondSeen] = [first.length, second.length]
    await until(() => second.length >= secondSeen + 2)
    expect(first).toHaveLength(firstSeen)
  })
})
