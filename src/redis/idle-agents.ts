// Idle agents: per capability, the agents that asked for work and found none, with how many
// slots they had free. When a task of that capability becomes ready the router wakes them from
// here, without a database read; an entry is a hint (an agent that went away meanwhile refuses
// the proposal, and the task goes back to its queue).
import type { Redis } from "ioredis"

export interface IdleAgent {
  readonly agentId: string
  readonly free: number
}

/** Records that `agentId` has `free` slots and nothing to do for each of `keys` (0 slots: not idle). */
export const markIdle = async (redis: Redis, keys: ReadonlyArray<string>, agentId: string, free: number): Promise<void> => {
  await Promise.all(keys.map((key) => (free > 0 ? redis.zadd(key, free, agentId) : redis.zrem(key, agentId))))
}

/** Takes the idle agent with the most free slots for `key`, if any. */
export const popIdle = async (redis: Redis, key: string): Promise<IdleAgent | undefined> => {
  const [agentId, free] = await redis.zpopmax(key, 1)
  return agentId === undefined ? undefined : { agentId, free: Number(free) }
}
