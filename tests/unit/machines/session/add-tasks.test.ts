// ADD_TASKS (a decomposition): new tasks join the session under the next indexes, held unless it is at
// work, their dependencies among themselves; the decomposed task is told to wait for all of them.
import { describe, expect, it } from "vitest"
import { sessionTaskId } from "../../../../machines/task-ids.ts"
import { SESSION_ID, attempt, ofType, sessionIn, startSession, task } from "./harness.ts"

describe("session ADD_TASKS", () => {
  it("creates the tasks under the next indexes, counts them, and makes the parent wait for them", () => {
    const session = sessionIn("running")
    const parent = sessionTaskId(SESSION_ID, 1)
    const [x, y] = [sessionTaskId(SESSION_ID, 2), sessionTaskId(SESSION_ID, 3)]
    const effects = session.send({ type: "ADD_TASKS", tasks: [task("x"), task("y", ["x"])], firstIndex: 2, parentId: parent, at: session.now() })
    expect(ofType(effects, "session.add_dependencies")).toEqual([{ type: "session.add_dependencies", taskId: parent, dependsOn: [x, y] }])
    expect(ofType(effects, "session.create_task").map((c) => [c.index, c.key, c.dependsOn, c.dependants, c.held])).toEqual([
      [2, "x", [], [y, parent], false],
      [3, "y", [x], [parent], false],
    ])
    expect(session.context().taskCount).toBe(4)
    // b (the parent) went back to blocked and said so; x is ready, y waits for x
    expect(session.tasks()).toEqual(["ready", "blocked"])
    expect(session.context().metrics.tasks).toMatchObject({ ready: 2, blocked: 2 })
  })

  it("holds the new tasks while the session is pending or paused", () => {
    const session = startSession()
    const effects = session.send({ type: "ADD_TASKS", tasks: [task("x")], firstIndex: 2, at: session.now() })
    expect(ofType(effects, "session.create_task").map((c) => c.held)).toEqual([true])
    expect(session.context().metrics.tasks).toMatchObject({ blocked: 3 })
  })

  it("is refused when the session's task count is not the first index the ids were derived from", () => {
    const session = sessionIn("running")
    expect(session.send({ type: "ADD_TASKS", tasks: [task("x")], firstIndex: 1, at: session.now() })).toEqual([{
      type: "command.rejected", command: "ADD_TASKS", state: "running", code: "conflict",
      reason: "the session has 2 tasks, not 1: its tasks changed meanwhile, try again",
    }])
    expect(session.context().taskCount).toBe(2)
  })

  it("is refused once the session is over", () => {
    const session = sessionIn("running")
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("completed"))
    expect(session.send({ type: "ADD_TASKS", tasks: [task("x")], firstIndex: 2, at: session.now() })).toEqual([
      expect.objectContaining({ type: "command.rejected", code: "conflict" }),
    ])
    expect(session.context().taskCount).toBe(2)
  })
})
