// A command whose append reaches a slow Redis: the edge's appends go through a proxy that holds
// Redis's replies back while the commands still run, past the request's 800 ms budget. The answer
// waits for the append it sent and says what happened (the task, created once), instead of a 503
// "nothing was accepted" whose retry would create it twice; a Redis that never confirms the append
// gets a 503 that says the command may still be accepted.
import { randomBytes } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import type { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Edge } from "../../../src/edge/app.ts"
import { close, openRedis } from "../../../src/redis/client.ts"
import { createScripts } from "../../../src/redis/scripts.ts"
import { createAppend } from "../../../src/runtime/append.ts"
import { validateCommand } from "../../../src/runtime/inbox-codec.ts"
import { edgeOn, httpClient, type Client } from "../../support/edge.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { startRedisProxy, type RedisProxy } from "../sockets/redis-proxy.ts"

/** Longer than the request's budget of Redis and Postgres time (800 ms, src/edge/http/deadline.ts). */
const PAST_THE_BUDGET_MS = 1_200
const WAIT_MS = 3_000

let deployment: TestDeployment
let proxy: RedisProxy
let slow: Redis
let edge: Edge
let api: Client
beforeAll(async () => {
  deployment = await testDeployment()
  const runtime = await deployment.startRuntime()
  proxy = await startRedisProxy(deployment.redisUrl)
  slow = await openRedis(proxy.url, { name: "test-slow-append" })
  const append = createAppend({
    scripts: createScripts(slow),
    keys: deployment.keys,
    partitions: deployment.partitions,
    validate: validateCommand,
  })
  const operatorToken = randomBytes(24).toString("base64url")
  edge = await edgeOn(deployment, { operatorToken, runtime, limits: { waitMs: WAIT_MS }, edge: { append } })
  api = httpClient(`http://127.0.0.1:${edge.port}`, operatorToken)
})
afterAll(async () => {
  await edge?.close()
  if (slow) await close(slow)
  await proxy?.close()
  await deployment?.close()
})

const tasksTitled = async (title: string): Promise<string[]> =>
  (
    await deployment.schema.sql<{ id: string }[]>`
      select id from actors where kind = 'task' and snapshot -> 'context' ->> 'title' = ${title}`
  ).map((row) => row.id)

describe("a command appended to a slow Redis", () => {
  it("is answered with the task once Redis confirms the append, not 503, and the task exists once", async () => {
    const release = proxy.holdReplies()
    const answering = api.post("/api/v1/tasks", { title: "slow append", capability: "slow" })
    try {
      // The append reached Redis and the runtime (on its own connection) applied it, while its reply is held.
      const [stored] = await waitFor("the task stored", async () => {
        const ids = await tasksTitled("slow append")
        return ids.length > 0 ? ids : undefined
      })
      await sleep(PAST_THE_BUDGET_MS)
      release()
      const answer = await answering
      expect([201, 202]).toContain(answer.status)
      expect(answer.body).toMatchObject({ id: stored, stream_id: expect.stringMatching(/^\d+-\d+$/) })
      expect(await tasksTitled("slow append")).toEqual([stored])
    } finally {
      release()
    }
  })

  it("answers 503 saying the command may still be accepted when Redis never confirms it", async () => {
    const release = proxy.holdReplies()
    try {
      const answer = await api.post("/api/v1/tasks", { title: "never confirmed", capability: "slow" })
      expect(answer.status).toBe(503)
      expect(answer.body.error).toEqual({
        code: "unavailable",
        message: `Redis took the command but did not confirm it within ${WAIT_MS} ms: it may still be accepted; look for it before sending it again`,
      })
    } finally {
      release()
    }
  })
})
