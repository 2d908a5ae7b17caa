// tests/support/runtime.ts `completeAssignedTasks` plays each attempt of a task, not only the first: its
// command ids name the attempt, so when the START and COMPLETE it appended for one attempt came too late
// (the agent failed that attempt first) the task's next attempt is started and completed all the same,
// not refused as a repeat of the commands of the attempt before.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { completeAssignedTasks, entriesAdded, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
})
afterAll(() => deployment.close())

describe("completeAssignedTasks", () => {
  it("completes a task's second attempt after its commands for the first one came too late", async () => {
    await deployment.startRuntime()
    const [agentId, taskId] = [randomUUID(), randomUUID()]
    await deployment.append({
      kind: "agent",
      id: agentId,
      type: "CREATE",
      payload: { id: agentId, name: "twice", capabilities: ["twice"] },
    })
    await deployment.append({ kind: "agent", id: agentId, type: "CONNECT", payload: {} })
    const create = { id: taskId, title: "twice", capability: "twice", dependsOn: [], blocked: false, maxAttempts: 2 }
    await deployment.append({ kind: "task", id: taskId, type: "CREATE", payload: create })
    await deployment.actor("task", taskId, (row) => row.state === "assigned")
    // No runtime while the agent fails attempt 1 and the helper plays it: its commands queue behind the failure.
    await deployment.stopAll()
    const inbox = deployment.keys.partition(0).inbox
    const before = await entriesAdded(deployment.redis, inbox)
    await deployment.append({ kind: "task", id: taskId, type: "START", payload: { agentId } })
    await deployment.append({ kind: "task", id: taskId, type: "FAIL", payload: { agentId, error: "first attempt" } })
    const completed = completeAssignedTasks(deployment, 1, 20_000)
    await waitFor("the helper's START and COMPLETE of attempt 1 appended", async () =>
      (await entriesAdded(deployment.redis, inbox)) >= before + 4 ? true : undefined,
    )
    await deployment.startRuntime()
    expect([...(await completed)]).toEqual([taskId])
    const stored = await deployment.actor("task", taskId)
    expect((stored.snapshot as { context: { attempt: number } }).context.attempt).toBe(2)
  }, 40_000)
})
