// The dead letters of every partition (`{prefix:p}:dead`, written by dead-letters.lua): listed
// oldest first across partitions, read, or deleted (replaying is dead-letter-replay.lua). A dead
// letter's id is `<partition>:<entry id>`. Whoever adds or removes some announces their new total on the
// `<prefix>:dead-letters` channel, which every edge relays to the `dead_letters` topic of /ws/events.
import type { Redis } from "ioredis"
import type { Keys } from "./keys.ts"
import { compareStreamIds } from "./stream-id.ts"

export interface DeadLetter {
  readonly id: string
  readonly partition: number
  /** The inbox entry it was. */
  readonly source: string
  readonly reason: string
  /** The entry's fields as they were appended. */
  readonly fields: Readonly<Record<string, string>>
  /** When it was dead-lettered (ms since the epoch). */
  readonly at: number
}

const ID = /^(\d{1,6}):(\d+-\d+)$/u

/** `<partition>:<entry id>` split, or undefined when it is not a dead letter's id of this deployment. */
export const parseDeadLetterId = (id: string, partitions: number): { partition: number; entryId: string } | undefined => {
  const match = ID.exec(id)
  const partition = Number(match?.[1])
  return match?.[2] !== undefined && partition < partitions ? { partition, entryId: match[2] } : undefined
}

const toDeadLetter = (partition: number, [entryId, flat]: [string, string[]]): DeadLetter => {
  const fields = Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1] ?? ""]] : [])))
  let original: Record<string, string> = {}
  try {
    original = JSON.parse(fields["fields"] ?? "{}") as Record<string, string>
  } catch {
    // A dead letter written by hand without its fields is still listed, with none.
  }
  return {
    id: `${partition}:${entryId}`,
    partition,
    source: fields["source"] ?? "",
    reason: fields["reason"] ?? "",
    fields: original,
    at: Number(entryId.split("-")[0]),
  }
}

/** Up to `limit` dead letters after `after` (a dead letter's id), oldest first across partitions. */
export const listDeadLetters = async (
  redis: Redis,
  keys: Keys,
  partitions: number,
  limit: number,
  after?: { partition: number; entryId: string },
): Promise<DeadLetter[]> => {
  const pages = await Promise.all(
    Array.from({ length: partitions }, async (_, partition) => {
      const start = after === undefined ? "-" : `(${after.entryId}`
      const entries = (await redis.xrange(keys.partition(partition).dead, start, "+", "COUNT", limit)) as Array<[string, string[]]>
      return entries.map((entry) => toDeadLetter(partition, entry))
    }),
  )
  const position = (letter: DeadLetter) => `${letter.id.split(":")[1]}`
  return pages
    .flat()
    .filter(
      (letter) =>
        after === undefined ||
        compareStreamIds(position(letter), after.entryId) > 0 ||
        (position(letter) === after.entryId && letter.partition > after.partition),
    )
    .sort((a, b) => compareStreamIds(position(a), position(b)) || a.partition - b.partition)
    .slice(0, limit)
}

export const getDeadLetter = async (
  redis: Redis,
  keys: Keys,
  at: { partition: number; entryId: string },
): Promise<DeadLetter | undefined> => {
  const [entry] = (await redis.xrange(keys.partition(at.partition).dead, at.entryId, at.entryId)) as Array<[string, string[]]>
  return entry && toDeadLetter(at.partition, entry)
}

/** The channel the total is announced on (every edge listens). */
export const deadLetterChannel = (keys: Keys): string => `${keys.prefix}:dead-letters`

/** How many dead letters all partitions hold. */
export const deadLetterCount = async (redis: Redis, keys: Keys, partitions: number): Promise<number> => {
  const lengths = await Promise.all(Array.from({ length: partitions }, (_, partition) => redis.xlen(keys.partition(partition).dead)))
  return lengths.reduce((sum, length) => sum + length, 0)
}

/** Announces the dead letters' total to every edge, after some were added or removed. */
export const announceDeadLetters = async (redis: Redis, keys: Keys, partitions: number): Promise<void> => {
  await redis.publish(deadLetterChannel(keys), JSON.stringify({ count: await deadLetterCount(redis, keys, partitions) }))
}

/** Removes a dead letter; false when there was none. */
export const deleteDeadLetter = async (redis: Redis, keys: Keys, at: { partition: number; entryId: string }): Promise<boolean> =>
  (await redis.xdel(keys.partition(at.partition).dead, at.entryId)) === 1
