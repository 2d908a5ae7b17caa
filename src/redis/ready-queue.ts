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
  const pipeline = redis.pipeline()
  for (const task of tasks) pipeline.zadd(task.key, "NX", urgency(task.priority, task.since), task.taskId)
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
}

/** Takes up to `count` of the most urgent tasks across `keys`; the taken ones leave their queues. */
export const take = async (redis: Redis, keys: ReadonlyArray<string>, count: number): Promise<string[]> => {
  if (count <= 0 || keys.length === 0) return []
  const peek = redis.pipeline()
  for (const key of keys) peek.zrange(key, 0, count - 1, "WITHSCORES")
  const candidates: Array<{ key: string; taskId: string; score: number }> = []
  ;((await peek.exec()) ?? []).forEach(([error, flat], index) => {
    if (error) throw error
    const pairs = flat as string[]
    for (let i = 0; i + 1 < pairs.length; i += 2) candidates.push({ key: keys[index]!, taskId: pairs[i]!, score: Number(pairs[i + 1]) })
  })
  candidates.sort((a, b) => a.score - b.score)
  const taken: string[] = []
  for (const candidate of candidates) {
    if (taken.length >= count) break
    if ((await redis.zrem(candidate.key, candidate.taskId)) === 1) taken.push(candidate.taskId)
  }
  return taken
}
