// The turns of the event loop a runtime's partitions share: pieces that fit in a turn's slice run at once, in the
// turn that asked; past the slice, each waiting piece runs in a turn of its own, in order, with timers and I/O
// between (a lease renewal due meanwhile is not held up by the partitions' plans).
import { performance } from "node:perf_hooks"
import { describe, expect, it } from "vitest"
import { createTurns } from "../../../src/runtime/turns.ts"

/** Keeps the loop busy for `ms`, as a plan does. */
const busy = (ms: number): void => {
  const end = performance.now() + ms
  while (performance.now() < end);
}

/** Counts the loop's turns (its check phases) while `run` runs; each piece notes the turn it ran in. */
const inTurns = async (sliceMs: number, pieces: ReadonlyArray<readonly [name: string, ms: number]>) => {
  const turns = createTurns(sliceMs)
  let turn = 0
  let counting = true
  const count = (): void => {
    turn += 1
    if (counting) setImmediate(count)
  }
  setImmediate(count)
  const ran: Array<{ name: string; turn: number }> = []
  const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void ran.push({ name: "timer", turn })), 0))
  const piece = async ([name, ms]: readonly [string, number]): Promise<void> => {
    const wait = turns.myTurn()
    if (wait !== undefined) await wait
    ran.push({ name, turn })
    busy(ms)
  }
  // Asked together, as the partitions whose reads came back in one reply.
  await Promise.all([...pieces.map(piece), timer])
  counting = false
  return ran
}

/** The turn `name` ran in (-1 if it never ran). */
const turnOf = (ran: ReadonlyArray<{ name: string; turn: number }>, name: string): number =>
  ran.find((one) => one.name === name)?.turn ?? -1

describe("turns", () => {
  it("lets pieces that fit in the slice run at once, in the turn that asked", async () => {
    const ran = await inTurns(200, [
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ])
    expect(ran.slice(0, 3)).toEqual([
      { name: "a", turn: 0 },
      { name: "b", turn: 0 },
      { name: "c", turn: 0 },
    ])
    expect(ran[3]?.name).toBe("timer")
  })

  it("runs each piece past the slice in a turn of its own, in order, with a due timer before them", async () => {
    const ran = await inTurns(5, [
      ["a", 10],
      ["b", 10],
      ["c", 10],
      ["d", 10],
    ])
    expect(ran.map((one) => one.name)).toEqual(["a", "timer", "b", "c", "d"])
    expect(turnOf(ran, "a")).toBe(0)
    expect(turnOf(ran, "b")).toBeGreaterThan(0)
    expect(turnOf(ran, "c")).toBeGreaterThan(turnOf(ran, "b"))
    expect(turnOf(ran, "d")).toBeGreaterThan(turnOf(ran, "c"))
  })

  it("runs as many waiting pieces in a turn as its slice holds", async () => {
    const ran = await inTurns(100, [
      ["a", 150],
      ["b", 1],
      ["c", 1],
      ["d", 150],
      ["e", 1],
    ])
    expect(ran.map((one) => one.name)).toEqual(["a", "timer", "b", "c", "d", "e"])
    expect(turnOf(ran, "b")).toBeGreaterThan(turnOf(ran, "a"))
    // b and c fit in the next turn with d, which spends it: e waits for the one after.
    expect([turnOf(ran, "c"), turnOf(ran, "d")]).toEqual([turnOf(ran, "b"), turnOf(ran, "b")])
    expect(turnOf(ran, "e")).toBeGreaterThan(turnOf(ran, "d"))
  })

  it("gives a waiting piece its turn before pieces that ask during it", async () => {
    const turns = createTurns(5)
    const ran: string[] = []
    const piece = async (name: string): Promise<void> => {
      const wait = turns.myTurn()
      if (wait !== undefined) await wait
      ran.push(wait === undefined ? name : `${name} (waited)`)
      busy(10)
    }
    const first = [piece("a"), piece("b")]
    // Asked in the turn b is resumed in, after it: past the slice by then, so it waits for the next.
    const late = new Promise<void>((resolve) => setTimeout(() => resolve(piece("late")), 0))
    await Promise.all([...first, late])
    expect(ran).toEqual(["a", "b (waited)", "late (waited)"])
  })
})
