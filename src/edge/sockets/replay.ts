// `since` on the event socket: replays the event stream after a given id up to the live reader's
// position, then hands over to live delivery in the same tick, so nothing is missed or repeated.
//
// The reader (fanout) publishes whole batches synchronously and `lastId()` names the last entry
// already published. The replay reads pages with XRANGE (position, lastId()]; when its position
// equals lastId() it calls `goLive()` synchronously, right after reading lastId(): no publish can
// run in between (one JS thread), so the first live frame is the entry after the last replayed.
import type { Redis } from "ioredis"
import { keyed, readEvents, type StreamEntry } from "../../redis/streams.ts"
import { compareStreamIds } from "../../redis/stream-id.ts"

export interface ReplayTarget {
  /** True once the socket is gone: the replay stops. */
  closed(): boolean
  /** Sends one entry (if it matches); may wait for the socket to drain. */
  deliver(entry: StreamEntry): void | Promise<void>
  /** Subscribes the socket to its live topics; called synchronously at the hand-over. */
  goLive(): void
}

export type ReplayOutcome =
  | { readonly type: "live" }
  | { readonly type: "closed" }
  /** Entries after the position were trimmed: `oldest` is the oldest retained id (null: none is). */
  | { readonly type: "trimmed"; readonly oldest: string | null }
  /** `since` is after the newest entry of the stream. */
  | { readonly type: "ahead"; readonly newest: string }

export interface ReplayOptions {
  readonly redis: Redis
  readonly stream: string
  readonly since: string
  /** The live reader's position. */
  readonly lastId: () => string
  readonly page?: number
  /** While the reader is behind `since` (it can be, on another edge), check again after this long. */
  readonly catchUpMs?: number
}

interface Retained {
  /** The stream's first entry, or null when it holds none. */
  readonly oldest: string | null
  readonly newest: string
  /** Whether any entry was ever removed (entries-added > length; unknown before Redis 7: assumed). */
  readonly trimmed: boolean
}

type Flat = ReadonlyArray<unknown>

/** XINFO STREAM's flat reply, as a record. */
const infoRecord = (flat: Flat): Record<string, unknown> => {
  const record: Record<string, unknown> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1]
  return record
}

const retainedFrom = (flat: Flat | null): Retained => {
  if (flat === null) return { oldest: null, newest: "0-0", trimmed: false }
  const info = infoRecord(flat)
  const first = info["first-entry"] as Flat | null
  const added = info["entries-added"]
  return {
    oldest: first ? String(first[0]) : null,
    newest: String(info["last-generated-id"] ?? "0-0"),
    trimmed: added === undefined || Number(added) > Number(info["length"]),
  }
}

/** What `stream` retains (XINFO STREAM); a stream never written or deleted has nothing and lost nothing. */
async function retainedOf(redis: Redis, stream: string): Promise<Retained> {
  try {
    return retainedFrom((await keyed(redis, "XINFO", "STREAM", stream)) as Flat)
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return retainedFrom(null)
    throw error
  }
}

/**
 * Up to `count` entries in (after, until], and what the stream retains, read after them: a trim
 * that ran before the read is seen (a trim that ran after it may be reported too: conservative).
 * `complete` when every entry up to `until` was read.
 */
async function readPage(redis: Redis, stream: string, after: string, until: string, count: number) {
  const read = await readEvents(redis, stream, after, count)
  const retained = await retainedOf(redis, stream)
  const entries = read.filter((entry) => compareStreamIds(entry.id, until) <= 0)
  return { retained, entries, complete: entries.length < read.length || read.length < count }
}

/** Whether entries after `position` may be gone: some entry was removed and `position` is before the oldest kept. */
const gapAfter = (position: string, retained: Retained): boolean =>
  retained.trimmed &&
  (retained.oldest === null ? compareStreamIds(position, retained.newest) < 0 : compareStreamIds(position, retained.oldest) < 0)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Sends every entry after `since` to `target`, then calls `goLive()`. Conservative on trimming:
 * a `since` before the oldest retained entry counts as trimmed once anything was ever removed.
 */
export async function replayThenLive(options: ReplayOptions, target: ReplayTarget): Promise<ReplayOutcome> {
  const { redis, stream, lastId } = options
  const pageSize = options.page ?? 200
  let position = options.since
  for (;;) {
    if (target.closed()) return { type: "closed" }
    const until = lastId()
    const order = compareStreamIds(position, until)
    if (order === 0) {
      target.goLive()
      return { type: "live" }
    }
    if (order > 0) {
      // Ahead of this edge's reader: wait for it, unless `since` is beyond the stream itself.
      const retained = await retainedOf(redis, stream)
      if (compareStreamIds(position, retained.newest) > 0) return { type: "ahead", newest: retained.newest }
      await sleep(options.catchUpMs ?? 10)
      continue
    }
    const { retained, entries, complete } = await readPage(redis, stream, position, until, pageSize)
    if (gapAfter(position, retained)) return { type: "trimmed", oldest: retained.oldest }
    for (const entry of entries) {
      await target.deliver(entry)
      if (target.closed()) return { type: "closed" }
      position = entry.id
    }
    if (complete) position = until
  }
}
