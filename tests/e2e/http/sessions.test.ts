// /api/v1/sessions over real HTTP: creation with a task graph by keys (its tasks created at once, waiting
// for the start, or started with `start: true`), reads with the tasks' states from the task actors,
// the lifecycle commands (409 with the machine's reason when refused, nothing changed), numbered
// checkpoints, the timeline, listing with filters and pagination.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sessionTaskId } from "../../../machines/task-ids.ts"
import { waitFor } from "../../support/runtime.ts"
import { httpClient, inboxAppends, testEdge, type Answer, type Client, type TestEdge } from "../../support/edge.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const STREAM_ID = /^\d+-\d+$/

const GRAPH = {
  title: "build",
  priority: 1,
  tasks: [
    { key: "design", title: "Design", capability: "sx-design" },
    { key: "code", title: "Code", capability: "sx-code", depends_on: ["design"], max_attempts: 1 },
  ],
}

describe("sessions over HTTP", () => {
  let t: TestEdge
  let api: Client
  const actors = async (): Promise<number> => {
    const [row] = await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from actors`
    return row?.n ?? -1
  }
  const create = async (body: unknown = GRAPH) => {
    const answer = await api.post("/api/v1/sessions", body)
    expect(answer.status).toBe(201)
    return answer.body as { id: string; tasks: Array<{ key: string; id: string }> }
  }
  /** The session once every one of its `count` tasks exists and `ready` says so of their states. */
  const sessionWithTasks = (id: string, count: number, ready: (statuses: string[]) => boolean = () => true) =>
    waitFor(`the tasks of session ${id}`, async () => {
      const read = (await api.get(`/api/v1/sessions/${id}`)).body
      const statuses = read.tasks.map((task: { status: string }) => task.status)
      return statuses.length === count && ready(statuses) ? read : undefined
    })

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("refuses an invalid task graph naming the field, and agent tokens, writing nothing", async () => {
    const unknownKey = await api.post("/api/v1/sessions", {
      title: "x",
      tasks: [{ key: "a", title: "A", capability: "c", depends_on: ["b"] }],
    })
    expect(unknownKey.status).toBe(400)
    expect(unknownKey.body).toEqual({ error: { code: "validation_failed", message: 'tasks.0.depends_on.0: unknown task key "b"' } })
    const noTitle = await api.post("/api/v1/sessions", { tasks: [] })
    expect(noTitle.body).toEqual({ error: { code: "validation_failed", message: "title: is missing" } })
    const badStart = await api.post("/api/v1/sessions", { ...GRAPH, start: "yes" })
    expect(badStart.body).toEqual({ error: { code: "validation_failed", message: 'start: expected a boolean, got "yes"' } })
    const agent = await api.post("/api/v1/agents", { name: "nosy", capabilities: ["x"] })
    const asAgent = await httpClient(t.url, agent.body.token).post("/api/v1/sessions", GRAPH)
    expect(asAgent.status).toBe(403)
    expect(asAgent.body).toEqual({ error: { code: "forbidden", message: "only the operator token may make this call" } })
    expect(await actors()).toBe(1) // the agent only
  })

  it("refuses with 413 a body within the HTTP limit whose CREATE would be over an inbox entry's, writing nothing", async () => {
    // In the command each task gets its derived id and its defaults: 20,000 bare tasks fit the 1 MiB body, not the entry.
    const tasks = Array.from({ length: 20_000 }, (_, n) => ({ key: `t${n}`, title: "t", capability: "c" }))
    const body = { title: "too many for one entry", tasks }
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(1024 * 1024)
    const before = { actors: await actors(), appended: await inboxAppends(t.deployment) }
    const refused = await api.post("/api/v1/sessions", body)
    expect(refused.status).toBe(413)
    expect(refused.body.error.code).toBe("payload_too_large")
    expect(refused.body.error.message).toMatch(/^payload: \d{7} bytes as an inbox command, more than 2097152$/)
    expect({ actors: await actors(), appended: await inboxAppends(t.deployment) }).toEqual(before)
  })

  it("creates a session whose CREATE is larger than its body's limit: 5,000 tasks of 100-byte payloads", async () => {
    const tasks = Array.from({ length: 5_000 }, (_, n) => ({
      key: `t${n}`,
      title: `task ${n}`,
      capability: "sx-big",
      payload: { n, pad: "x".repeat(80) },
    }))
    const created = await api.post("/api/v1/sessions", { title: "five thousand", tasks })
    expect(created.status).toBe(201)
    expect(created.body.tasks).toHaveLength(5_000)
    const read = await sessionWithTasks(created.body.id, 5_000)
    expect(read.tasks.every((task: { status: string }) => task.status === "blocked")).toBe(true)
  })

  it("creates a session: 201 with each task key's id, its tasks created at once, blocked until it starts", async () => {
    const answer = await api.post("/api/v1/sessions", GRAPH)
    expect(answer.status).toBe(201)
    expect(answer.body).toEqual({
      id: expect.stringMatching(UUID),
      status: "pending",
      stream_id: expect.stringMatching(STREAM_ID),
      tasks: [
        { key: "design", id: expect.stringMatching(UUID) },
        { key: "code", id: expect.stringMatching(UUID) },
      ],
    })
    const { id, tasks } = answer.body as { id: string; tasks: Array<{ key: string; id: string }> }
    const [design, code] = tasks
    expect([design?.id, code?.id]).toEqual([sessionTaskId(id, 0), sessionTaskId(id, 1)])
    const read = await api.get(`/api/v1/sessions/${id}`)
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ id, title: "build", priority: 1, status: "pending", checkpoints: 0, version: 1 })
    expect(read.body.task_counts).toMatchObject({ blocked: 2, ready: 0 })
    expect((await sessionWithTasks(id, 2)).tasks).toEqual([
      {
        id: design?.id,
        key: "design",
        title: "Design",
        capability: "sx-design",
        depends_on: [],
        status: "blocked",
        agent_id: null,
        attempt: 0,
      },
      {
        id: code?.id,
        key: "code",
        title: "Code",
        capability: "sx-code",
        depends_on: [design?.id],
        status: "blocked",
        agent_id: null,
        attempt: 0,
      },
    ])
  })

  it("starts a session created with start: true at once: queued until an agent takes a task", async () => {
    const answer = await api.post("/api/v1/sessions", { ...GRAPH, start: true })
    expect(answer.body).toMatchObject({ status: "queued" })
    const session = await sessionWithTasks(answer.body.id, 2, (statuses) => statuses[0] === "ready")
    expect(session.tasks.map((task: { status: string }) => task.status)).toEqual(["ready", "blocked"])
    expect(session).toMatchObject({ status: "queued", task_counts: { ready: 1, blocked: 1 }, started_at: expect.stringMatching(/Z$/) })
  })

  it("refuses a lifecycle command the machine does not accept with 409 and its reason, changing nothing", async () => {
    const { id } = await create()
    const before = (await api.get(`/api/v1/sessions/${id}`)).body
    const refused = await api.post(`/api/v1/sessions/${id}/pause`)
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ error: { code: "conflict", message: "PAUSE is not accepted while the session is pending" } })
    const retry = await api.post(`/api/v1/sessions/${id}/retry`)
    expect(retry.body).toEqual({ error: { code: "conflict", message: "RETRY is not accepted while the session is pending" } })
    const after = (await api.get(`/api/v1/sessions/${id}`)).body
    expect({ status: after.status, version: after.version }).toEqual({ status: before.status, version: before.version })
    const transitions = (await api.get(`/api/v1/sessions/${id}/timeline`)).body.transitions
    expect(transitions.filter((step: { kind: string }) => step.kind === "session")).toHaveLength(1)
  })

  it("starts, pauses, resumes and stops a session; ?wait=1 answers the new state", async () => {
    const { id, tasks } = await create()
    const started = await api.post(`/api/v1/sessions/${id}/start`)
    expect(started.status).toBe(202)
    expect(started.body).toEqual({ id, stream_id: expect.stringMatching(STREAM_ID) })
    const session = await sessionWithTasks(id, 2, (statuses) => statuses[0] === "ready")
    expect(session.status).toBe("queued")
    expect(session.tasks.map((task: { status: string }) => task.status)).toEqual(["ready", "blocked"])
    expect((await api.get(`/api/v1/tasks/${tasks[1]?.id}`)).body).toMatchObject({ session_id: id, key: "code", depends_on: [tasks[0]?.id] })

    expect((await api.post(`/api/v1/sessions/${id}/pause?wait=1`)).body).toEqual({
      id,
      state: "paused",
      stream_id: expect.stringMatching(STREAM_ID),
    })
    expect((await api.post(`/api/v1/sessions/${id}/resume?wait=true`)).body).toMatchObject({ id, state: "running" })
    expect((await api.post(`/api/v1/sessions/${id}/stop?wait=1`)).body).toMatchObject({ id, state: "stopped" })
    const cancel = await api.post(`/api/v1/sessions/${id}/cancel`)
    expect(cancel.status).toBe(409)
    expect(cancel.body).toEqual({ error: { code: "conflict", message: `CANCEL is not allowed: session:${id} is stopped, a final state` } })
    const tasksAfter = await waitFor("the tasks cancelled", async () => {
      const read = (await api.get(`/api/v1/sessions/${id}`)).body
      return read.tasks.every((task: { status: string }) => task.status === "cancelled") ? read.tasks : undefined
    })
    expect(tasksAfter).toHaveLength(2)
    expect((await api.get(`/api/v1/sessions/${id}`)).body.task_counts).toMatchObject({ cancelled: 2, ready: 0, blocked: 0 })
    expect((await api.post(`/api/v1/sessions/${id}/start?wait=maybe`)).body).toEqual({
      error: { code: "validation_failed", message: 'wait: expected one of "0", "1", "true", "false", got "maybe"' },
    })
  })

  it("cancels a pending session", async () => {
    const { id } = await create()
    expect((await api.post(`/api/v1/sessions/${id}/cancel?wait=1`)).body).toMatchObject({ id, state: "cancelled" })
  })

  it("retries a failed session", async () => {
    const { id, tasks } = await create({
      title: "fragile",
      tasks: [{ key: "only", title: "Only", capability: "sx-fragile", max_attempts: 1 }],
    })
    const agent = (await api.post("/api/v1/agents", { name: "fragile-bot", capabilities: ["sx-fragile"] })).body
    const bot = httpClient(t.url, agent.token)
    await bot.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {})
    await api.post(`/api/v1/sessions/${id}/start?wait=1`)
    const taskId = tasks[0]?.id
    await waitFor("the assignment", async () => ((await api.get(`/api/v1/tasks/${taskId}`)).body.status === "assigned" ? true : undefined))
    expect((await bot.post(`/api/v1/tasks/${taskId}/start?wait=1`, {})).body).toMatchObject({ state: "in_progress" })
    expect((await bot.post(`/api/v1/tasks/${taskId}/fail?wait=1`, { error: "boom" })).body).toMatchObject({ state: "failed" })
    await waitFor("the session to fail", async () =>
      (await api.get(`/api/v1/sessions/${id}`)).body.status === "failed" ? true : undefined,
    )
    expect((await api.post(`/api/v1/sessions/${id}/retry?wait=1`)).body).toMatchObject({ id, state: "pending" })
    expect((await api.get(`/api/v1/sessions/${id}`)).body.retries).toBe(1)
  })

  it("numbers checkpoints, and refuses one on a finished session", async () => {
    const { id } = await create()
    const first = await api.post(`/api/v1/sessions/${id}/checkpoints`, { data: { step: 1 } })
    expect(first.status).toBe(201)
    expect(first.body).toEqual({ id, number: 1, stream_id: expect.stringMatching(STREAM_ID) })
    expect((await api.post(`/api/v1/sessions/${id}/checkpoints`, { data: [2] })).body).toMatchObject({ number: 2 })
    expect((await api.get(`/api/v1/sessions/${id}`)).body.checkpoints).toBe(2)
    expect((await api.post(`/api/v1/sessions/${id}/checkpoints`, {})).body).toEqual({
      error: { code: "validation_failed", message: "data: is missing" },
    })
    await api.post(`/api/v1/sessions/${id}/cancel?wait=1`)
    const late = await api.post(`/api/v1/sessions/${id}/checkpoints`, { data: 3 })
    expect(late.status).toBe(409)
    expect(late.body).toEqual({
      error: { code: "conflict", message: `CHECKPOINT is not allowed: session:${id} is cancelled, a final state` },
    })
  })

  it("answers the timeline of the session and its tasks in order, 404 for an unknown session", async () => {
    const { id, tasks } = await create()
    await api.post(`/api/v1/sessions/${id}/start?wait=1`)
    const timeline = await waitFor("the tasks' creation and start in the timeline", async () => {
      const body = (await api.get(`/api/v1/sessions/${id}/timeline`)).body
      return body.transitions.length >= 7 ? body : undefined
    })
    expect(timeline.session_id).toBe(id)
    const steps: string[] = timeline.transitions.map(
      (step: { kind: string; actor_id: string; from: string | null; to: string; event: string }) =>
        `${step.kind}:${step.actor_id === id ? "session" : tasks.find((task) => task.id === step.actor_id)?.key} ${step.from}->${step.to} ${step.event}`,
    )
    expect(steps.filter((step) => step.startsWith("session:"))).toEqual([
      "session:session null->pending CREATE",
      "session:session pending->queued START",
      "session:session queued->queued TASK_STATUS", // design reports it is ready
    ])
    // Each task's steps in its own order (the tasks and the session live in different partitions).
    expect(steps.filter((step) => step.startsWith("task:design"))).toEqual([
      "task:design null->blocked CREATE",
      "task:design blocked->ready SESSION_RUN",
    ])
    expect(steps.filter((step) => step.startsWith("task:code"))).toEqual([
      "task:code null->blocked CREATE",
      "task:code blocked->blocked SESSION_RUN",
    ])
    expect(timeline.transitions[0]).toMatchObject({
      stream_id: expect.stringMatching(STREAM_ID),
      at: expect.stringMatching(/Z$/),
      version: 1,
      patch: expect.objectContaining({ status: "pending", version: 1 }),
    })
    const ids = timeline.transitions.map((step: { id: number }) => step.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    const unknown = "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"
    expect(await api.get(`/api/v1/sessions/${unknown}/timeline`)).toMatchObject({
      status: 404,
      body: { error: { code: "not_found", message: `session ${unknown} does not exist` } },
    })
    expect((await api.post(`/api/v1/sessions/${unknown}/start`)).body).toEqual({
      error: { code: "not_found", message: `session ${unknown} does not exist` },
    })
  })

  it("answers the timeline a page at a time: read in turn, the pages are the timeline; a bad limit or cursor is refused", async () => {
    const { id } = await create()
    await api.post(`/api/v1/sessions/${id}/start?wait=1`)
    const before = await waitFor("the tasks' creation and start in the timeline", async () => {
      const body = (await api.get(`/api/v1/sessions/${id}/timeline`)).body
      return body.transitions.length >= 7 ? body : undefined
    })
    expect(before.next_cursor).toBeNull()
    const pages: number[][] = []
    let cursor: string | null = null
    do {
      const page: Answer = await api.get(`/api/v1/sessions/${id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ""}`)
      expect(page.status).toBe(200)
      expect(page.body.session_id).toBe(id)
      pages.push(page.body.transitions.map((step: { id: number }) => step.id))
      cursor = page.body.next_cursor
    } while (cursor !== null)
    // Every page but the last holds two; none is empty (the last full page says there is no other).
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(before.transitions.length / 2))
    expect(pages.slice(0, -1).every((ids) => ids.length === 2)).toBe(true)
    expect(pages.at(-1)?.length).toBeGreaterThan(0)
    const paged = pages.flat()
    expect(paged.length).toBeGreaterThanOrEqual(before.transitions.length)
    const after = (await api.get(`/api/v1/sessions/${id}/timeline`)).body
    expect(after.transitions.slice(0, paged.length).map((step: { id: number }) => step.id)).toEqual(paged)
    const past = await api.get(`/api/v1/sessions/${id}/timeline?cursor=${paged.at(-1)}`)
    expect(past.body).toEqual({ session_id: id, transitions: after.transitions.slice(paged.length), next_cursor: null })

    expect((await api.get(`/api/v1/sessions/${id}/timeline?limit=0`)).body).toEqual({
      error: { code: "validation_failed", message: "limit: expected a value between 1 and 1000, got 0" },
    })
    expect((await api.get(`/api/v1/sessions/${id}/timeline?limit=1001`)).body).toEqual({
      error: { code: "validation_failed", message: "limit: expected a value between 1 and 1000, got 1001" },
    })
    const badCursor = await api.get(`/api/v1/sessions/${id}/timeline?cursor=abc`)
    expect(badCursor.status).toBe(400)
    expect(badCursor.body).toEqual({ error: { code: "validation_failed", message: 'cursor: expected a whole number, got "abc"' } })
  })

  it("lists sessions by status, a page at a time", async () => {
    const made = [await create(), await create(), await create()]
    for (const { id } of made) await api.post(`/api/v1/sessions/${id}/cancel?wait=1`)
    const pages: string[][] = []
    let cursor: string | null = null
    do {
      const page: Answer = await api.get(`/api/v1/sessions?status=cancelled&limit=2${cursor ? `&cursor=${cursor}` : ""}`)
      expect(page.status).toBe(200)
      pages.push(page.body.items.map((session: { id: string; status: string }) => session.id))
      cursor = page.body.next_cursor
    } while (cursor)
    expect(pages.flat()).toEqual(expect.arrayContaining(made.map((session) => session.id)))
    expect(pages[0]).toHaveLength(2)
    const pending = (await api.get("/api/v1/sessions?status=pending&limit=200")).body.items
    expect(pending.every((session: { status: string }) => session.status === "pending")).toBe(true)
    expect(pending.map((session: { id: string }) => session.id)).not.toContain(made[0]?.id)
  })
})
