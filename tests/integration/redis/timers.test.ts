// Durable timers: armed, replaced and cleared by name (timers-apply.lua, here one operation a call); due ones
// move into the inbox atomically.
import { describe, expect, it } from "vitest"
import { close } from "../../../src/redis/client.ts"
import type { PartitionKeys } from "../../../src/redis/keys.ts"
import { createScripts, type RedisScripts, type TimerSpec } from "../../../src/redis/scripts.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()

const deadline = (fireAt: number, attempt = 1): TimerSpec => ({
  actor: "task:t-1",
  name: "deadline",
  fireAt,
  type: "DEADLINE",
  payload: JSON.stringify({ attempt }),
})

/** Arms one timer (replacing one of the same name), or clears one, in a call of its own. */
const arm = (scripts: RedisScripts, p: PartitionKeys, timer: TimerSpec) => scripts.applyTimers(p, [{ op: "arm", ...timer }])
const clear = (scripts: RedisScripts, p: PartitionKeys, actor: string, name: string) =>
  scripts.applyTimers(p, [{ op: "clear", actor, name }])

const inbox = async (key: string) => (await fresh.redis.xrange(key, "-", "+")).map(([, flat]) => flat)

describe("durable timers", () => {
  it("fire only the due ones, as inbox entries naming the timer, and leave the rest", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    await arm(scripts, p, deadline(1_000))
    await arm(scripts, p, { ...deadline(2_000), actor: "task:t-2" })
    await arm(scripts, p, { ...deadline(3_000), actor: "task:t-3" })

    expect((await scripts.fireTimers(p, 999, 10)).moved).toBe(0)
    expect((await scripts.fireTimers(p, 2_000, 10)).moved).toBe(2)
    expect(await inbox(p.inbox)).toEqual([
      ["type", "DEADLINE", "actor", "task:t-1", "payload", '{"attempt":1}', "timer", "task:t-1:deadline"],
      ["type", "DEADLINE", "actor", "task:t-2", "payload", '{"attempt":1}', "timer", "task:t-2:deadline"],
    ])
    expect(await fresh.redis.zrange(p.timers, 0, -1)).toEqual(["task:t-3:deadline"])
    expect(await fresh.redis.hkeys(p.timerData)).toEqual(["task:t-3:deadline"])
  })

  it("store a timer without its actor when the member names it, and fire one stored with it (an older form) the same", async () => {
    const p = fresh.keys.partition(9)
    const scripts = createScripts(fresh.redis)
    await arm(scripts, p, deadline(1_000))
    await arm(scripts, p, { ...deadline(1_000), actor: "task:t:2", name: "odd:name" })
    expect(JSON.parse((await fresh.redis.hget(p.timerData, "task:t-1:deadline"))!)).toEqual({ type: "DEADLINE", payload: '{"attempt":1}' })
    await fresh.redis.zadd(p.timers, 1_000, "task:t-3:deadline")
    await fresh.redis.hset(p.timerData, "task:t-3:deadline", JSON.stringify({ type: "DEADLINE", actor: "task:t-3", payload: "{}" }))
    expect((await scripts.fireTimers(p, 1_000, 10)).moved).toBe(3)
    expect((await inbox(p.inbox)).map((fields) => [fields[3], fields[7]]).sort()).toEqual([
      ["task:t-1", "task:t-1:deadline"],
      ["task:t-3", "task:t-3:deadline"],
      ["task:t:2", "task:t:2:odd:name"],
    ])
  })

  it("fire at most N per call, earliest first", async () => {
    const p = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    for (const i of [3, 1, 2]) await arm(scripts, p, { ...deadline(i * 100), actor: `task:t-${i}` })
    expect((await scripts.fireTimers(p, 1_000, 2)).moved).toBe(2)
    expect((await inbox(p.inbox)).map((fields) => fields[3])).toEqual(["task:t-1", "task:t-2"])
    expect((await scripts.fireTimers(p, 1_000, 2)).moved).toBe(1)
  })

  it("replace a timer of the same name: its new time and event, once", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    await arm(scripts, p, deadline(1_000, 1))
    await arm(scripts, p, deadline(5_000, 2))
    // One timer of that name: the second arm's time and event.
    expect(await fresh.redis.zrange(p.timers, 0, -1, "WITHSCORES")).toEqual(["task:t-1:deadline", "5000"])
    expect(await fresh.redis.hgetall(p.timerData)).toEqual({
      "task:t-1:deadline": JSON.stringify({ type: "DEADLINE", payload: '{"attempt":2}' }),
    })
    expect(await scripts.fireTimers(p, 4_999, 10)).toEqual({ moved: 0, nextDue: 5_000 })
    expect((await scripts.fireTimers(p, 5_000, 10)).moved).toBe(1)
    expect(await inbox(p.inbox)).toEqual([
      ["type", "DEADLINE", "actor", "task:t-1", "payload", '{"attempt":2}', "timer", "task:t-1:deadline"],
    ])
  })

  it("clear a timer so it never fires; other names of the same actor stay", async () => {
    const p = fresh.keys.partition(3)
    const scripts = createScripts(fresh.redis)
    await arm(scripts, p, deadline(1_000))
    await arm(scripts, p, { ...deadline(1_000), name: "retry", type: "RETRY" })
    await clear(scripts, p, "task:t-1", "deadline")
    const cleared = [await fresh.redis.zrange(p.timers, 0, -1), await fresh.redis.hkeys(p.timerData)]
    expect(cleared).toEqual([["task:t-1:retry"], ["task:t-1:retry"]])
    // Clearing it again (a redelivered batch) changes nothing.
    expect(await clear(scripts, p, "task:t-1", "deadline")).toBe(1)
    expect([await fresh.redis.zrange(p.timers, 0, -1), await fresh.redis.hkeys(p.timerData)]).toEqual(cleared)
    expect((await scripts.fireTimers(p, 10_000, 10)).moved).toBe(1)
    expect((await inbox(p.inbox)).map((fields) => fields[1])).toEqual(["RETRY"])
    expect(await fresh.redis.hlen(p.timerData)).toBe(0)
  })

  it("fire each timer exactly once when several processes fire at the same time", async () => {
    const p = fresh.keys.partition(4)
    const scripts = createScripts(fresh.redis)
    const timers = 200
    for (let i = 0; i < timers; i++) await arm(scripts, p, { ...deadline(i), actor: `task:t-${i}` })
    const others = await Promise.all([fresh.connect("firer-1"), fresh.connect("firer-2"), fresh.connect("firer-3")])
    const moved = await Promise.all(
      others.flatMap((redis) => {
        const firer = createScripts(redis)
        return Array.from({ length: 10 }, () => firer.fireTimers(p, 1_000, 7))
      }),
    )
    const rest = await scripts.fireTimers(p, 1_000, timers)
    expect(moved.reduce((a, b) => a + b.moved, 0) + rest.moved).toBe(timers)
    expect(rest.nextDue).toBeNull()
    const actors = (await inbox(p.inbox)).map((fields) => fields[3])
    expect(actors).toHaveLength(timers)
    expect(new Set(actors).size).toBe(timers)
  })

  it("survive the connection that armed them", async () => {
    const p = fresh.keys.partition(5)
    const armer = await fresh.connect("armer")
    await arm(createScripts(armer), p, deadline(1_000))
    await close(armer)
    const later = await fresh.connect("later")
    expect((await createScripts(later).fireTimers(p, 1_000, 10)).moved).toBe(1)
    expect(await inbox(p.inbox)).toHaveLength(1)
  })
})
