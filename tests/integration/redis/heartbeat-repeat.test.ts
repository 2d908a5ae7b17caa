// An HTTP heartbeat's record (heartbeat-record.lua) and the heartbeats that repeat it (heartbeat-repeat.lua): a repeat
// pushes the armed expiry to the recorded window after Redis's time and answers the recorded entry id; a new load or
// status, no record (never made, or past its period) or no armed expiry answers nothing and writes nothing.
import { describe, expect, it } from "vitest"
import { createScripts, type TimerOp } from "../../../src/redis/scripts.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()
const scripts = () => createScripts(fresh.redis)

const arm = (agentId: string, fireAt: number): TimerOp => ({
  op: "arm",
  actor: `agent:${agentId}`,
  name: "heartbeat",
  fireAt,
  type: "HEARTBEAT_EXPIRED",
  payload: "{}",
})

/** Redis's time, ms. */
const redisNow = async (): Promise<number> => {
  const [seconds, micros] = await fresh.redis.time()
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}

const dueOf = async (p: ReturnType<typeof fresh.keys.partition>, agentId: string) =>
  Number(await fresh.redis.zscore(p.timers, `agent:${agentId}:heartbeat`))

describe("heartbeat-repeat and heartbeat-record", () => {
  it("a heartbeat that repeats the record pushes the expiry back by the recorded window and answers the recorded entry", async () => {
    const p = fresh.keys.partition(0)
    const before = await redisNow()
    await scripts().applyTimers(p, [arm("a", before + 1_000)])
    await scripts().recordHeartbeat(p, "a", { load: 0.5, status: "busy" }, { entryId: "17-0", windowMs: 30_000, periodMs: 60_000 })
    expect(await scripts().repeatHeartbeat(p, "a", "heartbeat", { load: 0.5, status: "busy" })).toBe("17-0")
    const after = await redisNow()
    expect(await dueOf(p, "a")).toBeGreaterThanOrEqual(before + 30_000)
    expect(await dueOf(p, "a")).toBeLessThanOrEqual(after + 30_000)
    // A member left out is unchanged: it repeats the record too.
    expect(await scripts().repeatHeartbeat(p, "a", "heartbeat", {})).toBe("17-0")
    expect(await scripts().repeatHeartbeat(p, "a", "heartbeat", { status: "busy" })).toBe("17-0")
  })

  it("a new load or status is not a repeat: nothing answered, the expiry left where it was", async () => {
    const p = fresh.keys.partition(1)
    const due = (await redisNow()) + 1_000
    await scripts().applyTimers(p, [arm("b", due)])
    await scripts().recordHeartbeat(p, "b", { load: 0.5 }, { entryId: "18-0", windowMs: 30_000, periodMs: 60_000 })
    expect(await scripts().repeatHeartbeat(p, "b", "heartbeat", { load: 0.25 })).toBeUndefined()
    // No status recorded yet: one reported is new.
    expect(await scripts().repeatHeartbeat(p, "b", "heartbeat", { status: "healthy" })).toBeUndefined()
    expect(await dueOf(p, "b")).toBe(due)
    // Recording only a status keeps the load recorded before; the entry and window are the new record's.
    await scripts().recordHeartbeat(p, "b", { status: "healthy" }, { entryId: "19-0", windowMs: 9_000, periodMs: 60_000 })
    expect(await fresh.redis.hgetall(p.heartbeat("b"))).toEqual({ load: "0.5", status: "healthy", window: "9000", entry: "19-0" })
    expect(await scripts().repeatHeartbeat(p, "b", "heartbeat", { load: 0.5, status: "healthy" })).toBe("19-0")
  })

  it("without a record, or once it lapsed, or with no expiry armed, nothing is answered and nothing written", async () => {
    const p = fresh.keys.partition(2)
    await scripts().applyTimers(p, [arm("c", (await redisNow()) + 1_000)])
    expect(await scripts().repeatHeartbeat(p, "c", "heartbeat", {})).toBeUndefined()

    await scripts().recordHeartbeat(p, "c", {}, { entryId: "20-0", windowMs: 30_000, periodMs: 60_000 })
    expect(await fresh.redis.pttl(p.heartbeat("c"))).toBeGreaterThan(59_000)
    await fresh.redis.pexpire(p.heartbeat("c"), 1)
    await expect.poll(() => fresh.redis.exists(p.heartbeat("c"))).toBe(0)
    expect(await scripts().repeatHeartbeat(p, "c", "heartbeat", {})).toBeUndefined()

    // Recorded, but the agent's expiry fired (offline) or was cleared: not armed again.
    await scripts().recordHeartbeat(p, "c", {}, { entryId: "21-0", windowMs: 30_000, periodMs: 60_000 })
    await scripts().applyTimers(p, [{ op: "clear", actor: "agent:c", name: "heartbeat" }])
    expect(await scripts().repeatHeartbeat(p, "c", "heartbeat", {})).toBeUndefined()
    expect(await fresh.redis.zcard(p.timers)).toBe(0)
  })
})
