// A bot's JSON that looks like one of XState's actor references (an object with `sessionId`, `send` and `ref`, which
// XState's persisting rewrites, or one with `xstate$$type: 1`, which its restoring replaces) comes back from the API as
// it was sent: a task's payload and result, an agent's metadata (stored and restored whole: src/runtime/advance.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { httpClient, testEdge, type TestEdge } from "../../support/edge.ts"

const DATA = {
  checkout: { sessionId: "a1b2", ref: "refs/heads/main", send: true },
  nested: [{ xstate$$type: 1, id: "child-1" }, { deeper: { sessionId: "c3", send: "now", ref: 7 } }],
}

describe("payloads that look like actor references", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  it("a task's payload and result, and an agent's metadata, read back as they were sent", async () => {
    const agent = (await t.api.post("/api/v1/agents", { name: "looks", capabilities: ["lookalike"], metadata: DATA })).body as {
      id: string
      token: string
    }
    const bot = httpClient(t.url, agent.token)
    expect((await bot.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {})).status).toBe(200)
    expect((await t.api.get(`/api/v1/agents/${agent.id}`)).body.metadata).toEqual(DATA)

    const created = await t.api.post("/api/v1/tasks", { title: "looks", capability: "lookalike", payload: DATA })
    expect(created.status).toBe(201)
    const taskId = created.body.id as string
    expect((await t.api.get(`/api/v1/tasks/${taskId}`)).body.payload).toEqual(DATA)
    expect((await bot.post(`/api/v1/tasks/${taskId}/start?wait=1`)).body.state).toBe("in_progress")
    expect((await bot.post(`/api/v1/tasks/${taskId}/complete?wait=1`, { result: DATA })).body.state).toBe("completed")
    expect((await t.api.get(`/api/v1/tasks/${taskId}`)).body).toMatchObject({ status: "completed", payload: DATA, result: DATA })
  })
})
