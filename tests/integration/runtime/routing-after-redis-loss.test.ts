// A Redis restarted without its data forgets the routing state with the leases: the idle agents, their kept free
// slots, the ready queues. The runtime takes its partitions again at once; the routing state comes back with
// them, not at the next periodic sweep, which queues only tasks that waited longer than its period: an agent
// online with free slots gets the next task at once.
import { randomUUID } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { deletePrefixKeys } from "../../support/redis.ts"
import { QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { agentOf, createTask, idleAgent } from "../../support/slots.ts"

const PARTITIONS = 4
let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment({ partitions: PARTITIONS })
})
afterAll(() => d.close())
// A retry starts its own runtime: the one before must not hold partitions meanwhile.
afterEach(() => d.stopAll())

const leaseOwners = (): Promise<Array<string | null>> =>
  Promise.all(Array.from({ length: PARTITIONS }, (_, p) => d.redis.hget(d.keys.partition(p).lease, "owner")))

describe("the routing state after Redis lost its data", () => {
  it("is rebuilt when the partitions are taken again: an agent online with free slots gets a new task", async () => {
    // The periodic sweep an hour away: only the rebuild can tell Redis of the agent again.
    const runtime = await d.startRuntime({ ...QUICK, sweepMs: 3_600_000 })
    await waitFor("every partition owned", async () => (runtime.owned().length === PARTITIONS ? true : undefined))
    const capability = `lost-${randomUUID().slice(0, 8)}`
    const agentId = await idleAgent(d, capability, 1)

    await deletePrefixKeys(d.redis, d.keys)
    expect(await leaseOwners()).toEqual(Array(PARTITIONS).fill(null))
    await waitFor("every partition taken again", async () =>
      (await leaseOwners()).every((owner) => owner === runtime.member) ? true : undefined,
    )
    const taskId = randomUUID()
    await createTask(d, taskId, capability)

    const task = await d.actor("task", taskId, (row) => row.state === "assigned")
    expect(agentOf(task)).toBe(agentId)
  }, 30_000)
})
