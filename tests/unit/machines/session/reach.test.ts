// What reaches a session's tasks, and what they tell it (docs/machines.md, "Which tasks a sweep must reach"):
// a task created while its session is at work is runnable at once and never needs SESSION_RUN; only the tasks
// held while it was pending or paused are reached by START and RESUME (the run sweep's epoch: a new one at
// START, the current one at RESUME); the tasks' reports name them by their index alone.
import { describe, expect, it } from "vitest"
import { sessionTaskId } from "../../../../machines/task-ids.ts"
import { SESSION_ID, sessionIn, startSession, task } from "./harness.ts"

const ids = (count: number) => Array.from({ length: count }, (_, index) => sessionTaskId(SESSION_ID, index))

describe("what reaches a session's tasks", () => {
  it("a session created with start: true creates its tasks runnable: CREATEs only, no SESSION_RUN", () => {
    const session = startSession({ start: true })
    expect(session.sent().map((command) => [command.type, command.to, command.payload["blocked"]])).toEqual(
      ids(2).map((id) => ["CREATE", id, false]),
    )
    expect(session.tasks()).toEqual(["ready", "ready"])
    expect(session.context().metrics.tasks).toMatchObject({ ready: 2, blocked: 0 })
  })

  it("a task added while the session runs is created runnable: its CREATE is all it is sent", () => {
    const session = sessionIn("running")
    session.sent()
    const ready = session.context().metrics.tasks.ready
    session.send({ type: "ADD_TASKS", tasks: [task("x")], firstIndex: 2, at: session.now() })
    expect(session.sent()).toEqual([
      { type: "CREATE", to: sessionTaskId(SESSION_ID, 2), payload: expect.objectContaining({ blocked: false }) },
    ])
    // counted ready at its creation: the task has nothing to report
    expect(session.context().metrics.tasks.ready).toBe(ready + 1)
  })

  it("START reaches each held task once, in a new epoch; RESUME reaches them again in the same epoch", () => {
    const session = startSession({ tasks: [task("a"), task("b", ["a"])] })
    session.sent()
    session.send({ type: "START", at: session.now() })
    expect(session.sent()).toEqual(ids(2).map((to) => ({ type: "SESSION_RUN", to, payload: { epoch: 1 } })))
    session.report("a", "assigned")
    session.send({ type: "PAUSE", at: session.now() })
    expect(session.sent().map((command) => command.type)).toEqual(["SESSION_HOLD", "SESSION_HOLD"])
    session.send({ type: "RESUME", at: session.now() })
    expect(session.sent()).toEqual(ids(2).map((to) => ({ type: "SESSION_RUN", to, payload: { epoch: 1 } })))
    expect(session.context().metrics.tasks).toMatchObject({ assigned: 1, blocked: 1 })
  })

  it("counts a report that names its task by index alone, and refuses one whose index is not one of its tasks", () => {
    const session = sessionIn("running")
    const before = session.context().metrics.tasks
    session.send({ type: "TASK_STATUS", index: 1, from: "ready", status: "assigned", epoch: 1, at: session.now() })
    expect(session.context().metrics.tasks).toMatchObject({ ready: before.ready - 1, assigned: before.assigned + 1 })
    const counted = session.context()
    expect(session.send({ type: "TASK_STATUS", index: 2, from: "ready", status: "assigned", epoch: 1, at: session.now() })).toEqual([
      { type: "command.rejected", command: "TASK_STATUS", state: "running", code: "conflict", reason: "unknown task at index 2" },
    ])
    expect(session.context()).toEqual(counted)
  })
})
