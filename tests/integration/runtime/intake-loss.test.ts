// A task given at its intake to an agent lost before the task's CREATE was appended: the loss's AGENT_LOST reached a
// task that did not exist yet (refused as a missing actor), so without more the task would be created assigned to an
// agent that left and wait for its deadline. The producer (src/runtime/intake.ts) asks once the CREATE is appended
// (intake-lost.lua) and appends the AGENT_LOST the task missed: it goes back to ready at once, and runs elsewhere.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AppendFn, AppendInput } from "../../../src/runtime/append.ts"
import { withIntakeGifts } from "../../../src/runtime/intake.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { agentOf, appliedEvents, connectedAgent, idleAgent, type Row } from "../../support/slots.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment()
  await d.startRuntime()
})
afterAll(() => d.close())

/** The deployment's append, which first has `agentId` deregistered (its loss routed) when the CREATE given to it comes. */
const losingBeforeCreate = (agentId: string): AppendFn => {
  const append: AppendFn = async (command: AppendInput) => {
    if (command.type === "CREATE" && command.payload["givenTo"] === agentId) {
      await d.append({ kind: "agent", id: agentId, type: "DEREGISTER", payload: {} })
      // Its loss routed: it no longer takes transfers, and its given slot is resolved (to a task not created yet).
      await waitFor("the loss routed", async () =>
        (await d.redis.hexists(`${d.keys.route}:agent-caps`, agentId)) === 0 ? true : undefined,
      )
      await d.actor("agent", agentId, (row) => row.state === "deregistered")
    }
    return d.append(command)
  }
  return withIntakeGifts(append, d)
}

describe("a task given at its intake to an agent lost before its CREATE was appended", () => {
  it("goes back to ready at once with the AGENT_LOST it missed, and runs on another agent", async () => {
    const capability = `intake-loss-${randomUUID().slice(0, 8)}`
    const lost = await idleAgent(d, capability, 1)
    const taskId = randomUUID()
    await losingBeforeCreate(lost)({
      kind: "task",
      id: taskId,
      type: "CREATE",
      payload: { id: taskId, title: "t", capability, dependsOn: [], blocked: false, timeoutS: 3600 },
    })
    // Created assigned to the agent that left, then taken back from it (its deadline an hour away).
    const ready = await d.actor("task", taskId, (row: Row) => row.state === "ready")
    expect(agentOf(ready)).toBeNull()
    expect(await appliedEvents(d, "task", taskId)).toEqual(["CREATE", "AGENT_LOST"])
    const created = (await d.transitions("task", taskId))[0]
    expect(created?.to).toBe("assigned")
    // Another agent of the capability, connected now, takes it.
    const other = await connectedAgent(d, capability, 1)
    await d.actor("task", taskId, (row: Row) => row.state === "assigned" && agentOf(row) === other)
  }, 30_000)
})
