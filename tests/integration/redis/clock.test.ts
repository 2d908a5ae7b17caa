// The estimate of Redis's clock against a real Redis (src/redis/clock.ts): none before the first
// sample, then one whose interval holds the offset measured by a separate TIME round trip; dropped
// when the connection closes (the server behind the URL may be another one after a reconnect).
import { performance } from "node:perf_hooks"
import { describe, expect, it } from "vitest"
import { createRedisClock } from "../../../src/redis/clock.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()

describe("Redis clock", () => {
  it("holds no estimate until sampled, then one that bounds Redis's offset from the local clock", async () => {
    const clock = createRedisClock(fresh.redis)
    expect(clock.fresh()).toBeUndefined()
    await clock.sample()
    const estimate = clock.fresh()
    expect(estimate).toBeDefined()
    if (estimate === undefined) return
    // Another round trip: Redis's reading lies between the local times around it, shifted by the true offset.
    const before = clock.now()
    const [seconds, micros] = (await fresh.redis.time()) as unknown as [string, string]
    const after = clock.now()
    const redisMs = Number(seconds) * 1000 + Number(micros) / 1000
    const bound = estimate.errorMs + 1 // TIME's microseconds, and float arithmetic
    expect(redisMs).toBeGreaterThanOrEqual(before + estimate.offsetMs - bound)
    expect(redisMs).toBeLessThanOrEqual(after + estimate.offsetMs + bound)
    // The local clock is the monotonic one, on the epoch's scale.
    expect(Math.abs(clock.now() - (performance.timeOrigin + performance.now()))).toBeLessThan(5)
  })

  it("drops the estimate when its connection closes", async () => {
    const redis = await fresh.connect("test-clock-close")
    const clock = createRedisClock(redis)
    await clock.sample()
    expect(clock.fresh()).toBeDefined()
    redis.disconnect()
    await new Promise((resolve) => redis.once("end", resolve))
    expect(clock.fresh()).toBeUndefined()
  })

  it("is not fresh once older than its maximum age", async () => {
    let now = 1_000_000
    const clock = createRedisClock(fresh.redis, () => now)
    await clock.sample()
    expect(clock.fresh()).toMatchObject({ errorMs: 0 })
    now += 10_001
    expect(clock.fresh()).toBeUndefined()
  })
})
