// Each of the 12 session states reached through the public API alone (HTTP, bots working over HTTP,
// durable timers), on real Redis and Postgres; a timed-out session retried; soft delete.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { httpBot, sessionIn, taskIn } from "./coordination-support.ts"

describe("every session state through the public API", () => {
  let t: TestEdge
  let api: Client
  /** Creates a session of one task per capability (independent tasks) and answers its id and task ids. */
  const create = async (title: string, capabilities: string[], extra: Record<string, unknown> = {}) => {
    const tasks = capabilities.map((capability, index) => ({ key: `t${index}`, title: `${title} ${index}`, capability, max_attempts: 1 }))
    const answer = await api.post("/api/v1/sessions", { title, tasks, ...extra })
    expect(answer.status).toBe(201)
    return { id: answer.body.id as string, tasks: (answer.body.tasks as Array<{ id: string }>).map((task) => task.id) }
  }
  const command = async (id: string, action: string) => (await api.post(`/api/v1/sessions/${id}/${action}?wait=1`)).body

  beforeAll(async () => {
    // orphaned after 1 s with no agent for a waiting task's capability
    t = await testEdge({ limits: { orphanAfterS: 1 } })
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("pending, cancelled", async () => {
    const { id } = await create("st-cancel", ["st-none"])
    expect((await api.get(`/api/v1/sessions/${id}`)).body.status).toBe("pending")
    expect(await command(id, "cancel")).toMatchObject({ state: "cancelled" })
  })

  it("queued from START until an agent takes a task, then running, paused, running, stopped", async () => {
    const bot = await httpBot(api, t.url, "st-run-bot", ["st-run"])
    const { id, tasks } = await create("st-run", ["st-run"])
    expect(await command(id, "start")).toMatchObject({ state: "queued" })
    await taskIn(api, tasks[0]!, "assigned")
    expect((await sessionIn(api, id, "running")).task_counts).toMatchObject({ assigned: 1 })
    expect(await command(id, "pause")).toMatchObject({ state: "paused" })
    expect(await command(id, "resume")).toMatchObject({ state: "running" })
    expect(await command(id, "stop")).toMatchObject({ state: "stopped" })
    expect((await api.get(`/api/v1/agents/${bot.id}`)).status).toBe(200)
  })

  it("completed, partially_completed and failed by what its tasks do", async () => {
    const bot = await httpBot(api, t.url, "st-outcome-bot", ["st-ok", "st-bad"], 2)
    const done = await create("st-done", ["st-ok"], { start: true })
    await bot.work(done.tasks[0]!, "complete")
    expect(await sessionIn(api, done.id, "completed")).toMatchObject({
      task_counts: { completed: 1 },
      finished_at: expect.stringMatching(/Z$/),
    })

    const partly = await create("st-partly", ["st-ok", "st-bad"], { start: true })
    await bot.work(partly.tasks[0]!, "complete")
    await bot.work(partly.tasks[1]!, "fail")
    expect(await sessionIn(api, partly.id, "partially_completed")).toMatchObject({ task_counts: { completed: 1, failed: 1 } })

    const failed = await create("st-failed", ["st-bad"], { start: true })
    await bot.work(failed.tasks[0]!, "fail")
    expect(await sessionIn(api, failed.id, "failed")).toMatchObject({ error: "1 of 1 tasks did not complete" })
  })

  /** A registered agent that never comes online: it offers `capability`, so a session waiting for it is not orphaned. */
  const offlineAgent = (capability: string) => api.post("/api/v1/agents", { name: `${capability}-offline`, capabilities: [capability] })

  it("timeout by its durable deadline while queued, then retried: pending again", async () => {
    await offlineAgent("st-slow")
    const { id } = await create("st-timeout", ["st-slow"], { timeout_s: 1 })
    expect(await command(id, "start")).toMatchObject({ state: "queued" })
    expect(await sessionIn(api, id, "timeout")).toMatchObject({ task_counts: { cancelled: 1 } })
    expect(await command(id, "retry")).toMatchObject({ state: "pending" })
    expect((await api.get(`/api/v1/sessions/${id}`)).body.retries).toBe(1)
  })

  it("orphaned when its waiting task has no registered agent for its capability (CLAWBOT_ORPHAN_AFTER_S)", async () => {
    // an agent exists, but offers another capability
    await httpBot(api, t.url, "st-other-bot", ["st-other"])
    const { id, tasks } = await create("st-orphan", ["st-nobody"], { start: true })
    expect(await sessionIn(api, id, "orphaned")).toMatchObject({ finished_at: expect.stringMatching(/Z$/) })
    expect((await api.get(`/api/v1/tasks/${tasks[0]}`)).body.status).toBe("ready")
    const moves = (await api.get(`/api/v1/sessions/${id}/timeline`)).body.transitions
      .filter((step: { kind: string }) => step.kind === "session")
      .map((step: { from: string; to: string; event: string }) => `${step.from}->${step.to} ${step.event}`)
    expect(moves).toEqual(["null->queued CREATE", "queued->orphaned COVERAGE"])
  })

  it("degraded when its tasks' attempts keep failing", async () => {
    const bot = await httpBot(api, t.url, "st-flaky-bot", ["st-flaky"], 2)
    const answer = await api.post("/api/v1/sessions", {
      title: "st-degraded",
      start: true,
      tasks: [
        { key: "flaky", title: "Flaky", capability: "st-flaky", max_attempts: 5 },
        { key: "solid", title: "Solid", capability: "st-flaky" },
      ],
    })
    const [flaky, solid] = (answer.body.tasks as Array<{ id: string }>).map((task) => task.id)
    // solid completes; flaky fails three times (retried with backoff): 4 ended attempts, 3 failed, health 0.25
    await bot.work(solid!, "complete")
    for (let failures = 0; failures < 3; failures += 1) await bot.work(flaky!, "fail")
    expect(await sessionIn(api, answer.body.id, "degraded", 30_000)).toMatchObject({ health: 0.25 })
  }, 60_000)

  it("soft delete: hidden from lists, still read with its timeline; refused while it runs and a second time", async () => {
    await offlineAgent("st-none-2")
    const running = await create("st-delete-running", ["st-none-2"], { start: true })
    const refused = await api.delete(`/api/v1/sessions/${running.id}`)
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ error: { code: "conflict", message: "a queued session is stopped or cancelled before it is deleted" } })
    expect((await api.get(`/api/v1/sessions/${running.id}`)).body.deleted_at).toBeNull()

    const { id } = await create("st-delete", ["st-none-2"])
    await command(id, "cancel")
    const deleted = await api.delete(`/api/v1/sessions/${id}?wait=1`)
    expect(deleted.body).toMatchObject({ id, state: "cancelled" })
    const read = (await api.get(`/api/v1/sessions/${id}`)).body
    expect(read).toMatchObject({ status: "cancelled", deleted_at: expect.stringMatching(/Z$/) })
    const listed = (await api.get("/api/v1/sessions?status=cancelled&limit=200")).body.items.map((session: { id: string }) => session.id)
    expect(listed).not.toContain(id)
    const timeline = (await api.get(`/api/v1/sessions/${id}/timeline`)).body.transitions
    expect(timeline.at(-1)).toMatchObject({ kind: "session", from: "cancelled", to: "cancelled", event: "DELETE" })
    const again = await api.delete(`/api/v1/sessions/${id}`)
    expect(again.body).toEqual({ error: { code: "conflict", message: "the session is already deleted" } })
    const hard = await api.delete(`/api/v1/sessions/${running.id}?hard=1`)
    expect(hard.status).toBe(409)
    expect(hard.body).toEqual({ error: { code: "conflict", message: "a queued session is stopped or cancelled before it is erased" } })
    expect((await api.get(`/api/v1/sessions/${running.id}`)).body).toMatchObject({ status: "queued", deleted_at: null })
  })
})
