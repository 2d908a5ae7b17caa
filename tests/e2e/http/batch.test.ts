// POST /api/v1/tasks/batch over real HTTP: up to 1,000 standalone tasks accepted in one call (202,
// each id with the stream id of its CREATE, in order, and every task created), all validated before
// any is appended: one bad task answers 400 naming it and nothing is appended. The body's plain check answers as the
// Schema path did: every error a user can cause with the Schema path's exact message and nothing appended, and a valid
// body appended as the Schema path's tasks would be.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../../src/redis/partition.ts"
import { appendedStreamPayload } from "../../../src/schema/commands.ts"
import { decodeJsonOr } from "../../../src/schema/errors.ts"
import { CreateTaskBatchBody, type CreateTaskBody } from "../../../src/schema/http.ts"
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

/** What the route answered before its plain check: the Schema's decode, then the standalone rules (tasks.ts). */
const bySchema = (text: string): { ok: true; tasks: ReadonlyArray<CreateTaskBody> } | { ok: false; message: string } => {
  const decoded = decodeJsonOr(CreateTaskBatchBody, text.trim() === "" ? "{}" : text)
  if (!decoded.ok) return { ok: false, message: decoded.error.message }
  for (const [i, task] of decoded.value.tasks.entries()) {
    if (task.sessionId !== undefined)
      return {
        ok: false,
        message: `tasks.${i}.session_id: a standalone task cannot join a session; give a session its tasks in POST /sessions`,
      }
    if (task.dependsOn.length > 0)
      return {
        ok: false,
        message: `tasks.${i}.depends_on: a standalone task cannot wait for other tasks; use POST /sessions with depends_on between its tasks`,
      }
  }
  return { ok: true, tasks: decoded.value.tasks }
}

describe("task batches, the plain check against the Schema's", () => {
  let t: TestEdge
  // No runtime: the entries stay in the inboxes as appended, to be read back.
  beforeAll(async () => {
    t = await testEdge({ partitions: 4, runtime: false })
  })
  afterAll(async () => {
    await t?.close()
  })

  const ok = { title: "t", capability: "c" }
  const TASK = "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"
  /** Every error a user can cause in a batch's body, as raw text. */
  const refused: ReadonlyArray<string> = [
    ...[
      { tasks: [] },
      { tasks: Array.from({ length: 1001 }, () => ok) },
      {},
      [],
      "tasks",
      null,
      { tasks: "x" },
      { tasks: [ok], extra: 1 },
      { tasks: [ok, { capability: "c" }] },
      { tasks: [{ title: "", capability: "c" }] },
      { tasks: [{ title: "t", capability: "UPPER" }] },
      { tasks: [ok, { ...ok, timeoutS: 5 }] },
      { tasks: [{ ...ok, priority: 5 }] },
      { tasks: [{ ...ok, priority: 1.5 }] },
      { tasks: [{ ...ok, timeout_s: 0 }] },
      { tasks: [{ ...ok, max_attempts: 21 }] },
      { tasks: [{ ...ok, approval_timeout_s: "1" }] },
      { tasks: [{ ...ok, requires_approval: "yes" }] },
      { tasks: [{ ...ok, group: "a/b" }] },
      { tasks: [{ ...ok, key: "" }] },
      { tasks: [{ ...ok, depends_on: ["x"] }] },
      { tasks: [{ ...ok, depends_on: "x" }] },
      { tasks: [ok, { ...ok, depends_on: [TASK] }] },
      { tasks: [ok, ok, { ...ok, session_id: TASK }] },
      { tasks: [{ ...ok, session_id: "x" }] },
      { tasks: [1] },
      { tasks: [null] },
    ].map((body) => JSON.stringify(body)),
    "",
    "{",
    '{"tasks": [{"title": "a\\u0000b", "capability": "c"}]}',
    `{"tasks": [{"title": "t", "capability": "c", "payload": ${"[".repeat(70)}${"]".repeat(70)}}]}`,
  ]

  it("answers every body a user can get wrong with the Schema path's exact error, and appends nothing", async () => {
    const before = await inboxAppends(t.deployment)
    for (const text of refused) {
      const expected = bySchema(text)
      expect({ text, ok: expected.ok }).toEqual({ text, ok: false })
      const answer = await t.api.request("POST", "/api/v1/tasks/batch", { text, headers: { "content-type": "application/json" } })
      expect({ text, status: answer.status, body: answer.body }).toEqual({
        text,
        status: 400,
        body: { error: { code: "validation_failed", message: (expected as { message: string }).message } },
      })
    }
    expect(await inboxAppends(t.deployment)).toBe(before)
  })

  it("appends for a valid body the entries the Schema path's tasks give, defaults given or left out", async () => {
    const bodies = [
      { tasks: [ok] },
      {
        tasks: [
          ok,
          { ...ok, key: "k", payload: { a: [1, { b: null }] }, timeout_s: 60, max_attempts: 2, priority: 0, group: "g" },
          { ...ok, depends_on: [], requires_approval: true, approval_timeout_s: 600, payload: "text" },
          { capability: "c", title: "members in another order", priority: 4 },
        ],
      },
    ]
    for (const body of bodies) {
      const text = JSON.stringify(body)
      const expected = bySchema(text)
      if (!expected.ok) throw new Error(expected.message)
      const answer = await t.api.post("/api/v1/tasks/batch", body)
      expect(answer.status).toBe(202)
      const items = answer.body.items as Array<{ id: string; stream_id: string }>
      expect(items).toHaveLength(body.tasks.length)
      for (const [i, item] of items.entries()) {
        const inbox = t.deployment.keys.partition(partitionOf("task", item.id, t.deployment.partitions)).inbox
        const [entry] = await t.deployment.redis.xrange(inbox, item.stream_id, item.stream_id)
        const fields = entry?.[1] ?? []
        const payload = fields[fields.indexOf("payload") + 1]
        const command = { kind: "task", id: item.id, type: "CREATE", payload: { id: item.id, ...expected.tasks[i], blocked: false } }
        const reference = appendedStreamPayload(command)
        expect({ i, payload }).toEqual({ i, payload: reference.ok ? reference.value : reference.error.message })
      }
    }
  })
})
