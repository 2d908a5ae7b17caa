// GET /actors/counts reads a bounded amount whatever the number of stored actors (src/edge/http/counts.ts):
// over 10,000 stored tasks and 60 sessions it sends a few statements and reads a few dozen rows (the old
// count read every stored actor, 1,000 a statement), and still counts what the lists show: a task whose
// snapshot was spoiled in Postgres or written by a newer machine apart as quarantined, a task edited in
// Postgres that still fits by the state its snapshot brings up, soft-deleted sessions nowhere (the
// movable ones named in `versions`, uncounted). The rows are copies of one stored task and one stored
// session inserted straight into this test's schema, as a runtime that wrote them would have.
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { countsAt } from "../../../src/edge/http/counts.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

let t: TestEdge
const TASKS = 10_000
const SESSIONS = 60
/** Tasks: spoiled (context does not decode), written by machine version 9, edited and still fitting. */
const SPOILED = ["task-00007", "task-04000", "task-09999"]
const NEWER = ["task-00100", "task-05000"]
const EDITED = ["task-00200"]
/** Sessions soft-deleted: the first 10 still movable (draft), the next 10 cancelled. */
const DELETED_MOVABLE = Array.from({ length: 10 }, (_, i) => `session-${String(i).padStart(5, "0")}`)
const DELETED_SETTLED = Array.from({ length: 10 }, (_, i) => `session-${String(10 + i).padStart(5, "0")}`)

beforeAll(async () => {
  t = await testEdge({ tuning: { sweepMs: 3_600_000 } })
  const task = await t.api.post("/api/v1/tasks?wait=1", { title: "template", capability: "nobody-has-it" })
  expect(task.status).toBe(201)
  const session = await t.api.post("/api/v1/sessions", { title: "template" })
  await t.deployment.actor("session", session.body.id)
  const { sql } = t.deployment.schema
  const copies = (kind: string, template: string, count: number) => sql`
    insert into actors (kind, id, state, snapshot, stored_once, stream_id, stream_ms, stream_seq, fence, version, machine_version,
      outbox, capability, priority, created_at, updated_at, state_since)
    select ${kind}, ${kind} || '-' || lpad(g::text, 5, '0'), a.state,
      jsonb_set(a.snapshot, '{context,id}', to_jsonb(${kind} || '-' || lpad(g::text, 5, '0'))),
      a.stored_once, a.stream_id, a.stream_ms, a.stream_seq, a.fence, a.version, a.machine_version, a.outbox, a.capability, a.priority,
      a.created_at, a.updated_at, a.state_since + make_interval(secs => g / 1000.0)
    from actors a, generate_series(0, ${count - 1}::int) g
    where a.kind = ${kind} and a.id = ${template}`
  await copies("task", task.body.id, TASKS)
  await copies("session", session.body.id, SESSIONS)
  await sql`update actors set snapshot = jsonb_set(snapshot, '{context,title}', '5') where kind = 'task' and id = any(${SPOILED})`
  await sql`update actors set machine_version = 9 where kind = 'task' and id = any(${NEWER})`
  await sql`update actors set snapshot = jsonb_set(snapshot, '{context,title}', '"renamed"') where kind = 'task' and id = any(${EDITED})`
  await sql`update actors set deleted_at = now() where kind = 'session' and id = any(${[...DELETED_MOVABLE, ...DELETED_SETTLED]})`
  await sql`update actors set state = 'cancelled', snapshot = jsonb_set(snapshot, '{value}', '"cancelled"')
    where kind = 'session' and id = any(${DELETED_SETTLED})`
}, 60_000)
afterAll(() => t?.close())

/** Every item of a list, following next_cursor. */
const listAll = async (path: string): Promise<Array<Record<string, unknown>>> => {
  const items: Array<Record<string, unknown>> = []
  for (let cursor: string | null = ""; cursor !== null; ) {
    const page = await t.api.get(`${path}?limit=200${cursor === "" ? "" : `&cursor=${cursor}`}`)
    expect(page.status).toBe(200)
    items.push(...(page.body.items as Array<Record<string, unknown>>))
    cursor = page.body.next_cursor as string | null
  }
  return items
}

const byState = (items: Array<Record<string, unknown>>): Record<string, number> => {
  const of: Record<string, number> = {}
  for (const item of items) of[String(item.status)] = (of[String(item.status)] ?? 0) + 1
  return of
}

/** A one-connection pool on the test's schema that counts the statements it sends (the transaction's own
 * begin and commit aside) and the rows they answer (read one statement at a time on its one connection). */
const countingPool = () => {
  const read = { statements: 0, rows: 0 }
  let counting = false
  const { url, schema } = t.deployment.schema
  const sql = postgres(url, {
    max: 1,
    connection: { search_path: schema },
    onnotice: () => {},
    debug: (_connection, query) => {
      // The driver's own look-up of array types as it connects is not the counts'.
      counting = !/pg_catalog\.pg_type/.test(query)
      if (counting && !/^\s*(begin|commit|rollback)\b/i.test(query)) read.statements += 1
    },
    transform: {
      row: (row) => {
        if (counting) read.rows += 1
        return row
      },
    },
  })
  return { sql, read }
}

describe("GET /actors/counts over 10,000 stored actors", () => {
  it("reads a few statements and rows, and counts what the lists show", async () => {
    const pool = countingPool()
    try {
      const direct = await countsAt({ ...t.deployment, sql: pool.sql, kinds: new Map(KINDS.map((kind) => [kind.kind, kind])) })
      expect(pool.read.statements).toBeLessThanOrEqual(4)
      expect(pool.read.rows).toBeLessThanOrEqual(40)
      const answer = await t.api.get("/api/v1/actors/counts")
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual(direct)
      expect(direct.quarantined).toEqual({ task: SPOILED.length + NEWER.length })
      expect(direct.counts.task).toEqual(byState(await listAll("/api/v1/tasks")))
      expect(direct.counts.task).toEqual({ ready: TASKS + 1 - SPOILED.length - NEWER.length })
      expect(direct.counts.session).toEqual(byState(await listAll("/api/v1/sessions")))
      expect(Object.values(direct.counts.session ?? {}).reduce((a, b) => a + b, 0)).toBe(
        SESSIONS + 1 - DELETED_MOVABLE.length - DELETED_SETTLED.length,
      )
      expect(direct.versions.map(({ kind, id, counted }) => ({ kind, id, counted }))).toEqual(
        DELETED_MOVABLE.map((id) => ({ kind: "session", id, counted: false })),
      )
    } finally {
      await pool.sql.end({ timeout: 5 })
    }
  }, 120_000)
})
