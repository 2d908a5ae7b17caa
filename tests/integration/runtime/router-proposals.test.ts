// The router's proposals (RESERVE to the agents that took tasks) of one batch, fills and wakes alike, are
// appended in ONE append-runs.lua call over the partitions of their agents (one a partition in a Redis Cluster), each
// proposal its own entry deduplicated by its command id; the proposals an agent has not applied yet (its fill does not
// name them) still count against the free slots it reports, whichever process made them, until the hold, and so do
// those of a call that failed (none of them appended).
// Counted on the router's own connection, by what its client sends to Redis.
import { randomUUID } from "node:crypto"
import type { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../../src/redis/partition.ts"
import { type ReadyTask, routeBatch, waitingFor } from "../../../src/redis/ready-queue.ts"
import { createScripts } from "../../../src/redis/scripts.ts"
import { createAppendEach } from "../../../src/runtime/append.ts"
import { ownCommandPayload } from "../../../src/runtime/inbox-codec.ts"
import type { FillAgentOutput } from "../../../src/runtime/actor-kind.ts"
import { createRouter, type Router } from "../../../src/runtime/router.ts"
import { countScripts } from "../../support/count-scripts.ts"
import { scriptFailsOnce } from "../../support/script-failure.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment({ partitions: 4 })
})
afterAll(() => d.close())

const T0 = Date.UTC(2026, 11, 1, 10)

/** A router on `redis` (its routing and its proposals), as the runtime builds it; `takenHoldMs`: how long a proposal
 * counts while its agent's fills do not name it. */
const routerOn = (redis: Redis, takenHoldMs?: number): Router =>
  createRouter({
    sql: d.schema.sql,
    redis,
    keys: d.keys,
    appendEach: createAppendEach({ scripts: createScripts(redis), keys: d.keys, partitions: d.partitions, validate: ownCommandPayload }),
    clock: Date.now,
    ...(takenHoldMs === undefined ? {} : { takenHoldMs }),
  })

/** A router on a connection of its own whose script calls are counted. */
const countedRouter = async (): Promise<{ router: Router; counts: Map<string, number> }> => {
  const redis = await d.connectRedis("counted")
  const counts = countScripts(redis, ["route-batch", "append-runs", "append"])
  return { router: routerOn(redis), counts }
}

/** Tasks `ids` of `capability` queued, ready since `from` ms after T0 one after the other, waking no one. */
const enqueue = async (capability: string, ids: ReadonlyArray<string>, from = 0): Promise<void> => {
  const tasks: ReadyTask[] = ids.map((taskId, i) => ({ capability, group: null, taskId, priority: 2, since: T0 + from + i }))
  await routeBatch(d.redis, d.keys, { releases: [], fills: [], tasks, wakeAgents: 0 })
}
const taskIds = (n: number): string[] => Array.from({ length: n }, () => randomUUID())

/** An agent's request for work as its binding makes it: its free slots, and the slots its machine holds. */
const fill = (agentId: string, capability: string, free: number, held: string[] = []): FillAgentOutput => ({
  _tag: "fill_agent",
  agentId,
  capabilities: [capability],
  free,
  held,
})
const fills = (router: Router, requests: FillAgentOutput[], cmdId: string) =>
  router.route({ queue: [], fills: requests, releases: [] }, cmdId)

/** The agent's inbox entries (id, fields in order), of every type. */
const entriesOf = async (agentId: string): Promise<Array<[string, string[]]>> =>
  (await d.redis.xrange(d.keys.partition(partitionOf("agent", agentId, d.partitions)).inbox, "-", "+")).filter(
    ([, flat]) => flat[3] === `agent:${agentId}`,
  )
const fieldsOf = async (agentId: string): Promise<string[][]> => (await entriesOf(agentId)).map(([, flat]) => flat)
/** A RESERVE entry's fields as a proposal writes them. */
const reserve = (agentId: string, taskId: string, cmdId: string): string[] => [
  "type",
  "RESERVE",
  "actor",
  `agent:${agentId}`,
  "payload",
  JSON.stringify({ task_id: taskId }),
  "cmdId",
  cmdId,
]

