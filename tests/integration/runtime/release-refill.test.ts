// An agent's next reservation rides on its RELEASE: the batch that releases a task takes, in its routing call, one
// ready task for the freed slot and appends RELEASE carrying it; the agent reserves it in the same step (one agent
// entry per slot cycle, no RESERVE from the router). More tasks than slots complete exactly once, with far fewer
// RESERVE entries than tasks.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../../src/redis/partition.ts"
import { routeBatch, waitingFor } from "../../../src/redis/ready-queue.ts"
import { finishBatch } from "../../../src/runtime/execute-batch.ts"
import type { OutboxItem } from "../../../src/runtime/outbox.ts"
import type { BatchPlan } from "../../../src/runtime/plan-batch.ts"
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

  it("takes no second task when a redelivered entry's RELEASE is carried out again", async () => {
    const capability = `replay-${randomUUID().slice(0, 8)}`
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()]
    const agentId = randomUUID()
    // Three tasks wait, most urgent first; the agent's fill (free 1) takes the first and stores its capabilities.
    await routeBatch(d.redis, d.keys, {
      releases: [],
      fills: [],
      tasks: [first, second, third].map((taskId, n) => ({ capability, group: null, taskId, priority: 2, since: 1_000 + n })),
      wakeAgents: 0,
    })
    await routeBatch(d.redis, d.keys, {
      releases: [],
      fills: [{ agentId, capabilities: [capability], free: 1, score: 0 }],
      tasks: [],
      wakeAgents: 0,
    })
    // A batch released a task held by the agent: its RELEASE carries the second task.
    const release: OutboxItem = { _tag: "release", agentId, taskId: randomUUID(), outcome: "completed", entryId: "5-0", cmdId: "0/5-0/0" }
    const plan = (replayed: ReadonlySet<string>): BatchPlan => ({
      rows: [],
      purges: [],
      transitions: [],
      outbox: [release],
      deadLetters: [],
      ackIds: [],
      working: new Map(),
      counts: { applied: 0, rejected: 0, redelivered: replayed.size },
      replayed,
    })
    await finishBatch(d.batchIo(), 0, plan(new Set()))
    expect(await waitingFor(d.redis, d.keys, capability)).toEqual([third])
    // The entry redelivered: its items carried out again take nothing (the RELEASE itself is deduplicated away).
    await finishBatch(d.batchIo(), 0, plan(new Set(["5-0"])))
    expect(await waitingFor(d.redis, d.keys, capability)).toEqual([third])
    const inbox = d.keys.partition(partitionOf("agent", agentId, d.partitions)).inbox
    const releases = (await d.redis.xrange(inbox, "-", "+"))
      .map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : []))))
      .filter((entry) => entry["actor"] === `agent:${agentId}` && entry["type"] === "RELEASE")
    expect(releases).toHaveLength(1)
    expect(JSON.parse(String(releases[0]!["payload"]))).toMatchObject({ next_task_id: second })
  })
})
