// Chaos support: who holds each partition's lease, read from Redis, and how long it takes
// until no partition is left with a crashed process (or none) as its owner.
import type { Redis } from "ioredis"
import type { Keys } from "../../src/redis/keys.ts"

/** The owner of every partition's lease, null where no lease is held. */
export const leaseOwners = async (redis: Redis, keys: Keys, partitions: number): Promise<Array<string | null>> =>
  // One command per lease, all issued at once: on a Redis Cluster the partitions live on several nodes.
  Promise.all(Array.from({ length: partitions }, (_, p) => redis.hget(keys.partition(p).lease, "owner")))

/** Milliseconds from `since` until every partition is leased by a member not in `dead`. */
export const waitForTakeover = async (
  redis: Redis,
  keys: Keys,
  partitions: number,
  dead: ReadonlySet<string>,
  since: number,
  timeoutMs: number,
): Promise<number> => {
  for (;;) {
    const owners = await leaseOwners(redis, keys, partitions)
    if (owners.every((owner) => owner !== null && !dead.has(owner))) return performance.now() - since
    if (performance.now() - since > timeoutMs) {
      throw new Error(`partitions not taken over after ${timeoutMs} ms: ${JSON.stringify(owners)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
