// Every task state is reached through the public API alone (HTTP, an operator and an HTTP-only bot), each
// read back with GET /tasks/{id}: the walk covers the task machine's whole state list.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TaskState } from "../../../src/schema/states.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

describe("every task state through the public API", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  it("walks blocked, awaiting_approval, ready, assigned, in_progress, retry_wait, completed, failed, cancelled and timed_out", async () => {
    const reached = new Set<string>()
    const status = async (id: string, expected: string) => {
      await t.deployment.actor("task", id, (row) => row.state === expected)
      const read = await t.api.get(`/api/v1/tasks/${id}`)
      expect(read.body.status).toBe(expected)
      reached.add(read.body.status as string)
    }
    const task = async (body: Record<string, unknown> = {}) => {
      const created = await t.api.post("/api/v1/tasks", { title: "walk", capability: "walk", ...body })
      expect(created.status).toBe(201)
      return created.body.id as string
    }
    const as = (bot: string) => ({ token: bot })

    const session = await t.api.post("/api/v1/sessions", { title: "held", tasks: [{ key: "a", title: "a", capability: "walk" }] })
    await status(session.body.tasks[0].id, "blocked")
    await status(await task({ requires_approval: true }), "awaiting_approval")
    const cancelled = await task({ capability: "nobody-walks" })
    await status(cancelled, "ready")
    expect((await t.api.post(`/api/v1/tasks/${cancelled}/cancel?wait=1`, { reason: "walk" })).status).toBe(200)
    await status(cancelled, "cancelled")

    const agent = (await t.api.post("/api/v1/agents", { name: "walker", capabilities: ["walk"], max_concurrency: 10 })).body
    expect((await t.api.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {}, as(agent.token))).status).toBe(200)
    const run = async (body: Record<string, unknown>) => {
      const id = await task(body)
      await status(id, "assigned")
      expect((await t.api.post(`/api/v1/tasks/${id}/start?wait=1`, {}, as(agent.token))).status).toBe(200)
      await status(id, "in_progress")
      return id
    }
    const done = await run({})
    expect((await t.api.post(`/api/v1/tasks/${done}/complete?wait=1`, { result: 1 }, as(agent.token))).status).toBe(200)
    await status(done, "completed")
    const retried = await run({ max_attempts: 2 })
    expect((await t.api.post(`/api/v1/tasks/${retried}/fail?wait=1`, { error: "once" }, as(agent.token))).status).toBe(200)
    await status(retried, "retry_wait")
    const failed = await run({ max_attempts: 1 })
    expect((await t.api.post(`/api/v1/tasks/${failed}/fail?wait=1`, { error: "for good" }, as(agent.token))).status).toBe(200)
    await status(failed, "failed")
    await status(await run({ timeout_s: 1, max_attempts: 1 }), "timed_out")

    expect([...reached].sort()).toEqual([...TaskState.literals].sort())
  })
})
