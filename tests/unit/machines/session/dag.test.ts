// The session owns its task DAG: START creates the tasks, completions unblock dependants, lost tasks cancel theirs.
import { describe, expect, it } from "vitest"
import { readyTasks, type SessionTask } from "../../../../machines/session.ts"
import { attempt, ofType, startSession, task } from "./harness.ts"

function started(tasks: ReturnType<typeof task>[]) {
  const session = startSession({ tasks })
  const creation = session.send({ type: "START", at: session.now() })
  return { session, creation }
}

const unblocked = (effects: ReturnType<ReturnType<typeof startSession>["send"]>) =>
  ofType(effects, "session.unblock_task").map((effect) => effect.taskId)

describe("task creation on START", () => {
  it("creates every task in order, blocked unless it has no dependencies", () => {
    const { session, creation } = started([task("a"), task("b", ["a"]), task("c"), task("d", ["b", "c"])])
    expect(creation).toEqual([
      { type: "session.create_task", taskId: "a", blocked: false },
      { type: "session.create_task", taskId: "b", blocked: true },
      { type: "session.create_task", taskId: "c", blocked: false },
      { type: "session.create_task", taskId: "d", blocked: true },
    ])
    expect(session.context().tasks.map((t) => t.status)).toEqual(["ready", "blocked", "ready", "blocked"])
    expect(session.context().metrics.tasks).toMatchObject({ ready: 2, blocked: 2, not_created: 0 })
  })

  it("finishes at once, completed, when the session has no tasks", () => {
    const { session, creation } = started([])
    expect(creation).toEqual([])
    expect(session.state()).toBe("completed")
    expect(session.status()).toBe("done")
  })
})

describe("unblocking", () => {
  it("walks a chain one task at a time", () => {
    const { session } = started([task("a"), task("b", ["a"]), task("c", ["b"])])
    expect(unblocked(session.report("a", ...attempt("completed")))).toEqual(["b"])
    expect(session.context().tasks.map((t) => t.status)).toEqual(["completed", "ready", "blocked"])
    expect(unblocked(session.report("b", ...attempt("completed")))).toEqual(["c"])
    expect(session.report("c", ...attempt("completed"))).toEqual([])
    expect(session.state()).toBe("completed")
  })

  it("waits for both sides of a diamond", () => {
    const { session } = started([task("a"), task("b", ["a"]), task("c", ["a"]), task("d", ["b", "c"])])
    expect(unblocked(session.report("a", ...attempt("completed")))).toEqual(["b", "c"])
    expect(unblocked(session.report("b", ...attempt("completed")))).toEqual([])
    expect(session.context().tasks.find((t) => t.id === "d")?.status).toBe("blocked")
    expect(unblocked(session.report("c", ...attempt("completed")))).toEqual(["d"])
  })

  it("releases every branch of a fan-out with one completion", () => {
    const { session } = started([task("root"), task("x", ["root"]), task("y", ["root"]), task("z", ["root"])])
    expect(session.report("root", ...attempt("completed"))).toEqual([
      { type: "session.unblock_task", taskId: "x" },
      { type: "session.unblock_task", taskId: "y" },
      { type: "session.unblock_task", taskId: "z" },
    ])
  })

  it("unblocks nothing before the dependency completes, and only once", () => {
    const { session } = started([task("a"), task("b", ["a"])])
    expect(session.report("a", "assigned", "in_progress", "retry_wait", "ready")).toEqual([])
    expect(unblocked(session.report("a", ...attempt("completed")))).toEqual(["b"])
    expect(session.report("a", "completed")).toEqual([])
  })
})

describe("dependants of a task that failed for good", () => {
  it("are cancelled, transitively, naming the lost dependency", () => {
    const { session } = started([task("a"), task("c", ["b"]), task("b", ["a"]), task("other")])
    const effects = session.report("a", ...attempt("failed"))
    expect(effects).toEqual([
      { type: "session.cancel_task", taskId: "b", reason: "dependency a failed" },
      { type: "session.cancel_task", taskId: "c", reason: "dependency b cancelled" },
    ])
    expect(session.context().tasks.map((t) => t.status)).toEqual(["failed", "cancelled", "cancelled", "ready"])
    expect(session.state()).toBe("running")
  })

  it("are cancelled when the dependency timed out or was cancelled", () => {
    const timedOut = started([task("a"), task("b", ["a"])]).session
    expect(timedOut.report("a", "assigned", "timed_out")).toEqual([
      { type: "session.cancel_task", taskId: "b", reason: "dependency a timed_out" },
    ])
    const cancelled = started([task("a"), task("b", ["a"])]).session
    expect(cancelled.report("a", "cancelled")).toEqual([
      { type: "session.cancel_task", taskId: "b", reason: "dependency a cancelled" },
    ])
  })

  it("are left alone while the dependency is only waiting to retry", () => {
    const { session } = started([task("a"), task("b", ["a"])])
    expect(session.report("a", ...attempt("retry_wait"))).toEqual([])
    expect(session.context().tasks.find((t) => t.id === "b")?.status).toBe("blocked")
  })

  it("include a diamond's join when one side is lost", () => {
    const { session } = started([task("a"), task("b", ["a"]), task("c", ["a"]), task("d", ["b", "c"])])
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("completed"))
    expect(session.report("c", ...attempt("failed"))).toEqual([
      { type: "session.cancel_task", taskId: "d", reason: "dependency c failed" },
    ])
    expect(session.state()).toBe("partially_completed")
  })
})

describe("readyTasks", () => {
  const view = (statuses: Record<string, SessionTask["status"]>, deps: Record<string, string[]>): SessionTask[] =>
    Object.entries(statuses).map(([id, status]) => ({ ...task(id, deps[id] ?? []), status }))

  it("lists blocked tasks whose dependencies all completed, in order", () => {
    const tasks = view(
      { a: "completed", b: "blocked", c: "blocked", d: "in_progress", e: "blocked" },
      { b: ["a"], c: ["a", "d"], e: [] },
    )
    expect(readyTasks({ tasks })).toEqual(["b", "e"])
  })

  it("does not list tasks already released or finished", () => {
    const tasks = view({ a: "completed", b: "ready", c: "cancelled" }, { b: ["a"], c: ["a"] })
    expect(readyTasks({ tasks })).toEqual([])
  })
})
