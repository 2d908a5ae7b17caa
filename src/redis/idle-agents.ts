// Idle agents: per capability, the agents that asked for work and found none, ranked by their routing
// score (then their free slots), with how many slots they had free. When a task of that capability becomes ready the router wakes them from
// here, without a database read (route-batch.lua marks, pops and ranks them, scripts/idle-agents.lua, the same way
// as here); an entry is a hint (an agent that went away meanwhile refuses the proposal, and the task goes back to
// its queue), refreshed by the routing sweep from Postgres. The sets live under the routing hash tag (`Keys.idle`).
import type { Redis } from "ioredis"

export interface IdleAgent {
  readonly agentId: string
  readonly free: number
  /** Its routing score when it was marked. */
  readonly score: number
}

/** Free slots fit below this in a member's score (max_concurrency is at most 1,000); IDLE_SLOTS in idle-agents.lua. */
const SLOTS = 2048

/** A routing score as the rank holds it: 4 decimals (docs/coordination.md), as an integer in [0, 10,000]. */
export const scoreUnits = (score: number): number => Math.round(Math.min(1, Math.max(0, score)) * 10_000)

/** The member score: the routing score first, then the free slots. */
const rank = (score: number, free: number): number => scoreUnits(score) * SLOTS + Math.min(free, SLOTS - 1)

/** Records that `agentId` has `free` slots and nothing to do for each of `keys` (0 slots: not idle), ranked by its routing `score`. */
export const markIdle = async (redis: Redis, keys: ReadonlyArray<string>, agentId: string, free: number, score: number): Promise<void> => {
  await Promise.all(keys.map((key) => (free > 0 ? redis.zadd(key, rank(score, free), agentId) : redis.zrem(key, agentId))))
}

/** The order route-batch.lua wakes idle agents in (ZPOPMAX), for those who explain it (`POST /agents/route`): the best
 * routing score, then the most free slots, then (among equal members) the greatest id. */
export const wakeOrder = (a: IdleAgent, b: IdleAgent): number =>
  rank(b.score, b.free) - rank(a.score, a.free) || (a.agentId < b.agentId ? 1 : a.agentId > b.agentId ? -1 : 0)

/** The idle agents of `key` (`Keys.idle`), in the order they would be woken (for inspection and tests). */
export const idleAgents = async (redis: Redis, key: string): Promise<IdleAgent[]> => {
  const flat = await redis.zrange(key, 0, -1, "REV", "WITHSCORES")
  const agents: IdleAgent[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const ranked = Number(flat[i + 1])
    agents.push({ agentId: flat[i] as string, free: ranked % SLOTS, score: Math.floor(ranked / SLOTS) / 10_000 })
  }
  return agents
}
