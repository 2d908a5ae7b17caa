// A session task's session and place (columns `session_id`, `task_index`) are sent with its row only when the row
// may lack them (the runtime: src/runtime/plan-batch.ts); a write that does not send them keeps those the row holds.
// Its history rows are sent without the session: each takes its actor row's, and a session's its own id. A row that
// sends its members stored once (a task's `sessionId` and `index` among them) does not send the columns again: the
// statement reads them there.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encodeGroup, writeBatch, type SnapshotWrite, type TransitionWrite } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 11, 1, 4, 0, 0)
const SESSION = "5d0a5c1e-3f43-4c39-9a55-0d4f0f7a2b11"
const write = async (rows: SnapshotWrite[], transitions: TransitionWrite[]) =>
  expect((await writeBatch(pg.sql, { partition: 0, fence: 1, rows, transitions }))._tag).toBe("Written")
const columns = async (id: string) =>
  (
    await pg.sql<{ session_id: string | null; task_index: number | null }[]>`
    select session_id, task_index from actors where kind = 'task' and id = ${id}`
  )[0]
const historySessions = async (kind: string, id: string) =>
  (
    await pg.sql<{ session_id: string | null }[]>`
    select session_id from transitions where kind = ${kind} and actor_id = ${id} order by version`
  ).map((r) => r.session_id)

describe("a session task's session columns", () => {
  it("are kept through writes that do not send them, and its history rows take the row's session", async () => {
    await write(
      [row("session", SESSION, "pending", sid(T0)), row("task", "t-1", "blocked", sid(T0), { sessionId: SESSION, index: 7 })],
      [move("session", SESSION, null, "pending", sid(T0)), move("task", "t-1", null, "blocked", sid(T0))],
    )
    expect(await columns("t-1")).toEqual({ session_id: SESSION, task_index: 7 })
    await write([row("task", "t-1", "ready", sid(T0 + 1))], [move("task", "t-1", "blocked", "ready", sid(T0 + 1))])
    await write([row("task", "t-1", "assigned", sid(T0 + 2), { agentId: "a-1" })], [move("task", "t-1", "ready", "assigned", sid(T0 + 2))])
    expect(await columns("t-1")).toEqual({ session_id: SESSION, task_index: 7 })
    expect(await historySessions("task", "t-1")).toEqual([SESSION, SESSION, SESSION])
    expect(await historySessions("session", SESSION)).toEqual([SESSION])
  })

  it("give a history row the stored row's session when the batch's row is older than the stored one", async () => {
    await write(
      [row("task", "t-3", "blocked", sid(T0 + 5), { sessionId: SESSION, index: 1 })],
      [move("task", "t-3", null, "blocked", sid(T0))],
    )
    await write([row("task", "t-3", "ready", sid(T0 + 1))], [move("task", "t-3", "blocked", "ready", sid(T0 + 1))])
    expect(await pg.sql`select state from actors where kind = 'task' and id = 't-3'`).toEqual([{ state: "blocked" }])
    expect(await historySessions("task", "t-3")).toEqual([SESSION, SESSION])
  })

  it("stay empty for a task of no session", async () => {
    await write([row("task", "t-2", "ready", sid(T0))], [move("task", "t-2", null, "ready", sid(T0))])
    await write([row("task", "t-2", "assigned", sid(T0 + 1))], [move("task", "t-2", "ready", "assigned", sid(T0 + 1))])
    expect(await columns("t-2")).toEqual({ session_id: null, task_index: null })
    expect(await historySessions("task", "t-2")).toEqual([null, null])
  })

  it("are read from the members stored once when the row sends them there, and sent as columns only when those differ", async () => {
    const once = { sessionId: SESSION, index: 4, key: "k", title: "t" }
    await write(
      [{ ...row("task", "t-4", "blocked", sid(T0), { sessionId: SESSION, index: 4 }), storedOnce: once }],
      [move("task", "t-4", null, "blocked", sid(T0))],
    )
    expect(await columns("t-4")).toEqual({ session_id: SESSION, task_index: 4 })
    expect(await historySessions("task", "t-4")).toEqual([SESSION])
    // members stored once that do not say them (another kind's): the columns as sent
    await write(
      [{ ...row("task", "t-5", "blocked", sid(T0), { sessionId: SESSION, index: 2 }), storedOnce: { title: "t" } }],
      [move("task", "t-5", null, "blocked", sid(T0))],
    )
    expect(await columns("t-5")).toEqual({ session_id: SESSION, task_index: 2 })
  })

  it("leave the columns out of the statement's rows when the members stored once carry them", () => {
    const { rows } = encodeGroup([
      {
        partition: 0,
        fence: 1,
        transitions: [],
        rows: [
          { ...row("task", "t-6", "blocked", sid(T0), { sessionId: SESSION, index: 3 }), storedOnce: { sessionId: SESSION, index: 3 } },
          { ...row("task", "t-7", "blocked", sid(T0), { sessionId: SESSION, index: 3 }), storedOnce: { sessionId: SESSION, index: 9 } },
        ],
      },
    ])
    expect(rows.map((r) => [(r as Record<string, unknown>)["se"], (r as Record<string, unknown>)["x"]])).toEqual([
      [undefined, undefined],
      [undefined, 3],
    ])
  })
})
