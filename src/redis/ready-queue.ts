// Ready queues: one sorted set per capability holding the ready tasks no agent has taken yet,
// scored by urgency (priority, then the time they became ready). Taking a task removes it
// (ZREM answers 1 to exactly one taker), so a task is proposed to one agent at a time.
import type { Redis } from "ioredis"

export interface QueuedTask {
  readonly key: string
  readonly taskId: string
  readonly priority: number
  /** When it became ready (ms since the epoch). */
  readonly since: number
}

/** Priority first (0 most urgent), then age; exact in a double for priorities 0..4. */
export const urgency = (priority: number, since: number): number => priority * 1e13 + since

/** Puts tasks in their queues; a task already queued keeps its place. */
export const enqueue = async (redis: Redis, tasks: ReadonlyArray<QueuedTask>): Promise<void> => {
  if (tasks.length === 0) return
  // One command each (auto-pipelined into one write per node): the queues of several capabilities
  // may live on different Redis Cluster nodes, which one pipeline cannot span.
  await Promise.all(tasks.map((task) => redis.zadd(task.key, "NX", urgency(task.priority, task.since), task.taskId)))
}

/**
 * Takes up to `count` of the most urgent tasks across `keys`; the taken ones leave their queues.
 * Each queue gives its `count` most urgent at once (ZPOPMIN: one taker gets each task); across
 * several queues the less urgent ones popped beyond `count` go straight back, with their scores.
 */
export const take = async (redis: Redis, keys: ReadonlyArray<string>, count: number): Promise<string[]> => {
  if (count <= 0 || keys.length === 0) return []
  const popped = await Promise.all(keys.map((key) => redis.zpopmin(key, count)))
  const candidates = popped.flatMap((flat, index) => {
    const found: Array<{ key: string; taskId: string; score: number }> = []
    for (let i = 0; i + 1 < flat.length; i += 2) found.push({ key: keys[index]!, taskId: flat[i]!, score: Number(flat[i + 1]) })
    return found
  })
  candidates.sort((a, b) => a.score - b.score)
  const back = candidates.slice(count)
  if (back.length > 0) {
    await Promise.all(back.map((task) => redis.zadd(task.key, "NX", task.score, task.taskId)))
  }
  return candidates.slice(0, count).map((task) => task.taskId)
}
