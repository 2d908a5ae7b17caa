// `GET /actors?quarantined=1` pages are full: a page reads on, a window of stored actors at a time,
// until it holds `limit` quarantined actors or the table ends (src/edge/http/scan.ts), so more than a
// window of actors that fit between two quarantined ones leaves no page short or empty while a cursor
// follows. The rows are inserted straight into this test's schema: copies of one stored task that
// fits, and three quarantined among them (one written by a newer machine, two whose context does not
// decode), with 1,500 and 1,200 fitting rows between them and a few after the last.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { QUARANTINE_WINDOW } from "../../../src/edge/http/scan.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

let t: TestEdge
/** The quarantined tasks, oldest in their state first. */
const QUARANTINED = ["q-1", "q-2", "q-3"]
/** Fitting copies before each quarantined one, and after the last. */
const BEFORE = [0, 1_500, 1_200]
const AFTER = 10

beforeAll(async () => {
  // No sweep: the copies are ready tasks no agent takes, left alone.
  t = await testEdge({ tuning: { sweepMs: 3_600_000 } })
  const created = await t.api.post("/api/v1/tasks?wait=1", { title: "template", capability: "nobody-has-it" })
  expect(created.status).toBe(201)
  const template: string = created.body.id
  const { sql } = t.deployment.schema
  // Rows at template time + `at` ms, in order: the fitting copies, each quarantined one after its run of them.
  const copies = async (prefix: string, from: number, count: number, at: number) => sql`
    insert into actors (kind, id, state, snapshot, stored_once, stream_id, stream_ms, stream_seq, fence, version, machine_version,
      outbox, capability, priority, created_at, updated_at, state_since)
    select 'task', ${prefix} || lpad(g::text, 5, '0'), a.state,
      jsonb_set(a.snapshot, '{context,id}', to_jsonb(${prefix} || lpad(g::text, 5, '0'))),
      a.stored_once, a.stream_id, a.stream_ms, a.stream_seq, a.fence, a.version, a.machine_version, a.outbox, a.capability, a.priority,
      a.created_at, a.updated_at, a.state_since + make_interval(secs => (${at}::int + g - ${from}::int) / 1000.0)
    from actors a, generate_series(${from}::int, ${from + count - 1}::int) g
    where a.kind = 'task' and a.id = ${template}`
  let at = 1
  for (const [i, id] of QUARANTINED.entries()) {
    await copies(`fit-${i}-`, 1, BEFORE[i]!, at)
    at += BEFORE[i]!
    await copies(`${id}-`, 1, 1, at)
    await sql`update actors set id = ${id}, snapshot = jsonb_set(snapshot, '{context,id}', to_jsonb(${id}::text)) where id = ${`${id}-00001`}`
    at += 1
  }
  await copies("fit-end-", 1, AFTER, at)
  await sql`update actors set machine_version = 9 where id = 'q-1'`
  await sql`update actors set snapshot = jsonb_set(snapshot, '{context,title}', '5') where id in ('q-2', 'q-3')`
  const [count] = await sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task'`
  expect(count?.n).toBe(1 + BEFORE.reduce((a, b) => a + b, 0) + QUARANTINED.length + AFTER)
  // The runs between quarantined ones are longer than a window: a single window could not find two of them.
  expect(Math.max(...BEFORE)).toBeGreaterThan(QUARANTINE_WINDOW)
})
afterAll(() => t?.close())

/** Every page of `path` (which has `?`), following `next_cursor`: each page's ids. */
const pages = async (path: string): Promise<string[][]> => {
  const all: string[][] = []
  for (let cursor: string | null = ""; cursor !== null && all.length < 10; ) {
    const answer = await t.api.get(`${path}${cursor === "" ? "" : `&cursor=${cursor}`}`)
    expect(answer.status).toBe(200)
    all.push((answer.body.items as Array<{ id: string }>).map((item) => item.id))
    cursor = answer.body.next_cursor as string | null
  }
  return all
}

describe("GET /actors?quarantined=1 over more than a window of fitting actors", () => {
  it("fills each page to its limit, the last page's cursor null", async () => {
    expect(await pages("/api/v1/actors?quarantined=1&kind=task&limit=2")).toEqual([["q-1", "q-2"], ["q-3"]])
    expect(await pages("/api/v1/actors?quarantined=1&kind=task&limit=1")).toEqual([["q-1"], ["q-2"], ["q-3"], []])
  })

  it("lists them all in one page across kinds, each with its reason", async () => {
    const answer = await t.api.get("/api/v1/actors?quarantined=1&limit=50")
    expect(answer.status).toBe(200)
    expect(answer.body.next_cursor).toBeNull()
    const items = answer.body.items as Array<{ id: string; quarantined: string }>
    expect(items.map((item) => item.id)).toEqual(QUARANTINED)
    expect(items[0]?.quarantined).toContain("written by version 9 of the task machine")
    expect(items[1]?.quarantined).toContain("its context does not decode: title: expected a string")
  })
})
