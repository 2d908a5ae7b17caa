// Issue 8's "done when": poison entries injected in the middle of a 2,000-task run (raw XADDs no
// validation lets through, and one written to another partition's inbox) are dead-lettered within
// seconds, each with its reason, while all 2,000 tasks complete.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../../src/redis/partition.ts"
import { completeAssignedTasks, QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const TASKS = 2_000
const PARTITIONS = 8

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: PARTITIONS })
})
afterAll(() => deployment.close())

const deadLetters = async () => {
  const all = await Promise.all(
    Array.from({ length: PARTITIONS }, (_, p) => deployment.redis.xrange(deployment.keys.partition(p).dead, "-", "+")),
  )
  return all.flat().map(([, flat]) => Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]]] : []))))
}

describe("poison in the middle of a run", () => {
  it("dead-letters each poison entry within seconds while every task completes", async () => {
    const runtime = await deployment.startRuntime(QUICK)
    for (let i = 0; i < 8; i += 1) {
      const id = randomUUID()
      // Connected once and never heard from again: a long heartbeat interval keeps them online through a run
      // that a loaded machine stretches past 3 × the default 10 s (then no task would be assigned).
      await deployment.append({
        kind: "agent",
        id,
        type: "CREATE",
        payload: { id, name: `bot-${i}`, capabilities: ["poison-run"], maxConcurrency: 16, heartbeatIntervalMs: 600_000 },
      })
      await deployment.append({ kind: "agent", id, type: "CONNECT", payload: {} })
    }
    const create = (id: string) =>
      deployment.append({
        kind: "task",
        id,
        type: "CREATE",
        payload: { id, title: "work", capability: "poison-run", dependsOn: [], blocked: false },
      })
    const ids = Array.from({ length: TASKS }, () => randomUUID())
    await Promise.all(ids.slice(0, TASKS / 2).map(create))

    // The poison, halfway: a NUL in a result, nesting deeper than 64, an unpaired surrogate, an
    // unknown command, and a command written to the wrong partition's inbox.
    const victim = ids[0]!
    const home = partitionOf("task", victim, PARTITIONS)
    const inbox = (p: number) => deployment.keys.partition(p).inbox
    const deep = JSON.stringify(Array.from({ length: 100 }).reduce<unknown>((inner) => ({ a: inner }), 1))
    const poison = [
      [inbox(home), "COMPLETE", JSON.stringify({ agent_id: randomUUID(), result: { log: "a\u0000b" } })],
      [inbox(home), "PROGRESS", `{"agent_id":"${randomUUID()}","progress":0.5,"message":"\\ud800"}`],
      [inbox(home), "COMPLETE", `{"agent_id":"${randomUUID()}","result":${deep}}`],
      [inbox(home), "EXPLODE", "{}"],
      [inbox((home + 1) % PARTITIONS), "CANCEL", JSON.stringify({ reason: "wrong inbox" })],
    ] as const
    const injectedAt = Date.now()
    for (const [stream, type, payload] of poison) {
      await deployment.redis.xadd(stream, "*", "type", type, "actor", `task:${victim}`, "payload", payload)
    }
    await Promise.all(ids.slice(TASKS / 2).map(create))

    const letters = await waitFor(
      "the poison dead-lettered",
      async () => {
        const found = await deadLetters()
        return found.length === poison.length ? found : undefined
      },
      15_000,
    )
    const seconds = (Date.now() - injectedAt) / 1000
    expect(letters.every((letter) => String(letter["reason"]).length > 0)).toBe(true)
    expect(letters.map((letter) => JSON.parse(String(letter["fields"]))["type"]).sort()).toEqual(poison.map(([, type]) => type).sort())

    const done = await completeAssignedTasks(deployment, TASKS, 120_000)
    expect(done.size).toBe(TASKS)
    expect(runtime.stats.deadLettered).toBe(poison.length)
    console.log(`poison run: ${TASKS} tasks completed, ${poison.length} poison entries dead-lettered within ${seconds.toFixed(1)} s`)
    expect(await runtime.readiness()).toMatchObject({ ready: true, failing: {} })
  }, 180_000)
})
