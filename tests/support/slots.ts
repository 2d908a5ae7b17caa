// Test support for an agent's slots on a real runtime: tasks and agents appended as the edge would, the events an
// actor applied, an agent idle with its free slots kept by the router (so a wake gives them straight), and a batch
// plan carrying only an outbox (to carry out, or carry out again as a redelivery, without a runtime).
import { randomUUID } from "node:crypto"
import { keptFree } from "../../src/redis/ready-queue.ts"
import type { OutboxItem } from "../../src/runtime/outbox.ts"
import type { BatchPlan } from "../../src/runtime/plan-batch.ts"
import { waitFor, type TestDeployment } from "./runtime.ts"

export type Row = { readonly state: string; readonly snapshot: unknown }

/** The agent a task's stored snapshot names (null: none). */
export const agentOf = (row: Row): string | null => (row.snapshot as { context: { agentId: string | null } }).context.agentId

/** The events of the actor's recorded transitions, in order (the commands of one batched entry may share one). */
export const appliedEvents = async (d: TestDeployment, kind: string, id: string): Promise<string[]> =>
  (await d.transitions(kind, id)).map((transition) => transition.event)

/** Appends a task's CREATE: `capability`, no dependencies, not blocked. */
export const createTask = (d: TestDeployment, id: string, capability: string) =>
  d.append({ kind: "task", id, type: "CREATE", payload: { id, title: "t", capability, dependsOn: [], blocked: false } })

/** A new agent of `capability`, connected. */
export const connectedAgent = async (d: TestDeployment, capability: string, maxConcurrency: number): Promise<string> => {
  const agentId = randomUUID()
  await d.append({
    kind: "agent",
    id: agentId,
    type: "CREATE",
    payload: { id: agentId, name: "slots", capabilities: [capability], maxConcurrency },
  })
  await d.append({ kind: "agent", id: agentId, type: "CONNECT", payload: {} })
  return agentId
}

/** A new agent, connected and idle: its free slots kept by the router (its fill routed), so a wake gives them straight. */
export const idleAgent = async (d: TestDeployment, capability: string, maxConcurrency: number): Promise<string> => {
  const agentId = await connectedAgent(d, capability, maxConcurrency)
  await waitFor(`${agentId}'s free slots kept`, async () =>
    (await keptFree(d.redis, d.keys, agentId)) === maxConcurrency ? true : undefined,
  )
  return agentId
}

/** A batch's plan with nothing but `outbox` to carry out; `replayed`: the entries it carries out again (redelivered). */
export const outboxPlan = (outbox: ReadonlyArray<OutboxItem>, replayed: ReadonlySet<string> = new Set()): BatchPlan => ({
  rows: [],
  purges: [],
  transitions: [],
  outbox: [...outbox],
  deadLetters: [],
  ackIds: [],
  working: new Map(),
  counts: { applied: 0, rejected: 0, redelivered: replayed.size },
  replayed,
})
