// STOP, CANCEL and TIMEOUT cancel every unfinished task of the session, and only those.
import { describe, expect, it } from "vitest"
import { attempt, ofType, sessionIn, startSession, task } from "./harness.ts"

const three = { tasks: [task("a"), task("b"), task("c", ["b"])] }

describe("cancelling a session's tasks", () => {
  it("STOP cancels the unfinished tasks, clears the timer and ends stopped", () => {
    const session = sessionIn("running", three)
    session.report("a", ...attempt("completed"))
    session.report("b", "assigned", "in_progress")
    const effects = session.send({ type: "STOP", at: session.now() })
    expect(effects).toEqual([
      { type: "session.cancel_task", taskId: "b", reason: "session stopped" },
      { type: "session.cancel_task", taskId: "c", reason: "session stopped" },
      { type: "timer.clear", name: "timeout" },
    ])
    expect(session.state()).toBe("stopped")
    expect(session.context().tasks.map((t) => t.status)).toEqual(["completed", "cancelled", "cancelled"])
  })

  it("CANCEL from paused cancels the unfinished tasks", () => {
    const session = sessionIn("paused", three)
    const effects = session.send({ type: "CANCEL", at: session.now() })
    expect(ofType(effects, "session.cancel_task")).toEqual([
      { type: "session.cancel_task", taskId: "a", reason: "session cancelled" },
      { type: "session.cancel_task", taskId: "b", reason: "session cancelled" },
      { type: "session.cancel_task", taskId: "c", reason: "session cancelled" },
    ])
    expect(session.state()).toBe("cancelled")
  })

  it("CANCEL before START has no tasks to cancel", () => {
    const session = startSession(three)
    expect(session.send({ type: "CANCEL", at: session.now() })).toEqual([])
    expect(session.state()).toBe("cancelled")
    expect(session.context().metrics.tasks.not_created).toBe(3)
  })

  it("TIMEOUT cancels the unfinished tasks; the timer has already fired", () => {
    const session = sessionIn("running", three)
    session.report("a", ...attempt("failed"))
    const effects = session.send({ type: "TIMEOUT", seq: 1, at: session.now() })
    expect(effects).toEqual([
      { type: "session.cancel_task", taskId: "b", reason: "session timed out" },
      { type: "session.cancel_task", taskId: "c", reason: "session timed out" },
    ])
    expect(session.state()).toBe("timeout")
  })

  it("FAIL leaves the tasks running and keeps tracking their reports", () => {
    const session = sessionIn("running", three)
    session.report("b", "assigned", "in_progress")
    const effects = session.send({ type: "FAIL", reason: "operator gave up", at: session.now() })
    expect(ofType(effects, "session.cancel_task")).toEqual([])
    expect(session.context().error).toBe("operator gave up")
    expect(session.report("b", "completed")).toEqual([])
    expect(session.context().tasks.map((t) => t.status)).toEqual(["ready", "completed", "blocked"])
    expect(session.state()).toBe("failed")
  })
})
