// Membership: runtime processes heartbeat into one sorted set; every process computes the
// same partition assignment from the live members by rendezvous hashing, so processes that
// join or leave move only their share of partitions. A process that leaves cleanly (SIGTERM)
// leaves the membership first, then wakes the others on a channel at once and again after each
// lease it releases, so they take each of its partitions over as soon as it is free rather than at
// their next tick (or, after a crash, once its leases lapse).
import { once } from "node:events"
import type { Redis } from "ioredis"
import { fnv1a32 } from "../redis/partition.ts"

/** Live members (heartbeat newer than `now - expiryMs`), after dropping the expired ones. */
export const heartbeat = async (redis: Redis, key: string, member: string, now: number, expiryMs: number): Promise<string[]> => {
  const [, , live] =
    (await redis
      .multi()
      .zadd(key, now, member)
      .zremrangebyscore(key, "-inf", now - expiryMs)
      .zrange(key, 0, -1)
      .exec()) ?? []
  if (!live || live[0]) throw live?.[0] ?? new Error("membership heartbeat failed")
  return live[1] as string[]
}

/** Wakes the other members to rebalance now (a departing member, once it left and after each lease it released). */
export const wakeMembers = async (redis: Redis, channel: string, member: string): Promise<void> => {
  await redis.publish(channel, member)
}

/** Leaves the membership, then tells the other members (whose rebalancing then sees it gone). */
export const leave = async (
  redis: Redis,
  keys: { readonly members: string; readonly departures: string },
  member: string,
): Promise<void> => {
  await redis.zrem(keys.members, member)
  await wakeMembers(redis, keys.departures, member)
}

/**
 * Calls `onDeparture` whenever another member announces it left. The message is only a wake-up
 * (who left is read again from the membership), so nothing in it is trusted. Listens on a
 * connection of its own (a subscribed connection can do nothing else; ioredis subscribes again
 * after a reconnect); the returned function closes it.
 */
export const onDepartures = async (redis: Redis, channel: string, self: string, onDeparture: () => void): Promise<() => void> => {
  const subscriber = redis.duplicate()
  subscriber.on("error", () => undefined) // reconnects on its own; a missed wake-up waits for the next tick
  try {
    await once(subscriber, "ready")
    subscriber.on("message", (heard: string, member: string) => {
      if (heard === channel && member !== self) onDeparture()
    })
    await subscriber.subscribe(channel)
  } catch (error) {
    subscriber.disconnect()
    throw error
  }
  return () => subscriber.disconnect()
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
