// One task's batches planned as the runtime plans them (its kind alone, its partition of 16): the decode, the
// inbox entry and the plan that the planner's unit tests share.
import { taskKind } from "../../actors/task.ts"
import { partitionOf } from "../../src/redis/partition.ts"
import type { ActorHost, StoredActor } from "../../src/runtime/actor-host.ts"
import { planBatch, type BatchPlan, type Decoded, type InboxEntry } from "../../src/runtime/plan-batch.ts"

export const taskPlanner = (id: string, partitions = 16) => {
  const kinds = new Map([["task", taskKind]])
  const decode = (fields: Readonly<Record<string, string>>): Decoded => ({
    ok: true,
    commands: [{ kind: "task", id, type: fields["type"]!, payload: JSON.parse(fields["payload"]!) }],
  })
  const entry = (streamId: string, type: string, payload: object = {}): InboxEntry => ({
    id: streamId,
    fields: { type, actor: `task:${id}`, payload: JSON.stringify(payload) },
  })
  const plan = (entries: InboxEntry[], host: ActorHost, stored = new Map<string, StoredActor>()): BatchPlan =>
    planBatch({ partition: partitionOf("task", id, partitions), partitions, entries, decode, kinds, host, stored })
  return { entry, plan }
}
