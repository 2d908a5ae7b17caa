// CHECKPOINT records a numbered recovery point in any non-final state, numbered from the last one.
import { createActor } from "xstate"
import { describe, expect, it } from "vitest"
import { sessionMachine } from "../../../../machines/session.ts"
import { LIVE_STATES, sessionIn, sessionInput, startSession } from "./harness.ts"

describe("checkpoints", () => {
  it("are numbered 1, 2, 3 with their data and time, and counted in the metrics", () => {
    const session = sessionIn("running")
    const times = [session.now(), session.now(), session.now()]
    for (const [i, at] of times.entries()) {
      expect(session.send({ type: "CHECKPOINT", data: { step: i }, at })).toEqual([])
    }
    expect(session.context().checkpoints).toEqual([
      { number: 1, data: { step: 0 }, at: times[0] },
      { number: 2, data: { step: 1 }, at: times[1] },
      { number: 3, data: { step: 2 }, at: times[2] },
    ])
    expect(session.context().metrics.checkpoints).toBe(3)
  })

  for (const state of LIVE_STATES) {
    it(`are accepted in ${state} without changing state`, () => {
      const session = sessionIn(state)
      expect(session.send({ type: "CHECKPOINT", data: "snap", at: session.now() })).toEqual([])
      expect(session.state()).toBe(state)
      expect(session.context().checkpoints.map((c) => c.number)).toEqual([1])
    })
  }

  it("continue from the last checkpoint's number, not from the list's length", () => {
    const created = startSession().snapshot()
    const pruned = sessionMachine.resolveState({
      value: "running",
      context: {
        ...created.context,
        checkpoints: [{ number: 7, data: "kept", at: 1 }],
        metrics: { ...created.context.metrics, checkpoints: 7 },
      },
    })
    const actor = createActor(sessionMachine, { input: sessionInput(), snapshot: pruned }).start()
    actor.send({ type: "CHECKPOINT", data: "next", at: 2 })
    expect(actor.getSnapshot().context.checkpoints.map((c) => c.number)).toEqual([7, 8])
    expect(actor.getSnapshot().context.metrics.checkpoints).toBe(8)
  })
})
