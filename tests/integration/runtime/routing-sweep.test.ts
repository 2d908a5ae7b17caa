// The routing sweep puts back in its queue a ready task a crash dropped between being taken and being
// proposed, and leaves alone a task taken lately (its proposal is on its way): queueing that one again
// would offer it to a second agent, whose reservation the task then refuses.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { routeBatch, TAKEN_HOLD_MS, waitingFor } from "../../../src/redis/ready-queue.ts"
import { createRouter } from "../../../src/runtime/router.ts"
import { QUICK, testDeployment, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment()
  // Its own sweeps would race this test's: they run once an hour here.
  await deployment.startRuntime({ ...QUICK, sweepMs: 3_600_000 })
})
afterAll(() => deployment.close())

const WAIT_MS = 2_000

describe("routing sweep", () => {
  it("does not queue again a task taken lately, and queues one taken longer ago than the hold", async () => {
    const capability = `sweep-${randomUUID().slice(0, 8)}`
    const id = randomUUID()
    await deployment.append({
      kind: "task",
      id,
      type: "CREATE",
      payload: { id, title: "swept", capability, dependsOn: [], blocked: false },
    })
    await deployment.actor("task", id, (task) => task.state === "ready")
    const router = createRouter({
      sql: deployment.schema.sql,
      redis: deployment.redis,
      keys: deployment.keys,
      appendEach: deployment.appendEach,
      clock: Date.now,
    })
    // Taken as if for a proposal, which a crash then dropped: the task is still `ready`.
    const taker = { agentId: randomUUID(), capabilities: [capability], free: 1, score: 1 }
    const taken = await routeBatch(deployment.redis, deployment.keys, { releases: [], fills: [taker], tasks: [], wakeAgents: 0 })
    expect(taken).toEqual({ fills: [{ agentId: taker.agentId, taskId: id }], wakes: [], settles: [], leaving: [], gives: [] })
    const later = Date.now() + WAIT_MS + 1_000
    await router.sweep(later, WAIT_MS)
    expect(await waitingFor(deployment.redis, deployment.keys, capability)).toEqual([])
    await router.sweep(later + TAKEN_HOLD_MS, WAIT_MS)
    expect(await waitingFor(deployment.redis, deployment.keys, capability)).toEqual([id])
  })
})
