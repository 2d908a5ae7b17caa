// Dead-lettering: a bad inbox entry moves to the partition's dead-letter stream with its reason
// and original fields, and leaves the inbox and the pending list in the same step; a replay run after
// its deadline (on Redis's clock) does nothing.
import { describe, expect, it } from "vitest"
import { AppendExpired, createScripts, ScriptError } from "../../../src/redis/scripts.ts"
import { ensureGroup } from "../../../src/redis/streams.ts"
import { freshRedis, readGroup } from "../../support/redis.ts"

const fresh = freshRedis()

describe("dead-letter", () => {
  it("keeps the reason and the original fields, and removes the entry from inbox and pending list", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    await ensureGroup(fresh.redis, p.inbox)
    const bad = await fresh.redis.xadd(p.inbox, "*", "type", "START", "actor", "task:x", "payload", "{not json", "reason", "mine")
    const good = await fresh.redis.xadd(p.inbox, "*", "type", "START", "actor", "task:t-1", "payload", "{}")
    await readGroup(fresh.redis, p.inbox, "c-1", 10)

    const [result] = await scripts.deadLetters(p, [{ id: bad!, reason: "payload: expected JSON" }])
    if (!result?.ok) throw new Error(result && ScriptError[result.error])
    const [[deadId, flat]] = (await fresh.redis.xrange(p.dead, "-", "+")) as [[string, string[]]]
    expect(deadId).toBe(result.value)
    expect(flat.slice(0, 4)).toEqual(["reason", "payload: expected JSON", "source", bad])
    expect(flat[4]).toBe("fields")
    expect(JSON.parse(flat[5]!)).toEqual({ type: "START", actor: "task:x", payload: "{not json", reason: "mine" })

    expect((await fresh.redis.xrange(p.inbox, "-", "+")).map(([id]) => id)).toEqual([good])
    const pending = (await fresh.redis.xpending(p.inbox, "runtime", "-", "+", 10)) as [string][]
    expect(pending.map(([id]) => id)).toEqual([good])
  })

  it("answers EntryNotFound for an entry already gone, and still clears it from the pending list", async () => {
    const p = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    await ensureGroup(fresh.redis, p.inbox)
    const id = await fresh.redis.xadd(p.inbox, "*", "type", "T")
    await readGroup(fresh.redis, p.inbox, "c-1", 10)
    await fresh.redis.xdel(p.inbox, id!)

    expect(await scripts.deadLetters(p, [{ id: id!, reason: "gone" }])).toEqual([{ ok: false, error: ScriptError.EntryNotFound }])
    expect(await fresh.redis.xpending(p.inbox, "runtime", "-", "+", 10)).toEqual([])
    expect(await fresh.redis.exists(p.dead)).toBe(0)
  })

  it("replays a dead letter before its deadline, and does nothing after it", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    await ensureGroup(fresh.redis, p.inbox)
    const bad = await fresh.redis.xadd(p.inbox, "*", "type", "START", "actor", "task:t-2", "payload", "{}")
    await readGroup(fresh.redis, p.inbox, "c-1", 10)
    const [dead] = await scripts.deadLetters(p, [{ id: bad!, reason: "refused" }])
    if (!dead?.ok) throw new Error(dead && ScriptError[dead.error])
    const [seconds, micros] = (await fresh.redis.time()) as unknown as [string, string]
    const redisNow = Number(seconds) * 1000 + Number(micros) / 1000

    await expect(scripts.replayDeadLetter(p, dead.value, Math.floor(redisNow) - 1)).rejects.toBeInstanceOf(AppendExpired)
    expect((await fresh.redis.xrange(p.dead, "-", "+")).map(([id]) => id)).toEqual([dead.value])
    expect(await fresh.redis.xlen(p.inbox)).toBe(0)

    const replayed = await scripts.replayDeadLetter(p, dead.value, Math.floor(redisNow) + 60_000)
    if (!replayed.ok) throw new Error(ScriptError[replayed.error])
    expect(await fresh.redis.xrange(p.inbox, "-", "+")).toEqual([[replayed.value, ["type", "START", "actor", "task:t-2", "payload", "{}"]]])
    expect(await fresh.redis.xlen(p.dead)).toBe(0)
  })
})

describe("dead-letters (a batch's, in one call)", () => {
  it("moves several entries in one call, each as one alone, in order, and answers EntryNotFound for one already gone", async () => {
    const p = fresh.keys.partition(5)
    const scripts = createScripts(fresh.redis)
    await ensureGroup(fresh.redis, p.inbox)
    const first = await fresh.redis.xadd(p.inbox, "*", "type", "START", "actor", "task:x", "payload", "{not json")
    const good = await fresh.redis.xadd(p.inbox, "*", "type", "START", "actor", "task:t-1", "payload", "{}")
    const gone = await fresh.redis.xadd(p.inbox, "*", "type", "T")
    const second = await fresh.redis.xadd(p.inbox, "*", "type", "STOP", "actor", "task:y", "payload", "{}")
    await readGroup(fresh.redis, p.inbox, "c-1", 10)
    await fresh.redis.xdel(p.inbox, gone!)

    const results = await scripts.deadLetters(p, [
      { id: first!, reason: "payload: expected JSON" },
      { id: gone!, reason: "gone" },
      { id: second!, reason: "quarantined: old" },
    ])
    const dead = await fresh.redis.xrange(p.dead, "-", "+")
    expect(results).toEqual([
      { ok: true, value: dead[0]![0] },
      { ok: false, error: ScriptError.EntryNotFound },
      { ok: true, value: dead[1]![0] },
    ])
    expect(dead.map(([, flat]) => [flat[1], flat[3], JSON.parse(flat[5]!)])).toEqual([
      ["payload: expected JSON", first, { type: "START", actor: "task:x", payload: "{not json" }],
      ["quarantined: old", second, { type: "STOP", actor: "task:y", payload: "{}" }],
    ])
    expect((await fresh.redis.xrange(p.inbox, "-", "+")).map(([id]) => id)).toEqual([good])
    const pending = (await fresh.redis.xpending(p.inbox, "runtime", "-", "+", 10)) as [string][]
    expect(pending.map(([id]) => id)).toEqual([good])
    expect(await scripts.deadLetters(p, [])).toEqual([])
  })
})
