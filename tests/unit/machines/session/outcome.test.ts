// The outcome rule: once every task is finished, all completed → completed; some → partially_completed; none → failed.
import { describe, expect, it } from "vitest"
import { DEGRADING_RUN, attempt, sessionIn, task } from "./harness.ts"

describe("session outcome", () => {
  it("waits while any task is unfinished", () => {
    const session = sessionIn("running")
    session.report("a", ...attempt("completed"))
    session.report("b", "assigned", "in_progress", "retry_wait")
    expect(session.state()).toBe("running")
  })

  it("is completed when every task completed, and clears the session timer", () => {
    const session = sessionIn("running")
    session.report("a", ...attempt("completed"))
    const effects = session.report("b", ...attempt("completed"))
    expect(session.state()).toBe("completed")
    expect(effects).toEqual([{ type: "timer.clear", name: "timeout" }])
    expect(session.context().error).toBeUndefined()
  })

  it("is partially_completed when some tasks completed and the others did not", () => {
    const session = sessionIn("running", { tasks: [task("a"), task("b"), task("c", ["b"])] })
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("failed"))
    expect(session.state()).toBe("partially_completed")
    expect(session.tasks()).toEqual(["completed", "failed", "cancelled"])
  })

  it("is failed, and retryable, when no task completed", () => {
    const session = sessionIn("running")
    session.report("a", ...attempt("failed"))
    session.report("b", "assigned", "timed_out")
    expect(session.state()).toBe("failed")
    expect(session.status()).toBe("active")
    expect(session.context().error).toBe("2 of 2 tasks did not complete")
  })

  it("from degraded is completed when every task completed", () => {
    const session = sessionIn("degraded")
    session.report("b", ...attempt("completed"))
    expect(session.state()).toBe("completed")
  })

  it("from degraded is failed, not partially_completed, when some task did not complete", () => {
    const session = sessionIn("degraded")
    expect(session.tasks()[0]).toBe("completed")
    session.report("b", ...attempt("failed"))
    expect(session.state()).toBe("failed")
    expect(session.context().error).toBe("1 of 2 tasks did not complete")
  })

  it("takes precedence over degrading: a run ending in poor health still gets its outcome", () => {
    const session = sessionIn("running", { tasks: [task("a")] })
    session.report("a", ...DEGRADING_RUN)
    expect(session.state()).toBe("completed")
  })
})
