// The session binding: the session's DAG decisions become commands to its tasks, created from
// the session's own task specs.
import { describe, expect, it } from "vitest"
import { sessionKind } from "../../../actors/session.ts"

const session = {
  priority: 1,
  tasks: [
    { id: "t1", key: "compile", title: "Compile", capability: "build", dependsOn: [], spec: { payload: { x: 1 }, timeoutS: 60, maxAttempts: 2, priority: 0 } },
    { id: "t2", key: "ship", title: "Ship", capability: "deploy", dependsOn: ["t1"], spec: {} },
  ],
}
const out = (effect: Record<string, unknown>) => sessionKind.outputs(effect as never, { id: "s1", context: session })
const toTask = (id: string, type: string, payload: object = {}) => ({ _tag: "send", to: { kind: "task", id }, type, payload })

describe("session binding", () => {
  it("creates a task from the session's spec of it", () => {
    expect(out({ type: "session.create_task", taskId: "t1", blocked: false })).toEqual([toTask("t1", "CREATE", {
      id: "t1", sessionId: "s1", key: "compile", title: "Compile", capability: "build", dependsOn: [], blocked: false,
      payload: { x: 1 }, timeoutS: 60, maxAttempts: 2, priority: 0,
    })])
    expect(out({ type: "session.create_task", taskId: "t2", blocked: true })).toEqual([toTask("t2", "CREATE", {
      id: "t2", sessionId: "s1", key: "ship", title: "Ship", capability: "deploy", dependsOn: ["t1"], blocked: true, payload: {},
    })])
  })

  it("retries a task, unblocking it at once when it waits on nothing", () => {
    expect(out({ type: "session.retry_task", taskId: "t1", blocked: false })).toEqual([toTask("t1", "RETRY"), toTask("t1", "DEPENDENCIES_MET")])
    expect(out({ type: "session.retry_task", taskId: "t2", blocked: true })).toEqual([toTask("t2", "RETRY")])
  })

  it("unblocks and cancels tasks", () => {
    expect(out({ type: "session.unblock_task", taskId: "t2" })).toEqual([toTask("t2", "DEPENDENCIES_MET")])
    expect(out({ type: "session.cancel_task", taskId: "t2", reason: "session stopped" })).toEqual([toTask("t2", "CANCEL", { reason: "session stopped" })])
  })

  it("publishes on sessions and its own topic", () => {
    expect(sessionKind.topics("s1", session)).toEqual(["sessions", "session:s1"])
  })
})
