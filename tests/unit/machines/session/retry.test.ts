// RETRY (failed, timeout → pending) is bounded by maxRetries; the next START retries the tasks that failed for good.
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

  it("START retries the tasks that failed for good and leaves the others alone", () => {
    const session = sessionIn("running", chain)
    session.report("c", "assigned", "in_progress")
    session.report("a", ...attempt("failed"))
    session.send({ type: "FAIL", reason: "a failed", at: session.now() })
    session.send({ type: "RETRY", at: session.now() })
    const effects = session.send({ type: "START", at: session.now() })
    expect(effects.filter((effect) => effect.type.startsWith("session."))).toEqual([
      { type: "session.retry_task", taskId: "a", blocked: false },
      { type: "session.retry_task", taskId: "b", blocked: true },
    ])
    expect(session.context().tasks.map((t) => t.status)).toEqual(["ready", "blocked", "in_progress"])
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("completed"))
    session.report("c", "completed")
    expect(session.state()).toBe("completed")
  })

  it("START after a timeout retries the tasks the timeout cancelled", () => {
    const session = sessionIn("running", chain)
    session.report("a", "assigned", "in_progress")
    session.send({ type: "TIMEOUT", seq: 1, at: session.now() })
    session.send({ type: "RETRY", at: session.now() })
    const effects = session.send({ type: "START", at: session.now() })
    expect(ofType(effects, "session.retry_task").map((effect) => effect.taskId)).toEqual(["a", "b", "c"])
    expect(ofType(effects, "session.create_task")).toEqual([])
  })

  it("START releases tasks whose dependencies completed while the session was not running", () => {
    const session = sessionIn("running", chain)
    session.report("a", "assigned", "in_progress")
    session.send({ type: "FAIL", reason: "operator", at: session.now() })
    expect(session.report("a", "completed")).toEqual([])
    session.send({ type: "RETRY", at: session.now() })
    const effects = session.send({ type: "START", at: session.now() })
    expect(ofType(effects, "session.unblock_task")).toEqual([{ type: "session.unblock_task", taskId: "b" }])
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
