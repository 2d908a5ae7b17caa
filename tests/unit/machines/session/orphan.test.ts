// The orphan check (CLAWBOT_ORPHAN_AFTER_S): a durable timer armed at START; when it fires with tasks left,
// none held by an agent and none moved for orphanAfterS, the session asks for its coverage (how many of its
// ready tasks a registered agent offers the capability of) and is orphaned when the answer is none.
import { describe, expect, it } from "vitest"
import { attempt, ofType, sessionIn, startSession, T0 } from "./harness.ts"

const AFTER_S = 60
const orphanable = () => sessionIn("queued", { orphanAfterS: AFTER_S })

describe("session orphan check", () => {
  it("is armed at START, orphanAfterS later, carrying its sequence number", () => {
    const session = startSession({ orphanAfterS: AFTER_S })
    const at = session.now()
    expect(ofType(session.send({ type: "START", at }), "timer.arm")).toContainEqual(
      { type: "timer.arm", name: "orphan", fireAt: at + 60_000, event: { type: "ORPHAN_DUE", seq: 1 } },
    )
    expect(session.context()).toMatchObject({ orphanSeq: 1, orphanAt: at + 60_000, lastMoveAt: at })
  })

  it("is not armed without orphanAfterS", () => {
    const session = startSession()
    expect(ofType(session.send({ type: "START", at: session.now() }), "timer.arm")).toEqual([])
  })

  it("asks for coverage when due and stalled, and is orphaned when no agent offers a ready task's capability", () => {
    const session = orphanable()
    const due = session.context().orphanAt!
    expect(session.send({ type: "ORPHAN_DUE", seq: 1, at: due })).toEqual([{ type: "session.orphan_probe", seq: 1 }])
    expect(session.state()).toBe("queued")
    const effects = session.send({ type: "COVERAGE", seq: 1, ready: 1, offered: 0, at: due + 5 })
    expect(session.state()).toBe("orphaned")
    expect(ofType(effects, "timer.clear")).toContainEqual({ type: "timer.clear", name: "orphan" })
  })

  it("checks again later when an agent offers the capability", () => {
    const session = orphanable()
    const due = session.context().orphanAt!
    session.send({ type: "ORPHAN_DUE", seq: 1, at: due })
    expect(ofType(session.send({ type: "COVERAGE", seq: 1, ready: 1, offered: 1, at: due }), "timer.arm")).toEqual([
      { type: "timer.arm", name: "orphan", fireAt: due + 60_000, event: { type: "ORPHAN_DUE", seq: 2 } },
    ])
    expect(session.state()).toBe("queued")
  })

  it("does not ask while a task is held by an agent, nor before the last move is orphanAfterS old", () => {
    const session = sessionIn("running", { orphanAfterS: AFTER_S })
    session.report("a", "assigned")
    const seq = session.context().orphanSeq
    const at = T0 + 3_600_000
    expect(ofType(session.send({ type: "ORPHAN_DUE", seq, at }), "session.orphan_probe")).toEqual([])
    expect(session.context().orphanAt).toBe(at + 60_000)
    session.report("a", "in_progress", "completed")
    const moved = session.context().lastMoveAt!
    // the next check comes orphanAfterS after that move when that is sooner
    const next = session.send({ type: "ORPHAN_DUE", seq: seq + 1, at: moved + 1 })
    expect(ofType(next, "timer.arm")).toEqual([
      { type: "timer.arm", name: "orphan", fireAt: moved + 60_000, event: { type: "ORPHAN_DUE", seq: seq + 2 } },
    ])
  })

  it("ignores a late check or answer (an older seq), in a paused session too, without a refusal", () => {
    const session = orphanable()
    expect(session.send({ type: "ORPHAN_DUE", seq: 0, at: T0 + 3_600_000 })).toEqual([])
    expect(session.send({ type: "COVERAGE", seq: 0, ready: 1, offered: 0, at: T0 + 3_600_000 })).toEqual([])
    expect(session.state()).toBe("queued")
    const paused = sessionIn("paused", { orphanAfterS: AFTER_S })
    expect(paused.context().orphanAt).toBeUndefined()
    expect(paused.send({ type: "ORPHAN_DUE", seq: 1, at: T0 + 3_600_000 })).toEqual([])
    expect(paused.state()).toBe("paused")
  })

  it("is cleared when the session finishes, and armed again on RESUME", () => {
    const session = sessionIn("paused", { orphanAfterS: AFTER_S })
    const at = session.now()
    expect(ofType(session.send({ type: "RESUME", at }), "timer.arm")).toContainEqual(
      { type: "timer.arm", name: "orphan", fireAt: at + 60_000, event: { type: "ORPHAN_DUE", seq: 2 } },
    )
    session.report("a", ...attempt("completed"))
    expect(ofType(session.report("b", ...attempt("completed")), "timer.clear")).toContainEqual({ type: "timer.clear", name: "orphan" })
    expect(session.state()).toBe("completed")
  })
})
