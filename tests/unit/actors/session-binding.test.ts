// The session binding: the session's creation becomes one CREATE per task, and each sweep one command to
// every task, addressed by the ids derived from the session id and the task's index.
import { describe, expect, it } from "vitest"
import { sessionKind } from "../../../actors/session.ts"
import { sessionTaskId } from "../../../machines/task-ids.ts"

const SESSION = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
const session = { priority: 1, taskCount: 3 }
const out = (effect: Record<string, unknown>) => sessionKind.outputs(effect as never, { id: SESSION, context: session })
const toTask = (id: string, type: string, payload: object = {}) => ({ _tag: "send", to: { kind: "task", id }, type, payload })
const ids = [0, 1, 2].map((index) => sessionTaskId(SESSION, index))

describe("session binding", () => {
  it("creates a task from its creation effect, with the spec's fields when given", () => {
    const creation = {
      type: "session.create_task",
      taskId: ids[0],
      index: 0,
      key: "compile",
      title: "Compile",
      capability: "build",
      dependsOn: [],
      dependants: [ids[1]],
      held: true,
      epoch: 0,
    }
    expect(out({ ...creation, spec: { payload: { x: 1 }, timeoutS: 60, maxAttempts: 2, priority: 0 } })).toEqual([
      toTask(ids[0]!, "CREATE", {
        id: ids[0],
        sessionId: SESSION,
        index: 0,
        key: "compile",
        title: "Compile",
        capability: "build",
        dependsOn: [],
        dependants: [ids[1]],
        blocked: true,
        epoch: 0,
        payload: { x: 1 },
        timeoutS: 60,
        maxAttempts: 2,
        priority: 0,
      }),
    ])
    const gated = { group: "tenant-a", requiresApproval: true, approvalTimeoutS: 30 }
    expect(out({ ...creation, spec: gated })).toEqual([
      toTask(ids[0]!, "CREATE", {
        id: ids[0],
        sessionId: SESSION,
        index: 0,
        key: "compile",
        title: "Compile",
        capability: "build",
        dependsOn: [],
        dependants: [ids[1]],
        blocked: true,
        epoch: 0,
        payload: {},
        ...gated,
      }),
    ])
    expect(out({ ...creation, spec: {} })).toEqual([
      toTask(ids[0]!, "CREATE", {
        id: ids[0],
        sessionId: SESSION,
        index: 0,
        key: "compile",
        title: "Compile",
        capability: "build",
        dependsOn: [],
        dependants: [ids[1]],
        blocked: true,
        epoch: 0,
        payload: {},
      }),
    ])
  })

  it("sends each sweep to every task, in index order, from the task count alone", () => {
    expect(out({ type: "session.run_tasks", epoch: 2 })).toEqual(ids.map((id) => toTask(id, "SESSION_RUN", { epoch: 2 })))
    expect(out({ type: "session.hold_tasks" })).toEqual(ids.map((id) => toTask(id, "SESSION_HOLD")))
    expect(out({ type: "session.cancel_tasks", reason: "session stopped", epoch: 3 })).toEqual(
      ids.map((id) => toTask(id, "SESSION_CANCEL", { reason: "session stopped", epoch: 3 })),
    )
  })

  it("publishes on sessions and its own topic", () => {
    expect(sessionKind.topics(SESSION, session)).toEqual(["sessions", `session:${SESSION}`])
  })
})
