// Membership: runtime processes heartbeat into one sorted set; every process computes the
// same partition assignment from the live members by rendezvous hashing, so processes that
// join or leave move only their share of partitions.
import type { Redis } from "ioredis"
import { fnv1a32 } from "../redis/partition.ts"

/** Live members (heartbeat newer than `now - expiryMs`), after dropping the expired ones. */
export const heartbeat = async (redis: Redis, key: string, member: string, now: number, expiryMs: number): Promise<string[]> => {
  const [, , live] = (await redis
    .multi()
    .zadd(key, now, member)
    .zremrangebyscore(key, "-inf", now - expiryMs)
    .zrange(key, 0, -1)
    .exec()) ?? []
  if (!live || live[0]) throw live?.[0] ?? new Error("membership heartbeat failed")
  return live[1] as string[]
}

export const leave = async (redis: Redis, key: string, member: string): Promise<void> => {
  await redis.zrem(key, member)
}

/** murmur3's finalizer: spreads FNV's close values for similar strings over the whole range. */
const mix = (hash: number): number => {
  let h = hash
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** The member that should own `partition`: highest hash of (member, partition). */
export const ownerOf = (partition: number, members: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestScore = -1
  for (const member of members) {
    const score = mix(fnv1a32(`${member}#${partition}`))
    if (score > bestScore || (score === bestScore && best !== undefined && member < best)) {
      best = member
      bestScore = score
    }
  }
  return best
}

/** The partitions `member` should own among `partitions`. */
export const assignedTo = (member: string, members: ReadonlyArray<string>, partitions: number): Set<number> => {
  const mine = new Set<number>()
  for (let p = 0; p < partitions; p += 1) if (ownerOf(p, members) === member) mine.add(p)
  return mine
}
