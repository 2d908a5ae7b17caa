// One actor's batches planned as the runtime plans them (its partition of 16 by default): the decode, the inbox entry
// and the plan that the planner's unit tests share. `taskPlanner`: a task's, with its kind alone.
import { taskKind } from "../../actors/task.ts"
import { partitionOf } from "../../src/redis/partition.ts"
import type { ActorHost, StoredActor } from "../../src/runtime/actor-host.ts"
import type { ActorKind } from "../../src/runtime/actor-kind.ts"
import { planBatch, type BatchPlan, type Decoded, type InboxEntry } from "../../src/runtime/plan-batch.ts"

export const actorPlanner = (kind: string, id: string, kinds: ReadonlyMap<string, ActorKind>, partitions = 16) => {
  const decode = (fields: Readonly<Record<string, string>>): Decoded => ({
    ok: true,
    commands: [{ kind, id, type: fields["type"]!, payload: JSON.parse(fields["payload"]!), replyTo: fields["replyTo"] }],
  })
  const entry = (streamId: string, type: string, payload: object = {}, replyTo?: string): InboxEntry => ({
    id: streamId,
    fields: { type, actor: `${kind}:${id}`, payload: JSON.stringify(payload), ...(replyTo ? { replyTo } : {}) },
  })
  /** Plans `entries`; `pending`: a batch planned before, still being committed and carried out. */
  const plan = (entries: InboxEntry[], host: ActorHost, stored = new Map<string, StoredActor>(), pending?: BatchPlan): BatchPlan =>
    planBatch({
      partition: partitionOf(kind, id, partitions),
      partitions,
      entries,
      decode,
      kinds,
      host,
      stored,
      pending: pending?.working,
      pendingEntryIds: pending && new Set(pending.ackIds),
    })
  return { entry, plan }
}

export const taskPlanner = (id: string, partitions = 16) => actorPlanner("task", id, new Map([["task", taskKind]]), partitions)
