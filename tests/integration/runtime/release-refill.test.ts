// An agent's next reservation rides on its RELEASE: the batch that releases a task takes, in its routing call, one
// ready task for the freed slot and appends RELEASE carrying it; the agent reserves it in the same step (one agent
// entry per slot cycle, no RESERVE from the router). More tasks than slots complete exactly once, with far fewer
// RESERVE entries than tasks.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { completeAssignedTasks, testDeployment, type TestDeployment } from "../../support/runtime.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment()
  await d.startRuntime()
})
afterAll(() => d.close())

/** The events of the agent's recorded transitions, in order (the commands of one batched entry may share one). */
const appliedEvents = async (agentId: string): Promise<string[]> =>
  (await d.transitions("agent", agentId)).map((transition) => transition.event)

describe("a RELEASE carrying the next reservation", () => {
  it("runs N tasks on fewer slots to completion exactly once, the freed slots refilled on the RELEASEs", async () => {
    const capability = `refill-${randomUUID().slice(0, 8)}`
    const tasks = Array.from({ length: 16 }, () => randomUUID())
    for (const id of tasks)
      await d.append({ kind: "task", id, type: "CREATE", payload: { id, title: "t", capability, dependsOn: [], blocked: false } })
    const agentId = randomUUID()
    await d.append({
      kind: "agent",
      id: agentId,
      type: "CREATE",
      payload: { id: agentId, name: "refiller", capabilities: [capability], maxConcurrency: 2 },
    })
    await d.append({ kind: "agent", id: agentId, type: "CONNECT", payload: {} })

    const done = await completeAssignedTasks(d, tasks.length, 30_000)
    expect([...done].sort()).toEqual([...tasks].sort())
    // Exactly once: each task assigned once (one attempt, by this agent) and completed once.
    for (const id of tasks) {
      const states = (await d.transitions("task", id)).map((transition) => transition.to)
      expect(states.filter((state) => state === "assigned")).toHaveLength(1)
      expect(states.filter((state) => state === "completed")).toHaveLength(1)
    }
    const idle = (row: { readonly state: string; readonly snapshot: unknown }) =>
      row.state === "online" && (row.snapshot as { context: { inflight: string[] } }).context.inflight.length === 0
    expect(idle(await d.actor("agent", agentId, idle))).toBe(true)
    // The first fill takes two tasks by RESERVE; nearly every later one rides on a RELEASE.
    const types = await appliedEvents(agentId)
    const reserves = types.filter((type) => type === "RESERVE").length
    expect(reserves).toBeGreaterThanOrEqual(2)
    expect(reserves).toBeLessThan(tasks.length / 2)
    expect(types.filter((type) => type === "RELEASE").length).toBeGreaterThan(0)
  }, 60_000)
})
