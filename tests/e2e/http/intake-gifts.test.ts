// Gifts at intake over HTTP: a standalone task created while an agent's free slot waits for its capability is created
// assigned to that agent (one transition, CREATE null → assigned; its bot told, the agent counting the slot), with no
// ready step and no ASSIGN entry; the tasks of a batch beyond the free slots are created ready and routed as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { keptFree } from "../../../src/redis/ready-queue.ts"
import { waitFor } from "../../support/runtime.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

describe("tasks given at their intake", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  /** An HTTP-only agent online with `slots` free slots the router keeps exact count of. */
  const idleAgent = async (capability: string, slots: number) => {
    const agent = (await t.api.post("/api/v1/agents", { name: capability, capabilities: [capability], max_concurrency: slots })).body
    expect((await t.api.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {}, { token: agent.token })).status).toBe(200)
    await waitFor("the router to keep the agent's free slots", async () =>
      (await keptFree(t.deployment.redis, t.deployment.keys, agent.id)) === slots ? true : undefined,
    )
    return agent as { id: string; token: string }
  }
  const history = async (taskId: string) =>
    ((await t.api.get(`/api/v1/actors/task/${taskId}/history`)).body.transitions as Array<Record<string, unknown>>).map(
      ({ from, to, event }) => ({ from, to, event }),
    )

  it("POST /tasks with a free slot waiting: 201 assigned, one CREATE transition, the agent holding it", async () => {
    const agent = await idleAgent("gift-one", 1)
    const created = await t.api.post("/api/v1/tasks", { title: "given", capability: "gift-one" })
    expect(created.status).toBe(201)
    expect(created.body.status).toBe("assigned")
    expect((await t.api.get(`/api/v1/tasks/${created.body.id}`)).body).toMatchObject({ status: "assigned", agent_id: agent.id })
    expect(await history(created.body.id)).toEqual([{ from: null, to: "assigned", event: "CREATE" }])
    const held = await waitFor("the agent to count the slot", async () => {
      const read = (await t.api.get(`/api/v1/agents/${agent.id}`)).body
      return read.inflight.length > 0 ? read.inflight : undefined
    })
    expect(held).toEqual([created.body.id])
    // It runs as any assigned task, and frees the slot when it completes.
    const as = { token: agent.token }
    expect((await t.api.post(`/api/v1/tasks/${created.body.id}/start?wait=1`, {}, as)).status).toBe(200)
    expect((await t.api.post(`/api/v1/tasks/${created.body.id}/complete?wait=1`, { result: 1 }, as)).status).toBe(200)
    await waitFor("the slot freed", async () =>
      (await t.api.get(`/api/v1/agents/${agent.id}`)).body.inflight.length === 0 ? true : undefined,
    )
  })

  it("POST /tasks/batch: as many tasks as free slots are created assigned, the others ready", async () => {
    const agent = await idleAgent("gift-batch", 2)
    const batch = await t.api.post("/api/v1/tasks/batch", {
      tasks: [1, 2, 3].map((n) => ({ title: `batch ${n}`, capability: "gift-batch" })),
    })
    expect(batch.status).toBe(202)
    const ids = (batch.body.items as Array<{ id: string }>).map((item) => item.id)
    const states = await waitFor("the batch applied", async () => {
      const read = await Promise.all(ids.map((id) => t.api.get(`/api/v1/tasks/${id}`)))
      return read.every((task) => task.status === 200) ? read.map((task) => task.body.status as string) : undefined
    })
    expect(states).toEqual(["assigned", "assigned", "ready"])
    expect(await history(ids[0]!)).toEqual([{ from: null, to: "assigned", event: "CREATE" }])
    expect(await history(ids[2]!)).toEqual([{ from: null, to: "ready", event: "CREATE" }])
    // The third takes the first slot freed.
    const as = { token: agent.token }
    expect((await t.api.post(`/api/v1/tasks/${ids[0]}/start?wait=1`, {}, as)).status).toBe(200)
    expect((await t.api.post(`/api/v1/tasks/${ids[0]}/complete?wait=1`, {}, as)).status).toBe(200)
    await waitFor("the third task assigned", async () =>
      (await t.api.get(`/api/v1/tasks/${ids[2]}`)).body.status === "assigned" ? true : undefined,
    )
  })

  it("a task that waits for its approval is not given: it is created awaiting_approval and the slot stays free", async () => {
    const agent = await idleAgent("gift-approval", 1)
    const created = await t.api.post("/api/v1/tasks", { title: "asks first", capability: "gift-approval", requires_approval: true })
    expect(created.body.status).toBe("awaiting_approval")
    expect(await keptFree(t.deployment.redis, t.deployment.keys, agent.id)).toBe(1)
  })
})
