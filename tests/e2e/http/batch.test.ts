// POST /api/v1/tasks/batch over real HTTP: up to 1,000 standalone tasks accepted in one call (202,
// each id with the stream id of its CREATE, in order, and every task created), all validated before
// any is appended: one bad task answers 400 naming it and nothing is appended.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inboxAppends, testEdge, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const STREAM_ID = /^\d+-\d+$/

describe("task batches", () => {
  let t: TestEdge

  const inboxEntries = () => inboxAppends(t.deployment)
  const tasks = (n: number, capability = "batch") =>
    Array.from({ length: n }, (_, i) => ({ title: `task ${i}`, capability, payload: { i } }))

  beforeAll(async () => {
    t = await testEdge({ partitions: 4 })
  })
  afterAll(async () => {
    await t?.close()
  })

  it("accepts 1,000 tasks: 202 with each id and stream id in order, and creates every one", async () => {
    const answer = await t.api.post("/api/v1/tasks/batch", { tasks: tasks(1000) })
    expect(answer.status).toBe(202)
    const items = answer.body.items as Array<{ id: string; stream_id: string }>
    expect(items).toHaveLength(1000)
    for (const item of items) expect(item).toEqual({ id: expect.stringMatching(UUID), stream_id: expect.stringMatching(STREAM_ID) })
    expect(new Set(items.map((item) => item.id)).size).toBe(1000)
    const created = await waitFor(
      "every task of the batch",
      async () => {
        const [row] = await t.deployment.schema.sql<
          { n: number }[]
        >`select count(*)::int as n from actors where kind = 'task' and state = 'ready'`
        return row?.n === 1000 ? row.n : undefined
      },
      30_000,
    )
    expect(created).toBe(1000)
    const third = await t.api.get(`/api/v1/tasks/${items[3]?.id}`)
    expect(third.body).toMatchObject({ title: "task 3", capability: "batch", payload: { i: 3 }, status: "ready" })
  }, 60_000)

  it("refuses the whole batch when one task is bad, naming it, and appends nothing", async () => {
    const before = await inboxEntries()
    const bad = tasks(5)
    bad[3] = { title: "no capability" } as never
    const missing = await t.api.post("/api/v1/tasks/batch", { tasks: bad })
    expect(missing.status).toBe(400)
    expect(missing.body).toEqual({ error: { code: "validation_failed", message: "tasks.3.capability: is missing" } })

    const joined = tasks(3)
    joined[2] = { ...joined[2], session_id: "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11" } as never
    const inSession = await t.api.post("/api/v1/tasks/batch", { tasks: joined })
    expect(inSession.status).toBe(400)
    expect(inSession.body.error.message).toMatch(/^tasks\.2\.session_id: a standalone task cannot join a session/)
    expect(await inboxEntries()).toBe(before)
  })

  it("takes 1 to 1,000 tasks", async () => {
    const before = await inboxEntries()
    const empty = await t.api.post("/api/v1/tasks/batch", { tasks: [] })
    expect(empty.status).toBe(400)
    expect(empty.body.error.message).toMatch(/^tasks: /)
    const over = await t.api.post("/api/v1/tasks/batch", { tasks: tasks(1001) })
    expect(over.status).toBe(400)
    expect(over.body.error.message).toMatch(/^tasks: /)
    expect(await inboxEntries()).toBe(before)
    const one = await t.api.post("/api/v1/tasks/batch", { tasks: tasks(1) })
    expect(one.status).toBe(202)
    expect(one.body.items).toHaveLength(1)
  })

  it("is the operator's: a viewer or agent token is refused and nothing appended", async () => {
    const before = await inboxEntries()
    const viewer = await t.api.post("/api/v1/viewer-tokens", { name: "dash" })
    const agent = await t.api.post("/api/v1/agents", { name: "bot", capabilities: ["batch"] })
    const afterSetup = await inboxEntries()
    expect(afterSetup).toBeGreaterThan(before)
    for (const token of [viewer.body.token as string, agent.body.token as string]) {
      const answer = await t.api.post("/api/v1/tasks/batch", { tasks: tasks(2) }, { token })
      expect(answer.status).toBe(403)
      expect(answer.body.error.code).toBe("forbidden")
    }
    expect(await inboxEntries()).toBe(afterSetup)
  })
})
