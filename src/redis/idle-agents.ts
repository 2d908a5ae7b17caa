// Idle agents: per capability, the agents that asked for work and found none, ranked by their routing
// score (then their free slots), with how many slots they had free. When a task of that capability becomes ready the router wakes them from
// here, without a database read; an entry is a hint (an agent that went away meanwhile refuses
// the proposal, and the task goes back to its queue).
import type { Redis } from "ioredis"

export interface IdleAgent {
  readonly agentId: string
  readonly free: number
  /** Its routing score when it was marked. */
  readonly score: number
}

/** Free slots fit below this in a member's score (max_concurrency is at most 1,000). */
const SLOTS = 2048

/** The member score: the routing score (4 decimals, docs/coordination.md) first, then the free slots. */
const rank = (score: number, free: number): number =>
  Math.round(Math.min(1, Math.max(0, score)) * 10_000) * SLOTS + Math.min(free, SLOTS - 1)

/** Records that `agentId` has `free` slots and nothing to do for each of `keys` (0 slots: not idle), ranked by its routing `score`. */
export const markIdle = async (redis: Redis, keys: ReadonlyArray<string>, agentId: string, free: number, score: number): Promise<void> => {
  await Promise.all(keys.map((key) => (free > 0 ? redis.zadd(key, rank(score, free), agentId) : redis.zrem(key, agentId))))
}

/** The order `popIdle` takes idle agents in, for those who explain it (`POST /agents/route`): the best routing
 * score, then the most free slots, then (ZPOPMAX among equal members) the greatest id. */
export const wakeOrder = (a: IdleAgent, b: IdleAgent): number =>
  rank(b.score, b.free) - rank(a.score, a.free) || (a.agentId < b.agentId ? 1 : a.agentId > b.agentId ? -1 : 0)

/** Takes the idle agent with the best routing score (then the most free slots) for `key`, if any. */
export const popIdle = async (redis: Redis, key: string): Promise<IdleAgent | undefined> => {
  const [agentId, ranked] = await redis.zpopmax(key, 1)
  return agentId === undefined ? undefined : { agentId, free: Number(ranked) % SLOTS, score: Math.floor(Number(ranked) / SLOTS) / 10_000 }
}
