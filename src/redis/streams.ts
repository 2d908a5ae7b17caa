// Typed helpers over Redis Streams for the runtime and the edge: the `runtime` consumer group
// on partition inboxes (create, wait for entries, position, reclaim, ack; reads go through
// inbox-read.lua) and the event stream (publish, read, oldest retained id). Blocking reads hold their connection: give them a connection of
// their own. Stream id ordering lives in ./stream-id.ts.
import { isUtf8 } from "node:buffer"
import type { Redis } from "ioredis"
import { RUNTIME_GROUP } from "./keys.ts"

export interface StreamEntry {
  id: string
  fields: Record<string, string>
  /** Fields whose bytes are not valid UTF-8 (read as bytes only; their text holds U+FFFD): such an
   * entry is dead-lettered, never applied altered. */
  notUtf8?: string[]
}

export interface Autoclaimed {
  /** Cursor for the next call; "0-0" once the whole pending list was scanned. */
  next: string
  /** Entries now owned by the claiming consumer, to apply again. */
  entries: StreamEntry[]
  /** Ids that were pending but deleted from the stream: Redis 7 drops them from the pending
   * list itself; they are reported so the caller can log what was lost. */
  deleted: string[]
}

type RawEntry = [id: string, flat: string[]]
type RawRead = [key: string, entries: RawEntry[]][] | null

const toEntry = ([id, flat]: RawEntry): StreamEntry => {
  const pairs: [string, string][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!])
  // fromEntries defines own properties, so a field named "__proto__" stays a plain field.
  return { id, fields: Object.fromEntries(pairs) }
}

const firstStream = (reply: RawRead): StreamEntry[] => (reply?.[0]?.[1] ?? []).map(toEntry)

type RawBufferEntry = [id: Buffer, flat: Buffer[]]
type RawBufferRead = [key: unknown, entries: RawBufferEntry[]][] | null

/** The entries of a one-stream read answered as bytes, each field checked for valid UTF-8 (see `notUtf8`). */
export const streamEntriesOfBytes = (reply: unknown): StreamEntry[] =>
  ((reply as RawBufferRead)?.[0]?.[1] ?? []).map(([id, flat]) => {
    const pairs: [string, string][] = []
    let notUtf8: string[] | undefined
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [name, value] = [flat[i]!.toString(), flat[i + 1]!]
      if (!isUtf8(value)) (notUtf8 ??= []).push(name)
      pairs.push([name, value.toString()])
    }
    const entry: StreamEntry = { id: id.toString(), fields: Object.fromEntries(pairs) }
    if (notUtf8) entry.notUtf8 = notUtf8
    return entry
  })

/** The entries of a one-stream XREAD / XREADGROUP reply (none for a nil reply). */
export const streamEntries = (reply: unknown): StreamEntry[] => firstStream(reply as RawRead)

const blockArgs = (blockMs: number | undefined): (string | number)[] => (blockMs === undefined ? [] : ["BLOCK", blockMs])

/** Runs `command subcommand key ...rest` (XGROUP, XINFO: ioredis sees no key in them) as a one-line
 * script keyed on `key`, so a Redis Cluster client sends it to the node that holds the key. The
 * reply is the command's own (a null field stays null); an error keeps its message. */
export const keyed = (redis: Redis, command: string, subcommand: string, key: string, ...rest: (string | number)[]): Promise<unknown> =>
  redis.eval("return redis.call(ARGV[1], ARGV[2], KEYS[1], unpack(ARGV, 3))", 1, key, command, subcommand, ...rest)

/** Creates the `runtime` group on `stream` (and the stream), reading from its start; no-op if it exists. */
export const ensureGroup = async (redis: Redis, stream: string): Promise<void> => {
  try {
    await keyed(redis, "XGROUP", "CREATE", stream, RUNTIME_GROUP, "0", "MKSTREAM")
  } catch (error) {
    if (!(error instanceof Error && /^(ERR .*)?BUSYGROUP/.test(error.message))) throw error
  }
}

/** Claims for `consumer` up to `count` entries pending longer than `minIdleMs` (a crashed or
 * stalled consumer's), scanning the pending list from `start`. */
export const autoclaim = async (
  redis: Redis,
  inbox: string,
  consumer: string,
  minIdleMs: number,
  count: number,
  start = "0-0",
): Promise<Autoclaimed> => {
  // ioredis defines the Buffer variant of every command but types only some of them
  const xautoclaimBuffer = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)["xautoclaimBuffer"]!
  const [next, entries, deleted] = (await xautoclaimBuffer.call(
    redis,
    inbox,
    RUNTIME_GROUP,
    consumer,
    minIdleMs,
    start,
    "COUNT",
    count,
  )) as [Buffer, RawBufferEntry[], Buffer[]]
  return { next: next.toString(), entries: streamEntriesOfBytes([[inbox, entries]]), deleted: deleted.map(String) }
}

/** Waits (XREAD BLOCK, no group state) until `stream` has an entry after `afterId`, or `blockMs` passed. */
export const waitForEntries = async (redis: Redis, stream: string, afterId: string, blockMs: number): Promise<void> => {
  await redis.call("XREAD", "COUNT", 1, "BLOCK", blockMs, "STREAMS", stream, afterId)
}

/** The id of the last entry delivered to the `runtime` group ("0-0" before the first). */
export const lastDelivered = async (redis: Redis, inbox: string): Promise<string> => {
  const groups = (await keyed(redis, "XINFO", "GROUPS", inbox)) as unknown[][]
  for (const flat of groups) {
    const group: Record<string, unknown> = {}
    for (let i = 0; i + 1 < flat.length; i += 2) group[String(flat[i])] = flat[i + 1]
    if (group["name"] === RUNTIME_GROUP) return String(group["last-delivered-id"] ?? "0-0")
  }
  return "0-0"
}

/** Up to `count` entries of `evKey` after `afterId` ("0" from the start, "$" only new ones). */
export const readEvents = async (redis: Redis, evKey: string, afterId: string, count: number, blockMs?: number): Promise<StreamEntry[]> =>
  firstStream((await redis.call("XREAD", "COUNT", count, ...blockArgs(blockMs), "STREAMS", evKey, afterId)) as RawRead)

/** Entries after each stream's id, from one XREAD over several streams (they must share a hash
 * slot in Redis Cluster); the answer is keyed by stream, empty for a stream with nothing new. */
export const readStreams = async (
  redis: Redis,
  after: ReadonlyArray<readonly [stream: string, afterId: string]>,
  count: number,
  blockMs?: number,
): Promise<Map<string, StreamEntry[]>> => {
  const reply = (await redis.call(
    "XREAD",
    "COUNT",
    count,
    ...blockArgs(blockMs),
    "STREAMS",
    ...after.map(([stream]) => stream),
    ...after.map(([, id]) => id),
  )) as RawRead
  return new Map(after.map(([stream]) => [stream, (reply?.find(([key]) => key === stream)?.[1] ?? []).map(toEntry)]))
}

/** The id of the oldest entry still in `stream`, or null when it is empty or missing. */
export const oldestId = async (redis: Redis, stream: string): Promise<string | null> => {
  const [first] = await redis.xrange(stream, "-", "+", "COUNT", 1)
  return first?.[0] ?? null
}
