// The shared byte budget (byte-budget.lua): a token bucket on the caller's clock that lets a frame's
// bytes through only when that many are left, always takes the bytes already let through (going
// below zero), refills at its rate up to its burst, and ignores a clock behind the stored time.
import { describe, expect, it } from "vitest"
import { createScripts } from "../../../src/redis/scripts.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()
const budget = { perSecond: 1_000, burst: 4_000 }
const T0 = 1_800_000_000_000

describe("the shared byte budget", () => {
  it("starts full and lets bytes through while that many are left", async () => {
    const scripts = createScripts(fresh.redis)
    const key = fresh.keys.rateLimit("ws-bytes", "full")
    expect(await scripts.takeBytes(key, budget, 0, 3_000, T0)).toBe(true)
    expect(await scripts.takeBytes(key, budget, 0, 1_001, T0)).toBe(false)
    expect(await scripts.takeBytes(key, budget, 0, 1_000, T0)).toBe(true)
    expect(await fresh.redis.hget(key, "tokens")).toBe("0.000")
  })

  it("takes the bytes already let through even below zero, and refills at its rate up to its burst", async () => {
    const scripts = createScripts(fresh.redis)
    const key = fresh.keys.rateLimit("ws-bytes", "owed")
    expect(await scripts.takeBytes(key, budget, 5_000, 0, T0)).toBe(true)
    expect(await fresh.redis.hget(key, "tokens")).toBe("-1000.000")
    // 1.5 s later: -1000 + 1500 = 500 left.
    expect(await scripts.takeBytes(key, budget, 0, 501, T0 + 1_500)).toBe(false)
    expect(await scripts.takeBytes(key, budget, 0, 500, T0 + 1_500)).toBe(true)
    // Much later: full again, never over the burst.
    expect(await scripts.takeBytes(key, budget, 0, 4_001, T0 + 60_000)).toBe(false)
    expect(await scripts.takeBytes(key, budget, 0, 4_000, T0 + 60_000)).toBe(true)
  })

  it("refills nothing for a caller whose clock is behind, and expires a minute after it would be full", async () => {
    const scripts = createScripts(fresh.redis)
    const key = fresh.keys.rateLimit("ws-bytes", "skew")
    expect(await scripts.takeBytes(key, budget, 0, 4_000, T0)).toBe(true)
    expect(await scripts.takeBytes(key, budget, 0, 1, T0 - 5_000)).toBe(false)
    const ttl = await fresh.redis.pttl(key)
    expect(ttl).toBeGreaterThan(60_000)
    expect(ttl).toBeLessThanOrEqual(64_000)
  })
})
