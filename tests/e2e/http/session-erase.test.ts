// `DELETE /sessions/{id}?hard=1` (PROTOCOL v1.1, operator): the session, its tasks and their history are erased
// through the actors' own partitions; a session at work is refused, other tokens are forbidden, and another
// session is left exactly as it was. On real Redis and Postgres, with a bot working over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { httpBot, sessionIn, taskIn, type HttpBot } from "./coordination-support.ts"

describe("erasing a session", () => {
  let t: TestEdge
  let api: Client
  let bot: HttpBot

  /** A diamond of four `erase-work` tasks; answers the session id and its task ids. */
  const diamond = async (title: string, extra: Record<string, unknown> = {}) => {
    const tasks = [
      { key: "top", title: "Top", capability: "erase-work" },
      { key: "left", title: "Left", capability: "erase-work", depends_on: ["top"] },
      { key: "right", title: "Right", capability: "erase-work", depends_on: ["top"] },
      { key: "join", title: "Join", capability: "erase-work", depends_on: ["left", "right"] },
    ]
    const answer = await api.post("/api/v1/sessions", { title, tasks, ...extra })
    expect(answer.status).toBe(201)
    return { id: answer.body.id as string, tasks: (answer.body.tasks as Array<{ id: string }>).map((task) => task.id) }
  }

  /** What Postgres still holds of these actors: their rows and their transitions. */
  const stored = async (ids: string[]) => {
    const { sql } = t.deployment.schema
    const [rows] = await sql<{ count: number }[]>`select count(*)::int as count from actors where id in ${sql(ids)}`
    const [history] = await sql<{ count: number }[]>`
      select count(*)::int as count from transitions where actor_id in ${sql(ids)} or session_id in ${sql(ids)}`
    return { rows: rows!.count, transitions: history!.count }
  }

  /** Everything a reader sees of a session: itself, its timeline, its tasks and their histories. */
  const readAll = async (id: string, tasks: string[]) => ({
    session: (await api.get(`/api/v1/sessions/${id}`)).body,
    timeline: (await api.get(`/api/v1/sessions/${id}/timeline`)).body,
    tasks: await Promise.all(tasks.map(async (task) => (await api.get(`/api/v1/tasks/${task}`)).body)),
    histories: await Promise.all(tasks.map(async (task) => (await api.get(`/api/v1/actors/task/${task}/history`)).body)),
  })

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
    bot = await httpBot(api, t.url, "erase-bot", ["erase-work"], 2)
  })
  afterAll(async () => {
    await t?.close()
  })

  it("erases a finished session with its tasks and history, and touches nothing else", async () => {
    const kept = await diamond("erase-kept", { start: true })
    for (const task of kept.tasks) await bot.work(task, "complete")
    await sessionIn(api, kept.id, "completed")
    const gone = await diamond("erase-gone", { start: true })
    await bot.work(gone.tasks[0]!, "complete")
    await bot.work(gone.tasks[1]!, "fail")
    await taskIn(api, gone.tasks[1]!, "retry_wait")
    expect((await api.post(`/api/v1/sessions/${gone.id}/stop?wait=1`)).body).toMatchObject({ state: "stopped" })
    expect((await stored([gone.id, ...gone.tasks])).transitions).toBeGreaterThan(8)
    const keptBefore = await readAll(kept.id, kept.tasks)

    const erased = await api.delete(`/api/v1/sessions/${gone.id}?hard=1&wait=1`)
    expect(erased.status).toBe(200)
    expect(erased.body).toMatchObject({ id: gone.id, state: "stopped" })

    await waitFor("the erased session answers 404", async () =>
      (await api.get(`/api/v1/sessions/${gone.id}`)).status === 404 ? true : undefined,
    )
    for (const task of gone.tasks) {
      await waitFor(`task ${task} answers 404`, async () => ((await api.get(`/api/v1/tasks/${task}`)).status === 404 ? true : undefined))
      expect((await api.get(`/api/v1/actors/task/${task}/history`)).status).toBe(404)
    }
    expect((await api.get(`/api/v1/sessions/${gone.id}/timeline`)).status).toBe(404)
    expect((await api.get(`/api/v1/actors/session/${gone.id}/history`)).status).toBe(404)
    expect(await stored([gone.id, ...gone.tasks])).toEqual({ rows: 0, transitions: 0 })
    const listed = (await api.get("/api/v1/tasks?capability=erase-work&limit=200")).body.items.map((task: { id: string }) => task.id)
    expect(listed).toEqual(expect.arrayContaining(kept.tasks))
    for (const task of gone.tasks) expect(listed).not.toContain(task)

    expect(await readAll(kept.id, kept.tasks)).toEqual(keptBefore)
    // The bot holds nothing of the erased session and still takes work.
    expect((await api.get(`/api/v1/agents/${bot.id}`)).body).toMatchObject({ status: "online", inflight: [] })
    const after = await api.post("/api/v1/tasks", { title: "after", capability: "erase-work" })
    await bot.work(after.body.id, "complete")
  })

  it("cancels a pending session's tasks first, then erases them", async () => {
    const pending = await diamond("erase-pending")
    const erased = await api.delete(`/api/v1/sessions/${pending.id}?hard=1&wait=1`)
    expect(erased.body).toMatchObject({ id: pending.id, state: "cancelled" })
    await waitFor("the pending session is erased", async () =>
      (await stored([pending.id, ...pending.tasks])).rows === 0 ? true : undefined,
    )
    expect(await stored([pending.id, ...pending.tasks])).toEqual({ rows: 0, transitions: 0 })
  })

  it("refuses a session at work, a second erase, and every token but the operator's", async () => {
    const running = await diamond("erase-running", { start: true })
    await sessionIn(api, running.id, "running")
    const refused = await api.delete(`/api/v1/sessions/${running.id}?hard=1`)
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ error: { code: "conflict", message: "a running session is stopped or cancelled before it is erased" } })

    const forbidden = await bot.client.delete(`/api/v1/sessions/${running.id}?hard=1`)
    expect(forbidden.status).toBe(403)
    const viewer = await api.post("/api/v1/viewer-tokens", {})
    expect(viewer.status).toBe(201)
    const asViewer = await api.delete(`/api/v1/sessions/${running.id}?hard=1`, { token: viewer.body.token })
    expect(asViewer.status).toBe(403)
    expect((await api.get(`/api/v1/sessions/${running.id}`)).body).toMatchObject({ status: "running", deleted_at: null })

    expect((await api.post(`/api/v1/sessions/${running.id}/stop?wait=1`)).body).toMatchObject({ state: "stopped" })
    expect((await api.delete(`/api/v1/sessions/${running.id}?hard=1&wait=1`)).status).toBe(200)
    await waitFor("the stopped session is erased", async () =>
      (await api.get(`/api/v1/sessions/${running.id}`)).status === 404 ? true : undefined,
    )
    const again = await api.delete(`/api/v1/sessions/${running.id}?hard=1&wait=1`)
    expect(again.status).toBe(404)
  })
})
