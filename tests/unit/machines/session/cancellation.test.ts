// STOP, CANCEL and TIMEOUT cancel every unfinished task of the session, and only those: one sweep the
// session counts when it sends it, a command to each of its tasks.
import { describe, expect, it } from "vitest"
import { attempt, ofType, sessionIn, startSession, task } from "./harness.ts"

const three = { tasks: [task("a"), task("b"), task("c", ["b"])] }

describe("cancelling a session's tasks", () => {
  it("STOP cancels the unfinished tasks, clears the timer and ends stopped", () => {
    const session = sessionIn("running", three)
    session.report("a", ...attempt("completed"))
    session.report("b", "assigned", "in_progress")
    session.sent()
    const effects = session.send({ type: "STOP", at: session.now() })
    expect(effects).toEqual([
      { type: "session.cancel_tasks", reason: "session stopped", epoch: 2 },
      { type: "timer.clear", name: "timeout" },
    ])
    expect(session.sent().map((command) => [command.type, command.payload])).toEqual(
      Array.from({ length: 3 }, () => ["SESSION_CANCEL", { reason: "session stopped", epoch: 2 }]),
    )
    expect(session.state()).toBe("stopped")
    expect(session.tasks()).toEqual(["completed", "cancelled", "cancelled"])
    expect(session.context().metrics.tasks).toMatchObject({ completed: 1, cancelled: 2, in_progress: 0, blocked: 0 })
    expect(session.taskContext("b").cancelReason).toBe("session stopped")
  })

  it("CANCEL from paused cancels the unfinished tasks", () => {
    const session = sessionIn("paused", three)
    const effects = session.send({ type: "CANCEL", at: session.now() })
    expect(ofType(effects, "session.cancel_tasks")).toEqual([{ type: "session.cancel_tasks", reason: "session cancelled", epoch: 2 }])
    expect(session.tasks()).toEqual(["cancelled", "cancelled", "cancelled"])
    expect(session.state()).toBe("cancelled")
  })

  it("CANCEL before START cancels the tasks waiting for the start", () => {
    const session = startSession(three)
    expect(session.send({ type: "CANCEL", at: session.now() })).toEqual([
      { type: "session.cancel_tasks", reason: "session cancelled", epoch: 1 },
    ])
    expect(session.state()).toBe("cancelled")
    expect(session.tasks()).toEqual(["cancelled", "cancelled", "cancelled"])
    expect(session.context().metrics.tasks).toMatchObject({ cancelled: 3, blocked: 0 })
  })

  it("TIMEOUT cancels the unfinished tasks; the timer has already fired", () => {
    const session = sessionIn("running", three)
    session.report("a", ...attempt("failed"))
    const effects = session.send({ type: "TIMEOUT", seq: 1, at: session.now() })
    expect(effects).toEqual([{ type: "session.cancel_tasks", reason: "session timed out", epoch: 2 }])
    expect(session.state()).toBe("timeout")
    expect(session.tasks()).toEqual(["failed", "cancelled", "cancelled"])
    expect(session.context().metrics.tasks).toMatchObject({ failed: 1, cancelled: 2, ready: 0, blocked: 0 })
  })

  it("FAIL leaves the tasks running and keeps tracking their reports", () => {
    const session = sessionIn("running", three)
    session.report("b", "assigned", "in_progress")
    const effects = session.send({ type: "FAIL", reason: "operator gave up", at: session.now() })
    expect(ofType(effects, "session.cancel_tasks")).toEqual([])
    expect(session.context().error).toBe("operator gave up")
    expect(session.report("b", "completed")).toEqual([])
    expect(session.tasks()).toEqual(["ready", "completed", "blocked"])
    expect(session.context().metrics.tasks).toMatchObject({ ready: 1, completed: 1, blocked: 1 })
    expect(session.state()).toBe("failed")
  })
})
