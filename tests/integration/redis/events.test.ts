// The event stream: publishing a batch in one command, reading after an id, trimming, and the oldest retained id;
// a reply stream set to expire by the same command.
import { describe, expect, it } from "vitest"
import { compareStreamIds } from "../../../src/redis/stream-id.ts"
import { createScripts } from "../../../src/redis/scripts.ts"
import { oldestId, readEvents } from "../../../src/redis/streams.ts"
import { freshRedis } from "../../support/redis.ts"
import { waitFor } from "../../support/runtime.ts"

const fresh = freshRedis()
const publishEvents = (redis: typeof fresh.redis, stream: string, entries: Record<string, string>[], maxLen: number) =>
  createScripts(redis).publish(stream, entries, maxLen)

const event = (n: number) => ({ id: `1-${n}:0`, topic: "task:t-1", data: JSON.stringify({ n }) })

describe("event stream", () => {
  it("publishes a batch in order and reads it back after any id", async () => {
    const ev = `${fresh.keys.events}:read`
    expect(await publishEvents(fresh.redis, ev, [], 100)).toEqual([])
    const ids = await publishEvents(fresh.redis, ev, [event(1), event(2), event(3)], 100)
    expect([...ids].sort(compareStreamIds)).toEqual(ids)

    expect(await readEvents(fresh.redis, ev, "0", 10)).toEqual(ids.map((id, i) => ({ id, fields: event(i + 1) })))
    expect((await readEvents(fresh.redis, ev, ids[0]!, 1)).map((entry) => entry.id)).toEqual([ids[1]])
    expect(await readEvents(fresh.redis, ev, ids[2]!, 10)).toEqual([])
  })

  it("sets a TTL on the stream in the same call when given one (a reply stream), none otherwise (the event stream)", async () => {
    const [ev, reply] = [`${fresh.keys.events}:ttl`, fresh.keys.replies("edge-ttl")]
    // What the publishing connection sends: the script (EVAL once after a cache flush), no PEXPIRE of its own.
    const counted = await fresh.connect("publish-counter")
    const sent: string[] = []
    const send = counted.sendCommand.bind(counted)
    counted.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      sent.push(command.name)
      return (send as (...args: unknown[]) => unknown)(command, ...rest)
    }) as typeof counted.sendCommand
    const scripts = createScripts(counted)
    const [id] = await scripts.publish(reply, [event(1)], 100, 60_000)
    expect(sent[0]).toBe("evalsha")
    expect(sent.filter((name) => name !== "evalsha" && name !== "eval")).toEqual([])
    const ttl = await fresh.redis.pttl(reply)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)
    expect((await fresh.redis.xrange(reply, "-", "+")).map(([entryId]) => entryId)).toEqual([id])

    await scripts.publish(ev, [event(1), event(2)], 100)
    expect(await fresh.redis.xlen(ev)).toBe(2)
    expect(await fresh.redis.pttl(ev)).toBe(-1)
    // A later batch with a TTL sets it anew; nothing published sets none.
    await fresh.redis.pexpire(reply, 10)
    await scripts.publish(reply, [event(2)], 100, 60_000)
    expect(await fresh.redis.pttl(reply)).toBeGreaterThan(10)
    expect(await scripts.publish(ev, [], 100, 60_000)).toEqual([])
    expect(await fresh.redis.pttl(ev)).toBe(-1)
  })

  it("wakes a blocked reader when an event is published", async () => {
    const ev = `${fresh.keys.events}:live`
    const reader = await fresh.connect("event-reader")
    const readerId = Number(await reader.client("ID"))
    const waiting = readEvents(reader, ev, "$", 10, 5_000)
    // Publish only once Redis holds the reader blocked: "$" means after the last id at that moment.
    await waitFor("the reader to block", async () =>
      ((await fresh.redis.client("LIST", "ID", readerId)) as string).includes(" flags=b ") ? true : undefined,
    )
    const [id] = await publishEvents(fresh.redis, ev, [event(1)], 100)
    expect((await waiting).map((entry) => entry.id)).toEqual([id])
  })

  it("trims to about maxLen and names the oldest retained id", async () => {
    const ev = fresh.keys.events
    expect(await oldestId(fresh.redis, ev)).toBeNull()
    const published: string[] = []
    for (let batch = 0; batch < 10; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => event(batch * 100 + i))
      published.push(...(await publishEvents(fresh.redis, ev, events, 100)))
    }
    const length = await fresh.redis.xlen(ev)
    expect(length).toBeGreaterThanOrEqual(100)
    expect(length).toBeLessThan(published.length)

    const oldest = await oldestId(fresh.redis, ev)
    expect(oldest).toBe(published[published.length - length])
    expect(compareStreamIds(oldest!, published[0]!)).toBeGreaterThan(0)
  })
})
