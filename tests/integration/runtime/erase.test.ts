// Erasure survives a crash: an owner that commits a session's ERASE and dies before carrying out its outbox
// leaves the entry pending with the outbox stored beside the session; the next owner carries it out again
// (the cancel sweep, ERASE to each task), and only then PURGE deletes the session: nothing is left behind,
// neither a row nor a transition of the session or of its tasks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { sessionTaskId } from "../../../machines/task-ids.ts"
import { RUNTIME_GROUP } from "../../../src/redis/keys.ts"
import { QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { scriptFailsOnce } from "../../support/script-failure.ts"

const SESSION_PARTITION = 0
let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
})
afterAll(() => deployment.close())
afterEach(() => deployment.stopAll())

const stored = async (ids: string[]) => {
  const { sql } = deployment.schema
  const [rows] = await sql<{ count: number }[]>`select count(*)::int as count from actors where id in ${sql(ids)}`
  const [history] = await sql<{ count: number }[]>`select count(*)::int as count from transitions where actor_id in ${sql(ids)}`
  return { rows: rows!.count, transitions: history!.count }
}

describe("erasure", () => {
  it("is carried out in full by the next owner when the first dies after committing ERASE", async () => {
    const runtime = await deployment.startRuntime()
    const sessionId = deployment.idIn("session", SESSION_PARTITION)
    const tasks = [0, 1, 2].map((index) => sessionTaskId(sessionId, index))
    await deployment.append({
      kind: "session",
      id: sessionId,
      type: "CREATE",
      payload: {
        id: sessionId,
        title: "erased after a crash",
        tasks: tasks.map((id, index) => ({
          id,
          key: `t${index}`,
          title: `t${index}`,
          capability: "erase-crash",
          dependsOn: index === 0 ? [] : [tasks[index - 1]],
          spec: {},
        })),
      },
    })
    for (const id of tasks) await deployment.actor("task", id, (row) => row.state === "blocked")
    await runtime.stop()

    const erase = await deployment.append({ kind: "session", id: sessionId, type: "ERASE", payload: {} })
    const lease = await deployment.scripts.acquireLease(deployment.keys.partition(SESSION_PARTITION), "doomed", QUICK.leaseTtlMs ?? 1_000)
    if (!lease.ok) throw new Error("the session's partition is owned already")
    let died: Promise<void> | undefined
    const worker = await deployment.startWorker(SESSION_PARTITION, lease.value, {
      consumer: "doomed",
      redis: scriptFailsOnce(await deployment.connectRedis(), "events-publish", () => (died = worker.stop())),
    })
    await waitFor("the owner to die", async () => (died === undefined ? undefined : { died }))
    await died
    // ERASE is committed (the pending sweep and erasure stored with the session), none of its effects carried out.
    expect(await deployment.actor("session", sessionId)).toMatchObject({ state: "cancelled", streamId: erase.streamId })
    for (const id of tasks) expect((await deployment.actor("task", id)).state).toBe("blocked")

    const next = await deployment.startRuntime()
    await waitFor("the session, its tasks and their history erased", async () => {
      const left = await stored([sessionId, ...tasks])
      return left.rows === 0 && left.transitions === 0 ? true : undefined
    })
    const pending = await Promise.all(
      [0, 1].map(async (p) => ((await deployment.redis.xpending(deployment.keys.partition(p).inbox, RUNTIME_GROUP)) as [number])[0]),
    )
    expect(pending).toEqual([0, 0])
    expect(next.stats.redelivered).toBeGreaterThanOrEqual(1)
  })
})
