// The DAG runs between the tasks: the session creates them (held until START), each task tells its dependants
// when it finishes, a task whose dependencies all completed becomes ready, and the dependants of a task that
// failed for good are cancelled, transitively, each reporting to the session so its counts stay right.
import { describe, expect, it } from "vitest"
import { attempt, startSession, task } from "./harness.ts"

function started(tasks: ReturnType<typeof task>[]) {
  const session = startSession({ tasks })
  session.sent()
  const effects = session.send({ type: "START", at: session.now() })
  return { session, effects }
}

describe("tasks on START", () => {
  it("runs every task: those with nothing to wait for become ready, the others stay blocked", () => {
    const { session, effects } = started([task("a"), task("b", ["a"]), task("c"), task("d", ["b", "c"])])
    expect(effects).toEqual([{ type: "session.run_tasks", epoch: 1 }])
    expect(session.sent().map((command) => [command.type, command.payload])).toEqual(
      Array.from({ length: 4 }, () => ["SESSION_RUN", { epoch: 1 }]),
    )
    expect(session.tasks()).toEqual(["ready", "blocked", "ready", "blocked"])
    expect(session.context().metrics.tasks).toMatchObject({ ready: 2, blocked: 2 })
  })

  it("finishes at once, completed, when the session has no tasks", () => {
    const { session, effects } = started([])
    expect(effects).toEqual([{ type: "session.run_tasks", epoch: 1 }])
    expect(session.sent()).toEqual([])
    expect(session.state()).toBe("completed")
  })
})

describe("unblocking", () => {
  it("walks a chain one task at a time", () => {
    const { session } = started([task("a"), task("b", ["a"]), task("c", ["b"])])
    session.report("a", ...attempt("completed"))
    expect(session.tasks()).toEqual(["completed", "ready", "blocked"])
    session.report("b", ...attempt("completed"))
    expect(session.tasks()).toEqual(["completed", "completed", "ready"])
    session.report("c", ...attempt("completed"))
    expect(session.state()).toBe("completed")
  })

  it("waits for both sides of a diamond", () => {
    const { session } = started([task("a"), task("b", ["a"]), task("c", ["a"]), task("d", ["b", "c"])])
    session.report("a", ...attempt("completed"))
    expect(session.tasks()).toEqual(["completed", "ready", "ready", "blocked"])
    session.report("b", ...attempt("completed"))
    expect(session.tasks()[3]).toBe("blocked")
    expect(session.taskContext("d").dependenciesDone).toEqual([session.taskContext("b").id])
    session.report("c", ...attempt("completed"))
    expect(session.tasks()[3]).toBe("ready")
  })

  it("releases every branch of a fan-out with one completion", () => {
    const { session } = started([task("root"), task("x", ["root"]), task("y", ["root"]), task("z", ["root"])])
    session.report("root", ...attempt("completed"))
    expect(session.tasks()).toEqual(["completed", "ready", "ready", "ready"])
    expect(session.context().metrics.tasks).toMatchObject({ completed: 1, ready: 3, blocked: 0 })
  })

  it("unblocks nothing before the dependency completes, and only once", () => {
    const { session } = started([task("a"), task("b", ["a"])])
    session.report("a", "assigned", "in_progress", "retry_wait", "ready")
    expect(session.tasks()).toEqual(["ready", "blocked"])
    session.report("a", ...attempt("completed"))
    expect(session.tasks()).toEqual(["completed", "ready"])
    expect(session.taskContext("b").dependenciesDone).toHaveLength(1)
  })
})

describe("dependants of a task that failed for good", () => {
  it("are cancelled, transitively, naming the lost dependency", () => {
    const { session } = started([task("a"), task("c", ["b"]), task("b", ["a"]), task("other")])
    session.report("a", ...attempt("failed"))
    expect(session.tasks()).toEqual(["failed", "cancelled", "cancelled", "ready"])
    expect(session.taskContext("b").cancelReason).toBe(`dependency ${session.taskContext("a").id} failed`)
    expect(session.taskContext("c").cancelReason).toBe(`dependency ${session.taskContext("b").id} cancelled`)
    expect(session.context().metrics.tasks).toMatchObject({ failed: 1, cancelled: 2, ready: 1, blocked: 0 })
    expect(session.state()).toBe("running")
  })

  it("are cancelled when the dependency timed out or was cancelled", () => {
    const timedOut = started([task("a"), task("b", ["a"])]).session
    timedOut.report("a", "assigned", "timed_out")
    expect(timedOut.taskContext("b").cancelReason).toBe(`dependency ${timedOut.taskContext("a").id} timed_out`)
    const cancelled = started([task("a"), task("b", ["a"])]).session
    cancelled.report("a", "cancelled")
    expect(cancelled.taskContext("b").cancelReason).toBe(`dependency ${cancelled.taskContext("a").id} cancelled`)
    expect(cancelled.tasks()).toEqual(["cancelled", "cancelled"])
  })

  it("are left alone while the dependency is only waiting to retry", () => {
    const { session } = started([task("a"), task("b", ["a"])])
    session.report("a", ...attempt("retry_wait"))
    expect(session.tasks()).toEqual(["retry_wait", "blocked"])
  })

  it("include a diamond's join when one side is lost", () => {
    const { session } = started([task("a"), task("b", ["a"]), task("c", ["a"]), task("d", ["b", "c"])])
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("completed"))
    session.report("c", ...attempt("failed"))
    expect(session.tasks()).toEqual(["completed", "completed", "failed", "cancelled"])
    expect(session.taskContext("d").cancelReason).toBe(`dependency ${session.taskContext("c").id} failed`)
    expect(session.state()).toBe("partially_completed")
  })
})
