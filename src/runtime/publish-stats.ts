// Where every edge's /metrics finds the runtime's statistics: each runtime process writes its
// snapshot into the hash `<prefix>:stats` (field = member id) on every keep-alive tick, drops the
// fields of members no longer live, and removes its own when it stops.
import type { Redis } from "ioredis"
import type { RuntimeStatsSnapshot } from "../schema/runtime-stats.ts"

/**
 * Writes `member`'s snapshot and removes the fields of members not in `live` (the membership just
 * read). A member that joined since may lose its field until its next tick; edges read only the
 * fields of live members anyway.
 */
export const publishStats = async (
  redis: Redis,
  key: string,
  member: string,
  snapshot: RuntimeStatsSnapshot,
  live: ReadonlyArray<string>,
): Promise<void> => {
  const gone = (await redis.hkeys(key)).filter((field) => field !== member && !live.includes(field))
  const write = redis.multi().hset(key, member, JSON.stringify(snapshot))
  if (gone.length > 0) write.hdel(key, ...gone)
  const results = (await write.exec()) ?? []
  const failed = results.find(([error]) => error)
  if (failed) throw failed[0]
}

export const withdrawStats = async (redis: Redis, key: string, member: string): Promise<void> => {
  await redis.hdel(key, member)
}
