// How far the runtimes are behind their inboxes, over every partition: the entries appended and not yet
// applied, and when the oldest of them was appended. An inbox keeps only such entries (the runtime deletes
// each entry as it acknowledges it, streams.ts `ack`; a dead-lettered one is moved out), so its length is
// its backlog and its first entry's id (a Redis time in ms) is the oldest one's arrival.
//
// One sample is one script over every inbox (scripts/inbox-backlog.lua): the figures of one instant, so
// an entry that moves between partitions (applied in one, its follow-up appended to another) is counted
// once or not at all as it was at that instant, never twice or missed. In Redis Cluster the partitions
// are in different slots (often on different nodes), which no script or transaction spans: there each
// inbox is read by its own call of the script (each of them atomic), and the sum is off from the backlog
// at any one instant of the sample by at most the entries appended to and removed from the inboxes while
// the calls ran (they are sent together, so that is about one round trip to the slowest node).
import type { Redis } from "ioredis"
import { isCluster } from "./client.ts"
import type { Keys } from "./keys.ts"
import { scriptCall } from "./script-call.ts"
import { scriptSource } from "./script-source.ts"
import { streamIdMs } from "./stream-id.ts"

export interface InboxBacklog {
  /** Entries appended to the inboxes and not yet applied (nor dead-lettered). */
  readonly entries: number
  /** When the oldest of them was appended (ms since the epoch, by its stream id); null when there is none. */
  readonly oldestAt: number | null
}

const call = scriptCall(scriptSource("inbox-backlog"))

/** One call of inbox-backlog.lua over `inboxes` (one slot each in a Redis Cluster: then one inbox a call). */
const readBacklog = async (redis: Redis, inboxes: ReadonlyArray<string>): Promise<{ entries: number; oldest: string | null }> => {
  const [entries, oldest] = (await call(redis, inboxes.length, inboxes)) as [number, string]
  return { entries: Number(entries), oldest: oldest === "" ? null : oldest }
}

/** The backlog of every partition's inbox: one atomic read (one script call per inbox in a Redis Cluster). */
export const inboxBacklog = async (redis: Redis, keys: Keys, partitions: number): Promise<InboxBacklog> => {
  const inboxes = Array.from({ length: partitions }, (_, partition) => keys.partition(partition).inbox)
  const readings = isCluster(redis)
    ? await Promise.all(inboxes.map((inbox) => readBacklog(redis, [inbox])))
    : [await readBacklog(redis, inboxes)]
  const arrivals = readings.flatMap((reading) => (reading.oldest === null ? [] : [streamIdMs(reading.oldest)]))
  return {
    entries: readings.reduce((sum, reading) => sum + reading.entries, 0),
    oldestAt: arrivals.length === 0 ? null : Math.min(...arrivals),
  }
}

/** The actor (`kind:id`) of every entry in the inboxes now, each inbox read a page at a time (entries are
 * not read as they are appended: an entry present from the first page's read to the last one's is seen). */
export const inboxActors = async (redis: Redis, keys: Keys, partitions: number, page = 1_000): Promise<Set<string>> => {
  const actors = new Set<string>()
  await Promise.all(
    Array.from({ length: partitions }, async (_, partition) => {
      const inbox = keys.partition(partition).inbox
      for (let start = "-"; ; ) {
        const entries = await redis.xrange(inbox, start, "+", "COUNT", page)
        for (const [, flat] of entries) {
          for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === "actor") actors.add(flat[i + 1]!)
        }
        const last = entries.at(-1)
        if (last === undefined || entries.length < page) break
        start = `(${last[0]}`
      }
    }),
  )
  return actors
}
