// What a redelivered batch published before its runtime stopped: a batch whose events and pushes reached the event
// stream but whose entries were never acknowledged (a SIGKILL in between) is carried out again by the next owner.
// Its entries read back from the event stream, from shortly before the earliest redelivered entry was appended, say
// which of them are there already, so the redelivery leaves those out. Only a redelivery pays for the read; what it
// does not find (never published, or beyond what it reads) is published, so an event is still published at least
// once (PROTOCOL: a subscriber drops an id it saw), and a repeat becomes the exception.
import type { Redis } from "ioredis"
import { streamIdMs } from "../redis/stream-id.ts"
import { readEvents } from "../redis/streams.ts"

/** How long before a redelivered entry's own time the read starts: in a Redis Cluster the event stream lives on
 * another node than the inbox, whose clock may differ a little. */
const CLOCK_SKEW_MS = 1_000

/** Entries the read looks at, at most: a batch is published within moments of its entries' appends. */
const READ_ENTRIES = 10_000

/** The id an entry of the event stream carries: an event's (`i`, or `id` in the full form), a push's `id`. */
export const publishedId = (fields: Readonly<Record<string, string>>): string | undefined => {
  if (fields["type"] !== "event" && fields["type"] !== "push") return undefined
  try {
    const body = JSON.parse(fields["body"] ?? "") as Record<string, unknown>
    const id = fields["type"] === "event" ? (body["i"] ?? body["id"]) : body["id"]
    return typeof id === "string" ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * `entries` (in order) without those a redelivery published before: `again` holds, by index, the id each entry that
 * redelivered inbox entries (ids `entryIds`) caused is published under; the others are kept whatever the stream holds.
 */
export const notPublishedBefore = async (
  redis: Redis,
  stream: string,
  entries: ReadonlyArray<Record<string, string>>,
  again: ReadonlyMap<number, string>,
  entryIds: ReadonlySet<string>,
): Promise<ReadonlyArray<Record<string, string>>> => {
  const since = Math.max(0, Math.min(...[...entryIds].map(streamIdMs)) - CLOCK_SKEW_MS)
  const there = new Set((await readEvents(redis, stream, `${since}-0`, READ_ENTRIES)).map((entry) => publishedId(entry.fields)))
  return entries.filter((_, index) => {
    const id = again.get(index)
    return id === undefined || !there.has(id)
  })
}
