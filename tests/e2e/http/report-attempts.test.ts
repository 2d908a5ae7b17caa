// `attempt` on the HTTP lifecycle (PROTOCOL v1.1: the same lifecycle as the bot socket's frames): an HTTP-only bot
// may name the attempt it reports on; another one is refused `409 conflict` and changes nothing, and an agent an
// attempt was taken from must name it (docs/coordination.md, "Liveness").
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { httpClient, testEdge, type TestEdge } from "../../support/edge.ts"

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(() => t.close())

const task = (id: string) => t.api.get(`/api/v1/tasks/${id}`).then((answer) => answer.body)

describe("attempt on HTTP task reports", () => {
  it("is carried to the task machine: another attempt is refused conflict, the current one is applied", async () => {
    const agent = (await t.api.post("/api/v1/agents", { name: "http-bot", capabilities: ["http-attempt"] })).body
    const bot = httpClient(t.url, agent.token)
    expect((await bot.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {})).body.state).toBe("online")
    const id = (await t.api.post("/api/v1/tasks", { title: "named", capability: "http-attempt" })).body.id as string
    await waitFor("assigned", async () => ((await task(id)).status === "assigned" ? true : undefined))

    const wrong = await bot.post(`/api/v1/tasks/${id}/start?wait=1`, { attempt: 2 })
    expect(wrong.status).toBe(409)
    expect(wrong.body.error).toEqual({ code: "conflict", message: "attempt 2 is over: the task runs attempt 1" })
    expect((await task(id)).status).toBe("assigned")
    expect((await bot.post(`/api/v1/tasks/${id}/start?wait=1`, { attempt: -1 })).body.error).toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/^attempt: /),
    })

    expect((await bot.post(`/api/v1/tasks/${id}/claim?wait=1`, { attempt: 1 })).status).toBe(200)
    expect((await bot.post(`/api/v1/tasks/${id}/start?wait=1`, { attempt: 1 })).body).toMatchObject({ state: "in_progress" })
    expect((await bot.post(`/api/v1/tasks/${id}/progress?wait=1`, { attempt: 1, progress: 0.5 })).body).toMatchObject({
      state: "in_progress",
    })
    const stale = await bot.post(`/api/v1/tasks/${id}/fail?wait=1`, { attempt: 3, error: "old" })
    expect(stale.status).toBe(409)
    expect((await bot.post(`/api/v1/tasks/${id}/complete?wait=1`, { attempt: 1, result: 7 })).body).toMatchObject({ state: "completed" })
    expect(await task(id)).toMatchObject({ status: "completed", attempt: 1, result: 7, progress: 1 })
  })

  it("must be named by an agent a started attempt was taken from (cancel, then RETRY to the same agent)", async () => {
    const agent = (await t.api.post("/api/v1/agents", { name: "http-bot-2", capabilities: ["http-retaken"] })).body
    const bot = httpClient(t.url, agent.token)
    expect((await bot.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {})).body.state).toBe("online")
    const id = (await t.api.post("/api/v1/tasks", { title: "retaken", capability: "http-retaken" })).body.id as string
    await waitFor("assigned", async () => ((await task(id)).status === "assigned" ? true : undefined))
    expect((await bot.post(`/api/v1/tasks/${id}/start?wait=1`, {})).body).toMatchObject({ state: "in_progress" })
    expect((await t.api.post(`/api/v1/tasks/${id}/cancel?wait=1`, { reason: "wrong input" })).body).toMatchObject({ state: "cancelled" })
    expect((await t.api.post(`/api/v1/actors/task/${id}/events?wait=1`, { type: "RETRY", payload: {} })).status).toBe(200)
    await waitFor("assigned again", async () => ((await task(id)).status === "assigned" ? true : undefined))

    const unnamed = await bot.post(`/api/v1/tasks/${id}/start?wait=1`, {})
    expect(unnamed.status).toBe(409)
    expect(unnamed.body.error).toEqual({
      code: "conflict",
      message: "name the attempt: an earlier attempt of this task was taken from this agent (the task runs attempt 2)",
    })
    expect((await bot.post(`/api/v1/tasks/${id}/start?wait=1`, { attempt: 2 })).body).toMatchObject({ state: "in_progress" })
    expect((await bot.post(`/api/v1/tasks/${id}/complete?wait=1`, { attempt: 2 })).body).toMatchObject({ state: "completed" })
  })
})
