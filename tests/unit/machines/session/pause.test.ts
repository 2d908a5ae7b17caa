// PAUSE holds the DAG: tasks whose dependencies complete are unblocked only on RESUME, and the outcome waits too.
import { describe, expect, it } from "vitest"
import { readyTasks } from "../../../../machines/session.ts"
import { attempt, ofType, sessionIn, task } from "./harness.ts"

const chain = { tasks: [task("a"), task("b", ["a"]), task("c", ["a"])] }

describe("paused session", () => {
  it("holds the unblocks of tasks whose dependencies complete, and releases them on RESUME", () => {
    const session = sessionIn("paused", chain)
    expect(session.report("a", ...attempt("completed"))).toEqual([])
    expect(session.context().tasks.map((t) => t.status)).toEqual(["completed", "blocked", "blocked"])
    expect(readyTasks(session.context())).toEqual(["b", "c"])
    const effects = session.send({ type: "RESUME", at: session.now() })
    expect(ofType(effects, "session.unblock_task")).toEqual([
      { type: "session.unblock_task", taskId: "b" },
      { type: "session.unblock_task", taskId: "c" },
    ])
    expect(session.state()).toBe("running")
    expect(readyTasks(session.context())).toEqual([])
  })

  it("still cancels the dependants of a task that failed for good", () => {
    const session = sessionIn("paused", chain)
    expect(session.report("a", ...attempt("failed"))).toEqual([
      { type: "session.cancel_task", taskId: "b", reason: "dependency a failed" },
      { type: "session.cancel_task", taskId: "c", reason: "dependency a failed" },
    ])
  })

  it("stays paused when every task finishes, and reaches the outcome on RESUME", () => {
    const session = sessionIn("paused")
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("completed"))
    expect(session.state()).toBe("paused")
    session.send({ type: "RESUME", at: session.now() })
    expect(session.state()).toBe("completed")
  })

  it("does not degrade while paused; RESUME with poor health goes on to degraded", () => {
    const session = sessionIn("paused")
    session.report("a", ...attempt("retry_wait"), "ready", ...attempt("retry_wait"), "ready")
    session.report("a", ...attempt("retry_wait"), "ready", ...attempt("retry_wait"))
    expect(session.context().metrics.health).toBe(0)
    expect(session.state()).toBe("paused")
    session.send({ type: "RESUME", at: session.now() })
    expect(session.state()).toBe("degraded")
  })
})
