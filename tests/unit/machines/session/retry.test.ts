// RETRY (failed, timeout → pending) is bounded by maxRetries; the next START opens a new epoch in which the
// tasks that failed for good run again, with their dependants.
import { describe, expect, it } from "vitest"
import { attempt, ofType, sessionIn, task } from "./harness.ts"

const chain = { tasks: [task("a"), task("b", ["a"]), task("c")] }

describe("session retry", () => {
  it("moves failed to pending, counts the retry and forgets the failure", () => {
    const session = sessionIn("failed")
    expect(session.send({ type: "RETRY", at: session.now() })).toEqual([])
    expect(session.state()).toBe("pending")
    expect(session.context().error).toBeUndefined()
    expect(session.context().metrics).toMatchObject({ retries: 1, finishedAt: undefined, durationMs: undefined })
  })

  it("START runs again the tasks that failed for good and leaves the others alone", () => {
    const session = sessionIn("running", chain)
    session.report("c", "assigned", "in_progress")
    session.report("a", ...attempt("failed"))
    session.send({ type: "FAIL", reason: "a failed", at: session.now() })
    session.send({ type: "RETRY", at: session.now() })
    expect(session.tasks()).toEqual(["failed", "cancelled", "in_progress"])
    const effects = session.send({ type: "START", at: session.now() })
    expect(ofType(effects, "session.run_tasks")).toEqual([{ type: "session.run_tasks", epoch: 2 }])
    expect(session.tasks()).toEqual(["ready", "blocked", "in_progress"])
    expect(session.context().metrics.tasks).toMatchObject({ ready: 1, blocked: 1, in_progress: 1, failed: 0, cancelled: 0 })
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("completed"))
    session.report("c", "completed")
    expect(session.state()).toBe("completed")
  })

  it("START after a timeout runs again the tasks the timeout cancelled", () => {
    const session = sessionIn("running", chain)
    session.report("a", "assigned", "in_progress")
    session.send({ type: "TIMEOUT", seq: 1, at: session.now() })
    expect(session.tasks()).toEqual(["cancelled", "cancelled", "cancelled"])
    session.send({ type: "RETRY", at: session.now() })
    session.send({ type: "START", at: session.now() })
    expect(session.tasks()).toEqual(["ready", "blocked", "ready"])
    expect(session.context().metrics.tasks).toMatchObject({ ready: 2, blocked: 1, cancelled: 0 })
  })

  it("START releases tasks whose dependencies completed while the session was not running", () => {
    const session = sessionIn("running", chain)
    session.report("a", "assigned", "in_progress")
    session.send({ type: "FAIL", reason: "operator", at: session.now() })
    expect(session.report("a", "completed")).toEqual([])
    expect(session.tasks()).toEqual(["completed", "blocked", "ready"])
    session.send({ type: "RETRY", at: session.now() })
    session.send({ type: "START", at: session.now() })
    expect(session.tasks()).toEqual(["completed", "ready", "ready"])
  })

  it("counts a completion that raced the timeout's cancellation as a completion", () => {
    const session = sessionIn("running", chain)
    session.report("a", "assigned", "in_progress")
    // The task completes before the cancellation reaches it: its report (made in the epoch before the
    // cancel sweep) arrives after the session counted it cancelled.
    const a = session.taskContext("a")
    session.send({ type: "TIMEOUT", seq: 1, at: session.now() })
    session.send({ type: "TASK_STATUS", taskId: a.id, index: 0, from: "in_progress", status: "completed", epoch: 1, at: session.now() })
    expect(session.context().metrics.tasks).toMatchObject({ completed: 1, cancelled: 2, in_progress: 0 })
  })

  it("is refused after maxRetries retries", () => {
    const session = sessionIn("timeout", { maxRetries: 2 })
    for (let i = 0; i < 2; i++) {
      session.send({ type: "RETRY", at: session.now() })
      session.send({ type: "START", at: session.now() })
      session.send({ type: "TIMEOUT", seq: session.context().timeoutSeq, at: session.now() })
    }
    expect(session.context().metrics.retries).toBe(2)
    expect(ofType(session.send({ type: "RETRY", at: session.now() }), "command.rejected")).toHaveLength(1)
    expect(session.state()).toBe("timeout")
  })

  it("is refused at once with maxRetries 0", () => {
    const session = sessionIn("failed", { maxRetries: 0 })
    expect(ofType(session.send({ type: "RETRY", at: session.now() }), "command.rejected")).toHaveLength(1)
  })
})
