// A deregistration's wait for the task_cancelled pushes of the tasks its agent held: done once each was handed on by
// the fan-out for that agent, or after its time.
import { describe, expect, it } from "vitest"
import { cancellationsSeen } from "../../../src/edge/cancellations-seen.ts"

describe("cancellations seen", () => {
  it("resolves once every task was seen cancelled for the agent, other agents' and repeated ones not counting", async () => {
    const seen = cancellationsSeen()
    expect(seen.watching()).toBe(false)
    let done: boolean | undefined
    const waiting = seen.await("a1", ["t1", "t2"], 5_000).then((all) => (done = all))
    expect(seen.watching()).toBe(true)
    seen.seen("a2", "t1")
    seen.seen("a1", "t1")
    seen.seen("a1", "t1")
    await Promise.resolve()
    expect(done).toBeUndefined()
    seen.seen("a1", "t2")
    expect(await waiting).toBe(true)
    expect(seen.watching()).toBe(false)
  })

  it("resolves false when its time runs out, and at once for no task", async () => {
    const seen = cancellationsSeen()
    expect(await seen.await("a1", ["t1"], 10)).toBe(false)
    expect(seen.watching()).toBe(false)
    expect(await seen.await("a1", [], 5_000)).toBe(true)
  })
})
