// A Postgres outage: the runtime keeps the batch in hand without acknowledging it, reports
// itself not ready, and once Postgres is back resumes by itself and applies every command
// sent meanwhile, in order. The outage is real: this file runs its own throwaway Postgres
// server (never the shared one) and stops and starts it.
import { randomUUID } from "node:crypto"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { findFreePort } from "../../../src/embedded/free-port.ts"
import { startEmbeddedPostgres } from "../../../src/embedded/postgres-server.ts"
import type { EmbeddedServer } from "../../../src/embedded/types.ts"
import { RUNTIME_GROUP } from "../../../src/redis/keys.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const dataDir = join(tmpdir(), `runtime-outage-test-${randomUUID()}`)
let port: number
/** The throwaway server while it runs. */
let server: EmbeddedServer | undefined
let deployment: TestDeployment | undefined

const startPostgres = async () => {
  server = await startEmbeddedPostgres({ dataDir, port })
  return server.url
}
const stopPostgres = async () => {
  await server?.stop()
  server = undefined
}

beforeAll(async () => {
  port = await findFreePort()
  deployment = await testDeployment({ partitions: 2, databaseUrl: await startPostgres() })
})
afterAll(async () => {
  try {
    // The deployment's schema and pool go with a running server.
    if (server === undefined && deployment !== undefined) await startPostgres()
    await deployment?.close()
  } finally {
    await stopPostgres()
    await rm(dataDir, { recursive: true, force: true })
  }
})

const pendingCount = async (inbox: string) => {
  if (!deployment) throw new Error("no deployment")
  return ((await deployment.redis.xpending(inbox, RUNTIME_GROUP)) as [number])[0]
}

describe("a Postgres outage", () => {
  it("stops acknowledging, reports not ready, and resumes by itself when Postgres is back, losing nothing", async () => {
    if (!deployment) throw new Error("no deployment")
    const live = deployment
    const runtime = await live.startRuntime()
    const taskId = randomUUID()
    const agentId = randomUUID()
    const inbox = live.keys.partition(
      (
        await live.append({
          kind: "task",
          id: taskId,
          type: "CREATE",
          payload: { id: taskId, title: "outage", capability: "outage", dependsOn: [], blocked: false },
        })
      ).partition,
    ).inbox
    await live.append({ kind: "task", id: taskId, type: "ASSIGN", payload: { agentId } })
    await live.append({ kind: "task", id: taskId, type: "START", payload: { agentId } })
    await live.actor("task", taskId, (row) => row.state === "in_progress")
    // Done once acknowledged: carrying a batch out may query Postgres too (routing).
    await waitFor("the setup to be acknowledged", async () => ((await pendingCount(inbox)) === 0 ? true : undefined))
    expect((await runtime.readiness()).ready).toBe(true)

    await stopPostgres()
    // Commands keep being accepted: they only need Redis.
    const appended: string[] = []
    for (let n = 1; n <= 10; n += 1) {
      appended.push((await live.append({ kind: "task", id: taskId, type: "PROGRESS", payload: { agentId, progress: n / 10 } })).streamId)
    }
    appended.push((await live.append({ kind: "task", id: taskId, type: "COMPLETE", payload: { agentId } })).streamId)

    const down = await waitFor("the runtime to report not ready", async () => {
      const readiness = await runtime.readiness()
      return readiness.ready ? undefined : readiness
    })
    expect(down).toMatchObject({ ready: false, redis: true, postgres: false })
    expect(Object.keys(down.failing)).not.toHaveLength(0)
    // The batch in hand stays pending: nothing is acknowledged while it cannot be written, write after failed write.
    const failedWrites = runtime.stats.failures
    await waitFor("two more failed writes", async () => (runtime.stats.failures >= failedWrites + 2 ? true : undefined))
    const [count, oldest] = (await live.redis.xpending(inbox, RUNTIME_GROUP)) as [number, string | null]
    expect(count).toBeGreaterThan(0)
    expect(oldest).toBe(appended[0])

    await startPostgres()
    const completed = await live.actor("task", taskId, (row) => row.state === "completed", 20_000)
    expect((await live.transitions("task", taskId)).slice(3).map((t) => t.streamId)).toEqual(appended)
    expect(completed.version).toBe(3 + appended.length)
    await waitFor("the runtime to be ready again", async () => ((await runtime.readiness()).ready ? true : undefined))
    await waitFor("every entry to be acknowledged", async () => ((await pendingCount(inbox)) === 0 ? true : undefined))
  })
})
