// A lease Redis forgot (a restart without persistence, an expiry during a stall) makes the runtime
// unready at once, not after its next renewal, and it takes the partition back and applies its
// commands again without waiting a tick more.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const PARTITIONS = 4
const FORGOTTEN = 2
let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: PARTITIONS })
})
afterAll(() => deployment.close())

describe("a lease Redis no longer holds", () => {
  it("is seen by the readiness check, and the partition is taken again and works", async () => {
    // Renewals far apart, so only the readiness check can notice the forgotten lease.
    const runtime = await deployment.startRuntime({ tickMs: 60_000, leaseTtlMs: 120_000, memberExpiryMs: 120_000 })
    await waitFor("every partition owned and ready", async () =>
      runtime.owned().length === PARTITIONS && (await runtime.readiness()).ready ? true : undefined,
    )
    const lease = deployment.keys.partition(FORGOTTEN).lease
    const before = await deployment.redis.hget(lease, "token")

    await deployment.redis.del(lease)
    const verdict = await runtime.readiness()
    expect(verdict.ready).toBe(false)
    expect(verdict.redis).toBe(true)

    await waitFor("the partition taken again under a new lease", async () => {
      const [owner, token] = await deployment.redis.hmget(lease, "owner", "token")
      return owner === runtime.member && token !== null && token !== before ? true : undefined
    })
    await waitFor("ready again", async () => ((await runtime.readiness()).ready ? true : undefined))
    const id = deployment.idIn("task", FORGOTTEN)
    await deployment.append({
      kind: "task",
      id,
      type: "CREATE",
      payload: { id, title: "after the lease came back", capability: "lease", dependsOn: [], blocked: false },
    })
    const task = await deployment.actor("task", id)
    expect(task.state).toBe("ready")
  })
})
