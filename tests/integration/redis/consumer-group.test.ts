// The `runtime` consumer group on an inbox: created once, delivers each entry to one consumer,
// keeps it pending until acknowledged.
import { describe, expect, it } from "vitest"
import { createScripts } from "../../../src/redis/scripts.ts"
import { ensureGroup } from "../../../src/redis/streams.ts"
import { freshRedis, readGroup } from "../../support/redis.ts"

const fresh = freshRedis()

describe("runtime consumer group", () => {
  it("reads entries appended before the group existed, each once, with their fields", async () => {
    const { inbox } = fresh.keys.partition(0)
    const early = await fresh.redis.xadd(inbox, "*", "type", "CREATE", "actor", "task:t-1", "payload", "{}")
    await ensureGroup(fresh.redis, inbox)
    await ensureGroup(fresh.redis, inbox)
    const late = await fresh.redis.xadd(inbox, "*", "type", "START", "actor", "task:t-1", "payload", '{"a":1}')

    expect(await readGroup(fresh.redis, inbox, "c-1", 10)).toEqual([
      { id: early, fields: { type: "CREATE", actor: "task:t-1", payload: "{}" } },
      { id: late, fields: { type: "START", actor: "task:t-1", payload: '{"a":1}' } },
    ])
    expect(await readGroup(fresh.redis, inbox, "c-2", 10)).toEqual([])
  })

  it("creates the stream when it does not exist yet", async () => {
    const { inbox } = fresh.keys.partition(1)
    await ensureGroup(fresh.redis, inbox)
    expect(await fresh.redis.exists(inbox)).toBe(1)
    expect(await readGroup(fresh.redis, inbox, "c-1", 10)).toEqual([])
  })

  it("keeps a raw producer's odd field names as plain fields", async () => {
    const { inbox } = fresh.keys.partition(2)
    await ensureGroup(fresh.redis, inbox)
    await fresh.redis.xadd(inbox, "*", "__proto__", "x", "type", "T")
    const [entry] = await readGroup(fresh.redis, inbox, "c-1", 10)
    expect(Object.keys(entry!.fields)).toEqual(["__proto__", "type"])
    expect(Object.getPrototypeOf(entry!.fields)).toBe(Object.prototype)
  })

  it("waits up to blockMs for a new entry and wakes up when one is appended", async () => {
    const { inbox } = fresh.keys.partition(3)
    await ensureGroup(fresh.redis, inbox)
    const reader = await fresh.connect("blocking-reader")
    const started = Date.now()
    expect(await readGroup(reader, inbox, "c-1", 10, 100)).toEqual([])
    expect(Date.now() - started).toBeGreaterThanOrEqual(90)

    const pending = readGroup(reader, inbox, "c-1", 10, 5_000)
    const id = await fresh.redis.xadd(inbox, "*", "type", "T")
    expect((await pending).map((entry) => entry.id)).toEqual([id])
  })

  it("keeps entries pending until acknowledged, and deletes them from the inbox as it acknowledges them", async () => {
    const keys = fresh.keys.partition(4)
    const { inbox } = keys
    const ack = (ids: string[]) => createScripts(fresh.redis).ack(keys, ids)
    await ensureGroup(fresh.redis, inbox)
    const ids = await Promise.all([1, 2, 3].map((i) => fresh.redis.xadd(inbox, "*", "n", String(i))))
    await readGroup(fresh.redis, inbox, "c-1", 10)
    expect(await ack([ids[0]!, ids[2]!])).toBe(2)
    expect(await ack([ids[0]!])).toBe(0)
    expect(await ack([])).toBe(0)
    const pending = (await fresh.redis.xpending(inbox, "runtime", "-", "+", 10)) as [string, ...unknown[]][]
    expect(pending.map(([id]) => id)).toEqual([ids[1]])
    expect((await fresh.redis.xrange(inbox, "-", "+")).map(([id]) => id)).toEqual([ids[1]])
  })
})
