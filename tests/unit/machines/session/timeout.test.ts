// The durable `timeout` timer: armed on START, its clock stopped by PAUSE, cleared on ending; late firings are ignored.
import { describe, expect, it } from "vitest"
import type { SessionState } from "../../../../machines/session.ts"
import { T0, ofType, sessionIn, startSession } from "./harness.ts"

describe("session timeout timer", () => {
  it("is armed on START for timeoutS, carrying its sequence number", () => {
    const session = startSession({ timeoutS: 60 })
    const at = T0 + 5_000
    const effects = session.send({ type: "START", at })
    expect(ofType(effects, "timer.arm")).toEqual([
      { type: "timer.arm", name: "timeout", fireAt: at + 60_000, event: { type: "TIMEOUT", seq: 1 } },
    ])
    expect(session.context()).toMatchObject({ timeoutSeq: 1, timeoutAt: at + 60_000 })
  })

  it("is not armed without timeoutS, and a stray TIMEOUT then does nothing", () => {
    const session = startSession()
    expect(ofType(session.send({ type: "START", at: session.now() }), "timer.arm")).toEqual([])
    expect(session.send({ type: "TIMEOUT", seq: 0, at: session.now() })).toEqual([])
    expect(session.state()).toBe("queued")
  })

  it("stops while paused and resumes with the time that was left, under a new sequence number", () => {
    const session = startSession({ timeoutS: 60 })
    session.send({ type: "START", at: T0 + 1_000 })
    expect(session.send({ type: "PAUSE", at: T0 + 21_000 })).toEqual([{ type: "timer.clear", name: "timeout" }, { type: "session.hold_tasks" }])
    expect(session.context()).toMatchObject({ remainingMs: 40_000, timeoutAt: undefined })
    const effects = session.send({ type: "RESUME", at: T0 + 500_000 })
    expect(effects).toEqual([
      { type: "timer.arm", name: "timeout", fireAt: T0 + 540_000, event: { type: "TIMEOUT", seq: 2 } },
      { type: "session.run_tasks", epoch: 1 },
    ])
  })

  it("ignores, without a refusal, a TIMEOUT armed before a pause", () => {
    const session = sessionIn("paused")
    expect(session.send({ type: "TIMEOUT", seq: 1, at: session.now() })).toEqual([])
    expect(session.state()).toBe("paused")
    session.send({ type: "RESUME", at: session.now() })
    expect(session.send({ type: "TIMEOUT", seq: 1, at: session.now() })).toEqual([])
    expect(session.state()).toBe("running")
    session.send({ type: "TIMEOUT", seq: 2, at: session.now() })
    expect(session.state()).toBe("timeout")
  })

  for (const state of ["pending", "failed", "timeout"] satisfies SessionState[]) {
    it(`ignores a late TIMEOUT in ${state} without a refusal`, () => {
      const session = sessionIn(state)
      const before = session.context()
      expect(session.send({ type: "TIMEOUT", seq: session.context().timeoutSeq, at: session.now() })).toEqual([])
      expect(session.state()).toBe(state)
      expect(session.context()).toEqual(before)
    })
  }

  it("is cleared when the session fails, is orphaned or finishes", () => {
    for (const leave of ["FAIL", "ORPHAN"] as const) {
      const session = sessionIn("running")
      const event = leave === "FAIL" ? { type: leave, reason: "gone", at: session.now() } : { type: leave, at: session.now() }
      expect(ofType(session.send(event), "timer.clear")).toEqual([{ type: "timer.clear", name: "timeout" }])
      expect(session.context().timeoutAt).toBeUndefined()
    }
  })

  it("is not cleared again when nothing is armed", () => {
    const session = sessionIn("paused")
    expect(session.send({ type: "STOP", at: session.now() })).not.toContainEqual({ type: "timer.clear", name: "timeout" })
  })

  it("is re-armed by START after a retry; the earlier run's TIMEOUT is then late", () => {
    const session = sessionIn("failed")
    session.send({ type: "RETRY", at: session.now() })
    const at = session.now()
    expect(ofType(session.send({ type: "START", at }), "timer.arm")).toEqual([
      { type: "timer.arm", name: "timeout", fireAt: at + 60_000, event: { type: "TIMEOUT", seq: 2 } },
    ])
    expect(session.send({ type: "TIMEOUT", seq: 1, at: session.now() })).toEqual([])
    expect(session.state()).toBe("queued")
  })
})
