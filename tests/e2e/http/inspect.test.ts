// Inspection over real HTTP: the machines' definitions, and the persisted actors by kind, state and
// time in state, a page at a time, one actor's snapshot, and the counts by state (what the lists show).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type Answer, type Client, type TestEdge } from "../../support/edge.ts"

describe("machines and actors over HTTP", () => {
  let t: TestEdge
  let api: Client

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("answers each machine's definition, 404 for an unknown kind", async () => {
    const all = await api.get("/api/v1/machines")
    expect(all.status).toBe(200)
    expect(Object.keys(all.body).sort()).toEqual(["agent", "context", "session", "task"])
    const task = await api.get("/api/v1/machines/task")
    expect(task.body).toMatchObject({ id: "task", initial: expect.any(String) })
    expect(Object.keys(task.body.states)).toEqual(expect.arrayContaining(["blocked", "ready", "assigned", "in_progress", "completed"]))
    expect((await api.get("/api/v1/machines/robot")).body).toEqual({
      error: { code: "not_found", message: 'kind: no machine "robot" (one of session, task, agent, context)' },
    })
  })

  it("lists actors by kind and state, across kinds without one, a page at a time", async () => {
    const session = (await api.post("/api/v1/sessions", { title: "s" })).body
    const task = (await api.post("/api/v1/tasks", { title: "t", capability: "ix-none" })).body
    const agent = (await api.post("/api/v1/agents", { name: "a", capabilities: ["ix-none"] })).body

    const tasks = await api.get("/api/v1/actors?kind=task&state=ready")
    expect(tasks.body.items.map((actor: { id: string }) => actor.id)).toEqual([task.id])
    expect(tasks.body.items[0]).toMatchObject({
      kind: "task",
      id: task.id,
      state: "ready",
      stream_id: task.stream_id,
      version: 1,
      session_id: null,
    })
    expect(tasks.body.items[0].snapshot.context).toMatchObject({ id: task.id, title: "t" })

    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Answer = await api.get(`/api/v1/actors?limit=1${cursor ? `&cursor=${cursor}` : ""}`)
      expect(page.status).toBe(200)
      seen.push(...page.body.items.map((actor: { kind: string; id: string }) => `${actor.kind}:${actor.id}`))
      cursor = page.body.next_cursor
      pages += 1
    } while (cursor && pages < 10)
    expect(seen).toEqual([`session:${session.id}`, `task:${task.id}`, `agent:${agent.id}`])

    expect((await api.get("/api/v1/actors?older_than_s=3600")).body.items).toEqual([])
    expect((await api.get("/api/v1/actors?kind=robot")).body.error.code).toBe("validation_failed")
    expect((await api.get("/api/v1/actors?older_than_s=soon")).body).toEqual({
      error: { code: "validation_failed", message: 'older_than_s: expected a whole number, got "soon"' },
    })
    expect((await api.get("/api/v1/actors?state=%00")).body.error).toEqual({
      code: "validation_failed",
      message: expect.stringMatching(/^state: expected one of "pending", .*"expired", got "\\u0000"$/),
    })
    expect((await api.get("/api/v1/actors?cursor=bm9wZQ")).body).toEqual({
      error: { code: "validation_failed", message: 'cursor "bm9wZQ": not a cursor this listing returned' },
    })
  })

  it("answers one actor's persisted snapshot, 404 when absent", async () => {
    const task = (await api.post("/api/v1/tasks", { title: "one", capability: "ix-one" })).body
    const actor = await api.get(`/api/v1/actors/task/${task.id}`)
    expect(actor.body).toMatchObject({
      kind: "task",
      id: task.id,
      state: "ready",
      stream_id: task.stream_id,
      version: 1,
      fence: expect.any(Number),
    })
    expect(actor.body.snapshot).toMatchObject({ value: "ready", context: { id: task.id } })
    expect((await api.get(`/api/v1/actors/agent/${task.id}`)).body).toEqual({
      error: { code: "not_found", message: `agent ${task.id} does not exist` },
    })
    expect((await api.get(`/api/v1/actors/robot/${task.id}`)).status).toBe(400)
  })

  it("counts actors by kind and state as the lists show them: a soft-deleted session is left out", async () => {
    const listed = async () => {
      const counts: Record<string, Record<string, number>> = {}
      for (const [kind, path] of [
        ["session", "sessions"],
        ["task", "tasks"],
        ["agent", "agents"],
      ] as const) {
        const of: Record<string, number> = {}
        for (const item of (await api.get(`/api/v1/${path}?limit=200`)).body.items as Array<{ status: string }>)
          of[item.status] = (of[item.status] ?? 0) + 1
        if (Object.keys(of).length > 0) counts[kind] = of
      }
      return counts
    }
    const session = (await api.post("/api/v1/sessions", { title: "counted" })).body
    const counts = await api.get("/api/v1/actors/counts")
    expect(counts.status).toBe(200)
    expect(counts.body.counts).toEqual(await listed())
    expect(counts.body.counts.session.pending).toBeGreaterThan(0)

    expect((await api.delete(`/api/v1/sessions/${session.id}?wait=1`)).status).toBe(200)
    const after = (await api.get("/api/v1/actors/counts")).body.counts
    expect(after.session?.pending ?? 0).toBe(counts.body.counts.session.pending - 1)
    expect(after).toEqual(await listed())
    expect((await api.get("/api/v1/actors/counts", { token: null })).body.error.code).toBe("unauthorized")
  })
})
