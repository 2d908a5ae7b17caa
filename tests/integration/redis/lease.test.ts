// Partition leases: one owner at a time, expiry, fencing tokens that only grow, and stale
// owners refused with the mapped error code.
import { describe, expect, it } from "vitest"
import type { PartitionKeys } from "../../../src/redis/keys.ts"
import { createScripts, ScriptError, type ScriptResult } from "../../../src/redis/scripts.ts"
import { freshRedis } from "../../support/redis.ts"
import { waitFor } from "../../support/runtime.ts"

const fresh = freshRedis()

/** Until Redis has expired the partition's lease (its PX ran out). */
const leaseExpired = (p: PartitionKeys) =>
  waitFor(`${p.lease} to expire`, async () => ((await fresh.redis.exists(p.lease)) === 0 ? true : undefined))

const tokenOf = (result: ScriptResult<number>): number => {
  if (!result.ok) throw new Error(`lease not acquired: ${ScriptError[result.error]}`)
  return result.value
}

describe("partition leases", () => {
  it("are exclusive while held, for other owners and the same owner alike", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    expect((await scripts.acquireLease(p, "runtime-a", 10_000)).ok).toBe(true)
    expect(await scripts.acquireLease(p, "runtime-b", 10_000)).toEqual({ ok: false, error: ScriptError.LeaseHeld })
    expect(await scripts.acquireLease(p, "runtime-a", 10_000)).toEqual({ ok: false, error: ScriptError.LeaseHeld })
  })

  it("can be taken by another owner once expired", async () => {
    const p = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    tokenOf(await scripts.acquireLease(p, "runtime-a", 50))
    await leaseExpired(p)
    expect((await scripts.acquireLease(p, "runtime-b", 10_000)).ok).toBe(true)
  })

  it("hand out strictly increasing fencing tokens across owners, releases and expiries", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    const first = tokenOf(await scripts.acquireLease(p, "runtime-a", 10_000))
    expect(await scripts.releaseLease(p, "runtime-a", first)).toEqual({ ok: true, value: undefined })
    const second = tokenOf(await scripts.acquireLease(p, "runtime-b", 50))
    await leaseExpired(p)
    const third = tokenOf(await scripts.acquireLease(p, "runtime-a", 10_000))
    expect(second).toBeGreaterThan(first)
    expect(third).toBeGreaterThan(second)
  })

  it("renew only for the current owner with the current token", async () => {
    const p = fresh.keys.partition(3)
    const scripts = createScripts(fresh.redis)
    const stale = tokenOf(await scripts.acquireLease(p, "runtime-a", 50))
    await leaseExpired(p)
    const current = tokenOf(await scripts.acquireLease(p, "runtime-b", 1_000))

    const refused = { ok: false, error: ScriptError.NotOwner }
    expect(await scripts.renewLease(p, "runtime-a", stale, 10_000)).toEqual(refused)
    expect(await scripts.renewLease(p, "runtime-a", current, 10_000)).toEqual(refused)
    expect(await scripts.renewLease(p, "runtime-b", stale, 10_000)).toEqual(refused)
    expect(await fresh.redis.pttl(p.lease)).toBeLessThanOrEqual(1_000)

    expect(await scripts.renewLease(p, "runtime-b", current, 10_000)).toEqual({ ok: true, value: undefined })
    expect(await fresh.redis.pttl(p.lease)).toBeGreaterThan(1_000)
  })

  it("refuse to renew a lease that expired, even for its last owner", async () => {
    const p = fresh.keys.partition(4)
    const scripts = createScripts(fresh.redis)
    const token = tokenOf(await scripts.acquireLease(p, "runtime-a", 50))
    await leaseExpired(p)
    expect(await scripts.renewLease(p, "runtime-a", token, 10_000)).toEqual({ ok: false, error: ScriptError.NotOwner })
  })

  it("release only for the current owner with the current token", async () => {
    const p = fresh.keys.partition(5)
    const scripts = createScripts(fresh.redis)
    const token = tokenOf(await scripts.acquireLease(p, "runtime-a", 10_000))
    expect(await scripts.releaseLease(p, "runtime-b", token)).toEqual({ ok: false, error: ScriptError.NotOwner })
    expect(await scripts.releaseLease(p, "runtime-a", token + 1)).toEqual({ ok: false, error: ScriptError.NotOwner })
    expect(await scripts.acquireLease(p, "runtime-b", 10_000)).toEqual({ ok: false, error: ScriptError.LeaseHeld })
    expect((await scripts.releaseLease(p, "runtime-a", token)).ok).toBe(true)
    expect((await scripts.acquireLease(p, "runtime-b", 10_000)).ok).toBe(true)
  })
})