describe("the router's proposals", () => {
  it("appends a batch's N proposals (fills and wakes) over K partitions in K calls, each proposal one entry", async () => {
    const { router, counts } = await countedRouter()
    const capability = `k-${randomUUID()}`
    const [a0, a1, a2] = [0, 1, 2].map((p) => d.idIn("agent", p)) as [string, string, string]
    const sleeper = d.idIn("agent", 1)
    // The sleeper asks when nothing waits: it is idle, to be woken by the batch's new task (proposed: its breaker is not
    // closed, so its slots are not given straight).
    await fills(router, [{ ...fill(sleeper, capability, 1), transfers: false }], "warm")
    const waiting = taskIds(4)
    await enqueue(capability, waiting)
    const fresh = randomUUID()
    const before = Object.fromEntries(counts)
    await router.route(
      {
        queue: [{ _tag: "route_task", taskId: fresh, capability, priority: 2, since: T0 + 10 }],
        fills: [fill(a0, capability, 2), fill(a1, capability, 1), fill(a2, capability, 1)],
        releases: [],
      },
      "batch",
    )
    const calls = Object.fromEntries([...counts].map(([name, n]) => [name, n - (before[name] ?? 0)]))
    // Five proposals to agents of three partitions: one routing call, one append call.
    expect(calls).toEqual({ "route-batch": 1, "append-runs": 1, append: 0 })
    const [t0, t1, t2, t3] = waiting as [string, string, string, string]
    expect(await fieldsOf(a0)).toEqual([reserve(a0, t0, `batch/${t0}`), reserve(a0, t1, `batch/${t1}`)])
    expect(await fieldsOf(a1)).toEqual([reserve(a1, t2, `batch/${t2}`)])
    expect(await fieldsOf(a2)).toEqual([reserve(a2, t3, `batch/${t3}`)])
    expect(await fieldsOf(sleeper)).toEqual([reserve(sleeper, fresh, `batch/w/${fresh}`)])
  })

  it("proposes nothing again when a batch is routed again with its command id (by another process): its proposals are on their way", async () => {
    const capability = `again-${randomUUID()}`
    const [x, y] = [d.idIn("agent", 0), d.idIn("agent", 3)]
    const tasks = taskIds(3)
    await enqueue(capability, tasks)
    const requests = [fill(x, capability, 2), fill(y, capability, 1)]
    await fills(routerOn(d.redis), requests, "again")
    const first = { x: await entriesOf(x), y: await entriesOf(y) }
    expect(first.x).toHaveLength(2)
    expect(first.y).toHaveLength(1)
    // Redelivered to another process, more tasks waiting, the agents not having applied the proposals: they count
    // against the free slots the same requests report, so nothing more is taken.
    const more = taskIds(2)
    await enqueue(capability, more)
    await fills(routerOn(d.redis), requests, "again")
    expect({ x: await entriesOf(x), y: await entriesOf(y) }).toEqual(first)
    expect(await waitingFor(d.redis, d.keys, capability)).toEqual(more)
  })

  it("counts the proposals an agent has not applied against its free slots, whichever process made them, and only those", async () => {
    const capability = `unseen-${randomUUID()}`
    const agent = randomUUID()
    const tasks = taskIds(5)
    await enqueue(capability, tasks)
    await fills(routerOn(d.redis), [fill(agent, capability, 2)], "one")
    const proposed = await entriesOf(agent)
    expect(proposed.map(([, flat]) => flat[5])).toEqual(tasks.slice(0, 2).map((taskId) => JSON.stringify({ task_id: taskId })))
    // Another process, before the agent applied them: 2 free less 2 on their way, nothing proposed.
    await fills(routerOn(d.redis), [fill(agent, capability, 2)], "two")
    expect(await entriesOf(agent)).toEqual(proposed)
    expect(await waitingFor(d.redis, d.keys, capability)).toEqual(tasks.slice(2))
    // Applied (its machine holds both), a third slot free: they no longer count, it takes one.
    await fills(routerOn(d.redis), [fill(agent, capability, 1, tasks.slice(0, 2))], "three")
    expect((await entriesOf(agent)).map(([, flat]) => flat.slice(5))).toEqual([
      ...proposed.map(([, flat]) => flat.slice(5)),
      [JSON.stringify({ task_id: tasks[2] }), "cmdId", `three/${tasks[2]}`],
    ])
    // That one refused (never named): it counts until the hold is over, then the agent's free slot takes the next.
    const held = tasks.slice(0, 2)
    await fills(routerOn(d.redis), [fill(agent, capability, 1, held)], "four")
    expect(await entriesOf(agent)).toHaveLength(3)
    const hasty = routerOn(d.redis, 50)
    await waitFor("the refused proposal's hold over", async () => {
      await fills(hasty, [fill(agent, capability, 1, held)], `five-${Date.now()}`)
      return (await entriesOf(agent)).length === 4 ? true : undefined
    })
    expect((await entriesOf(agent)).at(-1)![1][5]).toBe(JSON.stringify({ task_id: tasks[3] }))
  })

  it("counts the proposals of a failed append call until the hold, none of them appended", async () => {
    const capability = `fail-${randomUUID()}`
    const [lost, kept] = [d.idIn("agent", 1), d.idIn("agent", 2)]
    const tasks = taskIds(2)
    await enqueue(capability, tasks)
    // The append call (both agents' partitions) fails: neither proposal is appended.
    const failing = scriptFailsOnce(await d.connectRedis("failing"), "append-runs", () => undefined)
    const router = routerOn(failing)
    await expect(fills(router, [fill(lost, capability, 1), fill(kept, capability, 1)], "fails")).rejects.toThrow("append-runs failed")
    expect(await fieldsOf(lost)).toEqual([])
    expect(await fieldsOf(kept)).toEqual([])
    // Kept's proposal, not appended, still counts against its free slots: a new task is not proposed to it.
    const more = taskIds(1)
    await enqueue(capability, more)
    await fills(router, [fill(kept, capability, 1)], "later")
    expect(await fieldsOf(kept)).toEqual([])
    // Lost's proposal that was never appended counts too, until the hold: its task waits for the routing sweep (which
    // queues it again after the hold), and the batch's redelivery after it proposes it.
    await fills(router, [fill(lost, capability, 1)], "fails")
    expect(await fieldsOf(lost)).toEqual([])
    await enqueue(capability, [tasks[0]!], -1)
    const afterHold = routerOn(d.redis, 0)
    await fills(afterHold, [fill(lost, capability, 1)], "fails")
    expect(await fieldsOf(lost)).toEqual([reserve(lost, tasks[0]!, `fails/${tasks[0]}`)])
  })
})
