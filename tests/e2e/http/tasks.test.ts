// /api/v1/tasks over real HTTP: standalone tasks (session_id and depends_on refused), the lifecycle
// an HTTP-only bot drives (claim, start, complete, fail) with who-may-do-what, the operator's cancel,
// reads, filters and pagination.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { httpClient, testEdge, type Answer, type Client, type TestEdge } from "../../support/edge.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const STREAM_ID = /^\d+-\d+$/

describe("tasks over HTTP", () => {
  let t: TestEdge
  let api: Client
  const actors = async (): Promise<number> => {
    const [row] = await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from actors`
    return row?.n ?? -1
  }
  /** An online agent with one capability, and a client with its token. */
  const onlineAgent = async (capability: string, name = capability) => {
    const agent = (await api.post("/api/v1/agents", { name, capabilities: [capability] })).body as { id: string; token: string }
    const bot = httpClient(t.url, agent.token)
    expect((await bot.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {})).body.state).toBe("online")
    return { ...agent, bot }
  }
  const createTask = async (capability: string, extra: Record<string, unknown> = {}) => {
    const answer = await api.post("/api/v1/tasks", { title: `do ${capability}`, capability, ...extra })
    expect(answer.status).toBe(201)
    return answer.body.id as string
  }
  const assignedTo = (taskId: string) =>
    waitFor(`task ${taskId} assigned`, async () => {
      const task = (await api.get(`/api/v1/tasks/${taskId}`)).body
      return task.status === "assigned" ? (task.agent_id as string) : undefined
    })

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("refuses session_id and depends_on on a standalone task, writing nothing", async () => {
    const withSession = await api.post("/api/v1/tasks", { title: "t", capability: "c", session_id: "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11" })
    expect(withSession.status).toBe(400)
    expect(withSession.body).toEqual({
      error: {
        code: "validation_failed",
        message: "session_id: a standalone task cannot join a session; give a session its tasks in POST /sessions",
      },
    })
    const withDeps = await api.post("/api/v1/tasks", { title: "t", capability: "c", depends_on: ["9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"] })
    expect(withDeps.body).toEqual({
      error: {
        code: "validation_failed",
        message: "depends_on: a standalone task cannot wait for other tasks; use POST /sessions with depends_on between its tasks",
      },
    })
    const badTimeout = await api.post("/api/v1/tasks", { title: "t", capability: "c", timeout_s: 0 })
    expect(badTimeout.body).toEqual({
      error: { code: "validation_failed", message: "timeout_s: expected a value between 1 and 3600, got 0" },
    })
    expect(await actors()).toBe(0)
  })

  it("creates a standalone task ready at once: 201, readable at once", async () => {
    const answer = await api.post("/api/v1/tasks", { title: "lonely", capability: "tx-nobody", payload: { n: 1 }, priority: 0, key: "k1" })
    expect(answer.status).toBe(201)
    expect(answer.body).toEqual({ id: expect.stringMatching(UUID), status: "ready", stream_id: expect.stringMatching(STREAM_ID) })
    const read = await api.get(`/api/v1/tasks/${answer.body.id}`)
    expect(read.body).toMatchObject({
      id: answer.body.id,
      session_id: null,
      key: "k1",
      title: "lonely",
      capability: "tx-nobody",
      payload: { n: 1 },
      depends_on: [],
      priority: 0,
      timeout_s: 300,
      max_attempts: 3,
      status: "ready",
      agent_id: null,
      attempt: 0,
      version: 1,
    })
  })

  it("lets the assigned agent claim, start, report progress on and complete its task over HTTP", async () => {
    const worker = await onlineAgent("tx-run")
    const taskId = await createTask("tx-run")
    expect(await assignedTo(taskId)).toBe(worker.id)
    expect((await worker.bot.post(`/api/v1/tasks/${taskId}/claim`, {})).status).toBe(202)
    expect((await worker.bot.post(`/api/v1/tasks/${taskId}/start?wait=1`)).body).toEqual({
      id: taskId,
      state: "in_progress",
      stream_id: expect.stringMatching(STREAM_ID),
    })
    expect((await worker.bot.post(`/api/v1/tasks/${taskId}/progress?wait=1`, { progress: 0.5, message: "halfway" })).body).toMatchObject({
      state: "in_progress",
    })
    expect((await api.get(`/api/v1/tasks/${taskId}`)).body).toMatchObject({ progress: 0.5, progress_message: "halfway" })
    expect((await worker.bot.post(`/api/v1/tasks/${taskId}/progress`, { progress: 2 })).body.error).toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/^progress: /),
    })
    expect((await worker.bot.post(`/api/v1/tasks/${taskId}/complete?wait=1`, { result: { ok: true } })).body).toMatchObject({
      state: "completed",
    })
    const done = (await api.get(`/api/v1/tasks/${taskId}`)).body
    expect(done).toMatchObject({ status: "completed", agent_id: worker.id, attempt: 1, result: { ok: true } })
    const again = await worker.bot.post(`/api/v1/tasks/${taskId}/complete`, {})
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe("conflict")
  })

  it("forbids another agent, and makes the operator name the agent it acts for", async () => {
    const owner = await onlineAgent("tx-own", "owner")
    const taskId = await createTask("tx-own")
    expect(await assignedTo(taskId)).toBe(owner.id)
    const other = (await api.post("/api/v1/agents", { name: "other", capabilities: ["tx-else"] })).body
    const otherBot = httpClient(t.url, other.token)
    const before = (await api.get(`/api/v1/tasks/${taskId}`)).body

    const foreign = await otherBot.post(`/api/v1/tasks/${taskId}/start`, {})
    expect(foreign.status).toBe(403)
    expect(foreign.body).toEqual({ error: { code: "forbidden", message: "the task is assigned to another agent" } })
    const impersonating = await otherBot.post(`/api/v1/tasks/${taskId}/start`, { agent_id: owner.id })
    expect(impersonating.status).toBe(403)
    expect(impersonating.body).toEqual({
      error: { code: "forbidden", message: `agent_id: an agent token may only act as its own agent ${other.id}` },
    })
    const anonymous = await api.post(`/api/v1/tasks/${taskId}/start`, {})
    expect(anonymous.status).toBe(400)
    expect(anonymous.body).toEqual({
      error: { code: "validation_failed", message: "agent_id: is missing (required with the operator token)" },
    })
    const cancelByAgent = await owner.bot.post(`/api/v1/tasks/${taskId}/cancel`, {})
    expect(cancelByAgent.status).toBe(403)
    const after = (await api.get(`/api/v1/tasks/${taskId}`)).body
    expect({ status: after.status, version: after.version }).toEqual({ status: before.status, version: before.version })

    expect((await api.post(`/api/v1/tasks/${taskId}/start?wait=1`, { agent_id: owner.id })).body).toMatchObject({ state: "in_progress" })
    const failed = await api.post(`/api/v1/tasks/${taskId}/fail?wait=1`, { agent_id: owner.id, error: "flaky" })
    expect(failed.body).toMatchObject({ state: "retry_wait" })
    expect((await api.get(`/api/v1/tasks/${taskId}`)).body).toMatchObject({ status: "retry_wait", error: "flaky", attempt: 1 })
  })

  it("lets the operator cancel, with a reason, and refuses cancelling twice", async () => {
    const taskId = await createTask("tx-cancel")
    const cancelled = await api.post(`/api/v1/tasks/${taskId}/cancel?wait=1`, { reason: "not needed" })
    expect(cancelled.body).toMatchObject({ id: taskId, state: "cancelled" })
    expect((await api.get(`/api/v1/tasks/${taskId}`)).body).toMatchObject({ status: "cancelled", cancel_reason: "not needed" })
    const twice = await api.post(`/api/v1/tasks/${taskId}/cancel`)
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe("conflict")
  })

  it("answers 404 for an unknown task", async () => {
    const unknown = "0b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"
    expect(await api.get(`/api/v1/tasks/${unknown}`)).toMatchObject({
      status: 404,
      body: { error: { code: "not_found", message: `task ${unknown} does not exist` } },
    })
    expect((await api.post(`/api/v1/tasks/${unknown}/cancel`)).body).toEqual({
      error: { code: "not_found", message: `task ${unknown} does not exist` },
    })
  })

  it("lists tasks by status, agent, session and capability, a page at a time", async () => {
    const made = [await createTask("tx-list"), await createTask("tx-list"), await createTask("tx-list")]
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Answer = await api.get(`/api/v1/tasks?capability=tx-list&status=ready&limit=2${cursor ? `&cursor=${cursor}` : ""}`)
      seen.push(...page.body.items.map((task: { id: string }) => task.id))
      cursor = page.body.next_cursor
      pages += 1
    } while (cursor)
    expect(seen.sort()).toEqual([...made].sort())
    expect(pages).toBe(2)

    const worker = await onlineAgent("tx-mine")
    const mine = await createTask("tx-mine")
    await assignedTo(mine)
    expect((await api.get(`/api/v1/tasks?agent_id=${worker.id}`)).body.items.map((task: { id: string }) => task.id)).toEqual([mine])

    const session = (await api.post("/api/v1/sessions", { title: "s", tasks: [{ key: "a", title: "A", capability: "tx-session" }] })).body
    await api.post(`/api/v1/sessions/${session.id}/start?wait=1`)
    const inSession = await waitFor("the session's task", async () => {
      const items = (await api.get(`/api/v1/tasks?session_id=${session.id}`)).body.items
      return items.length > 0 ? items : undefined
    })
    expect(inSession.map((task: { id: string }) => task.id)).toEqual([session.tasks[0].id])
    expect((await api.get("/api/v1/tasks?session_id=nope")).body).toEqual({
      error: { code: "validation_failed", message: 'session_id: expected a UUID, got "nope"' },
    })
  })
})
