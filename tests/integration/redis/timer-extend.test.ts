// Pushing an armed timer back (timer-extend.lua): a heartbeat that changes nothing moves its agent's expiry to the
// window after Redis's time, never earlier than it is due, and keeps the entry it appends when it fires; a timer not
// armed stays absent (the edge then appends the heartbeat).
import { describe, expect, it } from "vitest"
import { createScripts, type TimerOp } from "../../../src/redis/scripts.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()

const arm = (actor: string, fireAt: number): TimerOp => ({
  op: "arm",
  actor,
  name: "heartbeat",
  fireAt,
  type: "HEARTBEAT_EXPIRED",
  payload: JSON.stringify({ seq: 4 }),
})

/** Redis's time, ms. */
const redisNow = async (): Promise<number> => {
  const [seconds, micros] = await fresh.redis.time()
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}

describe("timer-extend", () => {
  it("pushes an armed timer to the window after Redis's time, keeping what it appends when it fires", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    const before = await redisNow()
    await scripts.applyTimers(p, [arm("agent:a", before + 1_000)])
    expect(await scripts.extendTimer(p, "agent:a", "heartbeat", 30_000)).toBe(true)
    const after = await redisNow()
    const due = Number(await fresh.redis.zscore(p.timers, "agent:a:heartbeat"))
    expect(due).toBeGreaterThanOrEqual(before + 30_000)
    expect(due).toBeLessThanOrEqual(after + 30_000)
    expect(JSON.parse((await fresh.redis.hget(p.timerData, "agent:a:heartbeat")) ?? "null")).toEqual({
      type: "HEARTBEAT_EXPIRED",
      payload: '{"seq":4}',
    })
  })

  it("never moves a timer earlier than it is due", async () => {
    const p = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    const later = (await redisNow()) + 3_600_000
    await scripts.applyTimers(p, [arm("agent:b", later)])
    expect(await scripts.extendTimer(p, "agent:b", "heartbeat", 30_000)).toBe(true)
    expect(Number(await fresh.redis.zscore(p.timers, "agent:b:heartbeat"))).toBe(later)
  })

  it("leaves a timer that is not armed absent, and answers false", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    expect(await scripts.extendTimer(p, "agent:c", "heartbeat", 30_000)).toBe(false)
    expect(await fresh.redis.zcard(p.timers)).toBe(0)
    // Fired (gone from the set): not armed again either.
    await scripts.applyTimers(p, [arm("agent:c", 1)])
    expect((await scripts.fireTimers(p, 2, 10)).moved).toBe(1)
    expect(await scripts.extendTimer(p, "agent:c", "heartbeat", 30_000)).toBe(false)
    expect(await fresh.redis.zcard(p.timers)).toBe(0)
  })
})
