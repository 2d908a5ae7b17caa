// Commands whose appends reach a slow or a hung Redis: the edge's appends go through a proxy that
// holds Redis's replies back while the commands still run (slow), or holds the commands back from
// Redis (hung: SIGSTOPped, or a network that swallows traffic). A slow Redis that confirms within the
// request's budget is answered as usual, the task created once. A hung one is answered 503 "nothing
// was accepted" within 1 s, and that is true: each append carries a deadline on Redis's clock, so
// when the held commands reach Redis afterwards they write nothing (append.lua answers "expired").
import { randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import type { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Edge } from "../../../src/edge/app.ts"
import { NOT_CONFIRMED } from "../../../src/edge/http/command.ts"
import { close, openRedis } from "../../../src/redis/client.ts"
import { AppendExpired, createScripts } from "../../../src/redis/scripts.ts"
import { createAppend } from "../../../src/runtime/append.ts"
import { validateCommand } from "../../../src/runtime/inbox-codec.ts"
import { edgeOn, httpClient, inboxAppends, type Client } from "../../support/edge.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { trackAppends, type TrackedAppend } from "../../support/tracked-append.ts"
import { startRedisProxy, type RedisProxy } from "../sockets/redis-proxy.ts"

/** Shorter than the request's budget of Redis and Postgres time (800 ms, src/edge/http/deadline.ts). */
const WITHIN_THE_BUDGET_MS = 300
/** PROTOCOL: `unavailable` is answered within 1 s. */
const UNAVAILABLE_WITHIN_MS = 1_000

let deployment: TestDeployment
let proxy: RedisProxy
let slow: Redis
let edge: Edge
let api: Client
let tracked: TrackedAppend
beforeAll(async () => {
  deployment = await testDeployment()
  const runtime = await deployment.startRuntime()
  proxy = await startRedisProxy(deployment.redisUrl)
  slow = await openRedis(proxy.url, { name: "test-slow-append" })
  tracked = trackAppends(
    createAppend({ scripts: createScripts(slow), keys: deployment.keys, partitions: deployment.partitions, validate: validateCommand }),
  )
  const operatorToken = randomBytes(24).toString("base64url")
  edge = await edgeOn(deployment, { operatorToken, runtime, limits: { waitMs: 3_000 }, edge: { append: tracked.append } })
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
      select id from actors where kind = 'task' and stored_once ->> 'title' = ${title}`
  ).map((row) => row.id)

/** The answer to `call` and how long it took. */
const timed = async <T>(call: () => Promise<T>): Promise<{ answer: T; ms: number }> => {
  const start = performance.now()
  const answer = await call()
  return { answer, ms: performance.now() - start }
}

/** Holds the appends' commands from Redis while `call` runs; then lets them reach it and waits for Redis's answer to each. */
const whileHung = async <T>(call: () => Promise<T>) => {
  tracked.reset()
  const release = proxy.holdCommands()
  let answered: { answer: T; ms: number }
  try {
    answered = await timed(call)
  } finally {
    release()
  }
  return { ...answered, outcomes: await tracked.settled() }
}

describe("a command appended to a slow Redis", () => {
  it("is answered with the task once Redis confirms the append within the budget, and the task exists once", async () => {
    const release = proxy.holdReplies()
    const answering = api.post("/api/v1/tasks", { title: "slow append", capability: "slow" })
    try {
      // The append reached Redis and the runtime (on its own connection) applied it, while its reply is held.
      const [stored] = await waitFor("the task stored", async () => {
        const ids = await tasksTitled("slow append")
        return ids.length > 0 ? ids : undefined
      })
      await sleep(WITHIN_THE_BUDGET_MS)
      release()
      const answer = await answering
      expect([201, 202]).toContain(answer.status)
      expect(answer.body).toMatchObject({ id: stored, stream_id: expect.stringMatching(/^\d+-\d+$/) })
      expect(await tasksTitled("slow append")).toEqual([stored])
    } finally {
      release()
    }
  })
})

describe("a command appended to a hung Redis", () => {
  it("answers 503 within 1 s saying nothing was accepted, and the append writes nothing when Redis runs it", async () => {
    const before = await inboxAppends(deployment)
    const { answer, ms, outcomes } = await whileHung(() => api.post("/api/v1/tasks", { title: "never confirmed", capability: "hung" }))
    expect(answer.status).toBe(503)
    expect(answer.body).toEqual({ error: { code: "unavailable", message: NOT_CONFIRMED } })
    expect(ms).toBeLessThan(UNAVAILABLE_WITHIN_MS)
    // Redis ran the held append after its deadline: it answered "expired" and wrote nothing.
    expect(outcomes).toHaveLength(1)
    expect(outcomes[0]?.outcome).toBeInstanceOf(AppendExpired)
    expect(await inboxAppends(deployment)).toBe(before)
    const id = outcomes[0]?.command.id
    expect((await api.get(`/api/v1/tasks/${id}`)).status).toBe(404)
    expect(await tasksTitled("never confirmed")).toEqual([])
  })

  it("answers a batch 503 within 1 s saying nothing was accepted, and none of its appends writes anything", async () => {
    const before = await inboxAppends(deployment)
    const tasks = Array.from({ length: 5 }, (_, i) => ({ title: "never confirmed batch", capability: "hung", payload: { i } }))
    const { answer, ms, outcomes } = await whileHung(() => api.post("/api/v1/tasks/batch", { tasks }))
    expect(answer.status).toBe(503)
    expect(answer.body).toEqual({ error: { code: "unavailable", message: NOT_CONFIRMED } })
    expect(ms).toBeLessThan(UNAVAILABLE_WITHIN_MS)
    expect(outcomes).toHaveLength(5)
    for (const { outcome } of outcomes) expect(outcome).toBeInstanceOf(AppendExpired)
    expect(await inboxAppends(deployment)).toBe(before)
    for (const { command } of outcomes) expect((await api.get(`/api/v1/tasks/${command.id}`)).status).toBe(404)
    expect(await tasksTitled("never confirmed batch")).toEqual([])
  })

  it("answers as usual once Redis is released", async () => {
    const answer = await api.post("/api/v1/tasks?wait=1", { title: "after the hang", capability: "hung" })
    expect(answer.status).toBe(201)
    expect(await tasksTitled("after the hang")).toEqual([answer.body.id])
  })
})
