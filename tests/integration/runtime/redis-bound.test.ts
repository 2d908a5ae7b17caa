// Invariant 9, Redis side: Redis keeps only what is live. After a workload has completed, its inbox
// entries are gone (acknowledged ones are deleted), its command ids are forgotten once the dedupe
// window has passed, the notes of taken tasks once their hold has passed (the routing sweep drops them),
// its tasks left nothing in the ready queues or the timers, and the event stream
// is capped at about its retention. What is left is bounded: the events, plus a few keys per
// partition, per live agent and per runtime (docs/performance.md states the bound).
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { completeAssignedTasks, QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const RETENTION = 400
const DEDUPE_MS = 1_500
const TASKS = 600
/** Bytes Redis may hold for a deployment at rest besides its event stream: per partition (its inbox
 * stream and group, timers, lease, fence), per live agent (timer, idle hint) and per runtime (members, stats). */
const REST_BOUND = 16 * 2_048 + 4 * 1_024 + 16 * 1_024

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 16, dedupeTtlMs: DEDUPE_MS })
})
afterAll(() => deployment.close())

const keysOf = async (): Promise<string[]> => {
  const found: string[] = []
  for (const pattern of deployment.keys.patterns) {
    for await (const batch of deployment.redis.scanStream({ match: pattern, count: 1_000 })) found.push(...(batch as string[]))
  }
  return found
}

describe("what Redis keeps", () => {
  it("keeps the capped event stream and a bounded rest once a workload has completed", async () => {
    await deployment.startRuntime({ ...QUICK, eventRetention: RETENTION })
    const agents = Array.from({ length: 4 }, () => randomUUID())
    for (const id of agents) {
      await deployment.append({
        kind: "agent",
        id,
        type: "CREATE",
        payload: { id, name: "keeper", capabilities: ["bound"], maxConcurrency: 8 },
      })
      await deployment.append({ kind: "agent", id, type: "CONNECT", payload: {} })
    }
    const tasks = Array.from({ length: TASKS }, () => randomUUID())
    await Promise.all(
      tasks.map((id) =>
        deployment.append({
          kind: "task",
          id,
          type: "CREATE",
          payload: { id, title: "bounded", capability: "bound", dependsOn: [], blocked: false },
        }),
      ),
    )

    await completeAssignedTasks(deployment, TASKS)

    const inboxes = Array.from({ length: 16 }, (_, p) => deployment.keys.partition(p).inbox)
    await waitFor("the inboxes emptied", async () =>
      (await Promise.all(inboxes.map((inbox) => deployment.redis.xlen(inbox)))).every((n) => n === 0) ? true : undefined,
    )
    await waitFor(
      "the command ids forgotten",
      async () => ((await keysOf()).some((key) => key.includes(":dedupe:")) ? undefined : true),
      10_000,
    )
    await waitFor(
      "the notes of taken tasks forgotten",
      async () => ((await deployment.redis.exists(`${deployment.keys.route}:taken`)) === 0 ? true : undefined),
      10_000,
    )

    const events = await deployment.redis.xlen(deployment.keys.events)
    expect(events).toBeGreaterThanOrEqual(RETENTION)
    expect(events).toBeLessThanOrEqual(RETENTION + 200) // MAXLEN ~ trims whole macro nodes
    expect(await deployment.redis.zcard(deployment.keys.ready("bound"))).toBe(0)
    const timers = await Promise.all(Array.from({ length: 16 }, (_, p) => deployment.redis.zcard(deployment.keys.partition(p).timers)))
    expect(timers.reduce((a, b) => a + b, 0)).toBe(agents.length) // each live agent's heartbeat expiry; no task left one

    const keys = await keysOf()
    const bytes = async (key: string) => Number((await deployment.redis.call("MEMORY", "USAGE", key)) ?? 0)
    const eventBytes = await bytes(deployment.keys.events)
    const rest = (await Promise.all(keys.filter((key) => key !== deployment.keys.events).map(bytes))).reduce((a, b) => a + b, 0)
    console.log(`Redis after ${TASKS} tasks: ${keys.length} keys, event stream ${events} entries / ${eventBytes} B, the rest ${rest} B`)
    expect(rest).toBeLessThanOrEqual(REST_BOUND)
  })
})
