// Migration 012: the `edited` mark of migration 011 with a WHEN clause. A runtime write (its stream id
// moves forward) of an unmarked row calls no trigger function; a change made outside the runtime marks
// the row, the runtime's next write clears it, and an update that moves the stream id forward clears a
// mark even when it sets one. Function calls are read from the transaction's own statistics.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Sql } from "../../../src/store/db.ts"
import { writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 10, 30, 23, 0, 0)
const edited = async (id: string) =>
  (await pg.sql<{ edited: boolean }[]>`select edited from actors where kind = 'task' and id = ${id}`)[0]?.edited

/** Runs `work` in a transaction that counts plpgsql calls; answers how often actors_mark_edited ran. */
const markCalls = (work: (tx: Sql) => Promise<unknown>): Promise<number> =>
  pg.sql.begin(async (tx) => {
    await tx`set local track_functions = 'pl'`
    // the statistics read here are the backend's not yet reported, so counted as a difference
    const calls = async () =>
      (
        await tx<{ calls: number }[]>`
        select calls::int from pg_stat_xact_user_functions where funcname = 'actors_mark_edited' and schemaname = current_schema()`
      )[0]?.calls ?? 0
    const before = await calls()
    await work(tx as unknown as Sql)
    return (await calls()) - before
  }) as Promise<number>

describe("the edited mark (migrations 011, 012)", () => {
  it("calls no function for a runtime write, marks an outside change, and clears the mark at the next write", async () => {
    await writeBatch(pg.sql, { partition: 0, fence: 1, rows: [row("task", "t-1", "ready", sid(T0))], transitions: [] })
    // a runtime write of an unmarked row: the stream id moves forward, nothing to do
    const runtime = await markCalls((tx) =>
      writeBatch(tx, { partition: 0, fence: 1, rows: [row("task", "t-1", "assigned", sid(T0 + 1))], transitions: [] }),
    )
    expect(runtime).toBe(0)
    expect(await edited("t-1")).toBe(false)
    // a change made outside the runtime: marked
    const outside = await markCalls((tx) => tx`update actors set state = 'ready' where kind = 'task' and id = 't-1'`)
    expect(outside).toBe(1)
    expect(await edited("t-1")).toBe(true)
    // a snapshot-only change too; one of other columns fires nothing and keeps the mark
    expect(await markCalls((tx) => tx`update actors set load = 1 where kind = 'task' and id = 't-1'`)).toBe(0)
    expect(await edited("t-1")).toBe(true)
    // the runtime's next write clears it
    const next = await markCalls((tx) =>
      writeBatch(tx, { partition: 0, fence: 1, rows: [row("task", "t-1", "in_progress", sid(T0 + 2))], transitions: [] }),
    )
    expect(next).toBe(1)
    expect(await edited("t-1")).toBe(false)
  })

  it("clears a mark an update sets while moving the stream id forward, and keeps it when the id stays", async () => {
    await writeBatch(pg.sql, { partition: 0, fence: 1, rows: [row("task", "t-2", "ready", sid(T0))], transitions: [] })
    await pg.sql`update actors set edited = true, state = 'x', stream_ms = stream_ms + 1 where kind = 'task' and id = 't-2'`
    expect(await edited("t-2")).toBe(false)
    await pg.sql`update actors set snapshot = '{}' where kind = 'task' and id = 't-2'`
    expect(await edited("t-2")).toBe(true)
    // unchanged values and an unmoved stream id leave the mark as set
    await pg.sql`update actors set edited = false, state = state where kind = 'task' and id = 't-2'`
    expect(await edited("t-2")).toBe(false)
  })
})
