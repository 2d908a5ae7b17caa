// PAUSE holds the DAG: every task is told to hold, tasks whose dependencies complete stay blocked until
// RESUME releases them, and the outcome waits too.
import { describe, expect, it } from "vitest"
import { attempt, sessionIn, task } from "./harness.ts"

const chain = { tasks: [task("a"), task("b", ["a"]), task("c", ["a"])] }

describe("paused session", () => {
  it("holds the unblocks of tasks whose dependencies complete, and releases them on RESUME", () => {
    const session = sessionIn("paused", chain)
    session.report("a", ...attempt("completed"))
    expect(session.tasks()).toEqual(["completed", "blocked", "blocked"])
    expect(session.taskContext("b")).toMatchObject({ held: true, dependenciesDone: [session.taskContext("a").id] })
    session.sent()
    const effects = session.send({ type: "RESUME", at: session.now() })
    expect(effects).toContainEqual({ type: "session.run_tasks", epoch: 1 })
    expect(session.sent().map((command) => command.type)).toEqual(["SESSION_RUN", "SESSION_RUN", "SESSION_RUN"])
    expect(session.state()).toBe("running")
    expect(session.tasks()).toEqual(["completed", "ready", "ready"])
  })

  it("still cancels the dependants of a task that failed for good", () => {
    const session = sessionIn("paused", chain)
    session.report("a", ...attempt("failed"))
    expect(session.tasks()).toEqual(["failed", "cancelled", "cancelled"])
    expect(session.context().metrics.tasks).toMatchObject({ failed: 1, cancelled: 2 })
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
