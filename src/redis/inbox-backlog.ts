// How far the runtimes are behind their inboxes, over every partition: the entries appended and not yet
// applied, and when the oldest of them was appended. An inbox keeps only such entries (the runtime deletes
// each entry as it acknowledges it, streams.ts `ack`; a dead-lettered one is moved out), so its length is
// its backlog and its first entry's id (a Redis time in ms) is the oldest one's arrival.
import type { Redis } from "ioredis"
import type { Keys } from "./keys.ts"

export interface InboxBacklog {
  /** Entries appended to the inboxes and not yet applied (nor dead-lettered). */
  readonly entries: number
  /** When the oldest of them was appended (ms since the epoch, by its stream id); null when there is none. */
  readonly oldestAt: number | null
}

/** One XLEN and one XRANGE of the first entry per inbox (each its own command: the partitions may live on
 * several nodes of a Redis Cluster). */
export const inboxBacklog = async (redis: Redis, keys: Keys, partitions: number): Promise<InboxBacklog> => {
  const inboxes = await Promise.all(
    Array.from({ length: partitions }, async (_, partition) => {
      const inbox = keys.partition(partition).inbox
      const [length, first] = await Promise.all([redis.xlen(inbox), redis.xrange(inbox, "-", "+", "COUNT", 1)])
      return { length, firstAt: first[0] === undefined ? null : Number(first[0][0].split("-")[0]) }
    }),
  )
  const arrivals = inboxes.flatMap((inbox) => (inbox.firstAt === null ? [] : [inbox.firstAt]))
  return {
    entries: inboxes.reduce((sum, inbox) => sum + inbox.length, 0),
    oldestAt: arrivals.length === 0 ? null : Math.min(...arrivals),
  }
}
