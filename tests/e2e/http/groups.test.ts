// Groups end to end, with real WebSocket bots on a real runtime: two groups of very different sizes share
// one bot fairly (round-robin within a priority), and a group's max_in_flight holds while its bot has free
// slots; PUT /groups/{key} and its reads, refusals with their exact bodies, nothing written by them.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { ofType, TestClient, type Frame } from "../sockets/client.ts"

describe("groups", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  const bot = async (capability: string, maxConcurrency = 1) => {
    const agent = (
      await t.api.post("/api/v1/agents", { name: `bot-${capability}`, capabilities: [capability], max_concurrency: maxConcurrency })
    ).body
    const client = await TestClient.open(`ws://127.0.0.1:${t.edge.port}/ws/control?token=${agent.token}`)
    await client.next(ofType("connected"))
    return { id: agent.id as string, client }
  }
  const batch = async (tasks: ReadonlyArray<Record<string, unknown>>): Promise<string[]> => {
    const answer = await t.api.post("/api/v1/tasks/batch", { tasks })
    expect(answer.status).toBe(202)
    return (answer.body.items as Array<{ id: string }>).map((item) => item.id)
  }
  const ready = (ids: ReadonlyArray<string>) => Promise.all(ids.map((id) => t.deployment.actor("task", id, (row) => row.state === "ready")))
  const assignedAfter = (client: TestClient, from: number) => client.next(ofType("task_assigned"), { from })

  it("shares one bot fairly between a group of 200 tasks and a group of 5 queued after them", async () => {
    // In batches of 50: each request is answered within the edge's budget even on a loaded machine.
    const big: string[] = []
    for (let part = 0; part < 4; part += 1) {
      big.push(
        ...(await batch(
          Array.from({ length: 50 }, (_, i) => ({ title: `big ${part * 50 + i}`, capability: "fair", group: "tenant-big" })),
        )),
      )
    }
    const small = await batch(Array.from({ length: 5 }, (_, i) => ({ title: `small ${i}`, capability: "fair", group: "tenant-small" })))
    await ready([...big, ...small])

    const worker = await bot("fair")
    const order: string[] = []
    let from = 0
    while (order.length < 12) {
      const assigned = await assignedAfter(worker.client, from)
      from = worker.client.frames.indexOf(assigned) + 1
      const taskId = assigned.payload["task_id"] as string
      order.push(taskId)
      worker.client.send({ type: "task_started", payload: { task_id: taskId } })
      worker.client.send({ type: "task_complete", payload: { task_id: taskId, success: true } })
    }
    // Round-robin: every task of the small group within the first dozen, alternating with the big one's.
    expect(order.filter((id) => small.includes(id)).sort()).toEqual([...small].sort())
    expect(order.slice(0, 10).filter((id) => small.includes(id))).toHaveLength(5)
    await worker.client.close()
  })

  it("holds a group to its max_in_flight while its bot has free slots, and hands out the next once one finishes", async () => {
    const put = await t.api.request("PUT", "/api/v1/groups/repo-capped", { body: { max_in_flight: 1 } })
    expect(put.status).toBe(200)
    expect(put.body).toEqual({ key: "repo-capped", max_in_flight: 1, in_flight: 0, updated_at: expect.any(String) })

    const capped = await batch(Array.from({ length: 3 }, (_, i) => ({ title: `capped ${i}`, capability: "capped", group: "repo-capped" })))
    await ready(capped)
    const [other] = await batch([{ title: "other", capability: "capped", group: "repo-other" }])
    await ready([other!])

    const worker = await bot("capped", 3)
    const seen: Frame[] = []
    // Both assignments of its first fill arrive, in either order (their tasks live in different partitions).
    const has = (match: (id: string) => boolean) => seen.some((frame) => match(frame.payload["task_id"] as string))
    while (!has((id) => id === other) || !has((id) => capped.includes(id))) {
      seen.push(await assignedAfter(worker.client, seen.length === 0 ? 0 : worker.client.frames.indexOf(seen.at(-1)!) + 1))
    }
    // The bot had three slots; its group allowed one of the capped tasks.
    const first = seen.map((frame) => frame.payload["task_id"] as string).filter((id) => capped.includes(id))
    expect(first).toHaveLength(1)
    expect((await t.api.get("/api/v1/groups/repo-capped")).body).toMatchObject({ max_in_flight: 1, in_flight: 1 })
    const waiting = capped.filter((id) => id !== first[0])
    for (const id of waiting) expect((await t.api.get(`/api/v1/tasks/${id}`)).body.status).toBe("ready")

    const from = worker.client.frames.length
    worker.client.send({ type: "task_started", payload: { task_id: first[0] } })
    worker.client.send({ type: "task_complete", payload: { task_id: first[0], success: true } })
    const next = await assignedAfter(worker.client, from)
    expect(waiting).toContain(next.payload["task_id"])

    const listed = await t.api.get("/api/v1/tasks?group=repo-capped")
    expect((listed.body.items as Array<{ id: string; group: string }>).map((task) => task.id).sort()).toEqual([...capped].sort())
    expect((await t.api.get("/api/v1/groups")).body.items).toContainEqual(expect.objectContaining({ key: "repo-capped", max_in_flight: 1 }))
    await worker.client.close()
  })

  it("answers a group never set with no cap, and lifts a cap with null", async () => {
    expect((await t.api.get("/api/v1/groups/never-set")).body).toEqual({
      key: "never-set",
      max_in_flight: null,
      in_flight: 0,
      updated_at: null,
    })
    await t.api.request("PUT", "/api/v1/groups/lifted", { body: { max_in_flight: 2 } })
    const lifted = await t.api.request("PUT", "/api/v1/groups/lifted", { body: { max_in_flight: null } })
    expect(lifted.body).toMatchObject({ key: "lifted", max_in_flight: null })
  })

  it("refuses a bad cap (400), a bad key (400) and an agent's PUT (403), writing nothing", async () => {
    const negative = await t.api.request("PUT", "/api/v1/groups/refused", { body: { max_in_flight: -1 } })
    expect(negative.status).toBe(400)
    expect(negative.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("max_in_flight") })
    const badKey = await t.api.request("PUT", "/api/v1/groups/has%20space", { body: { max_in_flight: 1 } })
    expect(badKey.status).toBe(400)
    expect(badKey.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("key") })
    const agent = (await t.api.post("/api/v1/agents", { name: "not-allowed", capabilities: ["x"] })).body
    const byAgent = await t.api.request("PUT", "/api/v1/groups/refused", { body: { max_in_flight: 1 }, token: agent.token })
    expect(byAgent.status).toBe(403)
    expect(await t.deployment.schema.sql`select key from groups where key in ('refused', 'has space')`).toEqual([])
    const badTask = await t.api.post("/api/v1/tasks", { title: "t", capability: "x", group: "no/slash" })
    expect(badTask.status).toBe(400)
    expect(badTask.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("group") })
  })
})
