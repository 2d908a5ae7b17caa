// Migration 013: the context members a kind stores once (`stored_once`). A row written with them holds them in
// the column, not in its snapshot, and a later write that does not send them keeps them; every reader (one
// actor, a batch of them, a list, the counts' chunks) gets the snapshot back whole. A row written before the
// column (its snapshot whole, no column) reads as it did, and a write that sends them then splits it. A hand
// edit of the column marks the row edited, as one of its snapshot does.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { actorsToCount } from "../../../src/store/counts.ts"
import { getActor, listActors } from "../../../src/store/queries.ts"
import { loadSnapshots, writeBatch, type SnapshotWrite } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 11, 1, 1, 0, 0)
const ONCE = { title: "Summarise the thread", payload: { prompt: "p".repeat(4_000) }, capability: "write" }

/** A task row whose snapshot's context holds `context` (and the id and stream id the fixture puts there). */
const task = (id: string, state: string, streamId: string, context: object, extra: Partial<SnapshotWrite> = {}): SnapshotWrite => {
  const base = row("task", id, state, streamId)
  const snapshot = base.snapshot as { context: object }
  return { ...base, snapshot: { ...snapshot, context: { ...snapshot.context, ...context } }, ...extra }
}
const write = async (...rows: SnapshotWrite[]) =>
  expect((await writeBatch(pg.sql, { partition: 0, fence: 1, rows, transitions: [] }))._tag).toBe("Written")
const stored = async (id: string) =>
  (
    await pg.sql<{ snapshot: { context: object }; stored_once: object | null; edited: boolean }[]>`
      select snapshot, stored_once, edited from actors where kind = 'task' and id = ${id}`
  )[0]!
const contextOf = (snapshot: unknown) => (snapshot as { context: Record<string, unknown> }).context

describe("members stored once (migration 013)", () => {
  it("holds them in the column once, keeps them through writes that do not send them, and reads the snapshot whole", async () => {
    await write(task("t-1", "ready", sid(T0), { status: "ready" }, { storedOnce: ONCE }))
    const created = await stored("t-1")
    expect(created.stored_once).toEqual(ONCE)
    expect(created.snapshot.context).not.toHaveProperty("title")
    await write(task("t-1", "assigned", sid(T0 + 1), { status: "assigned", agentId: "a-1" }))
    const moved = await stored("t-1")
    expect(moved.stored_once).toEqual(ONCE)
    expect(moved.snapshot.context).toEqual({ id: "t-1", streamId: sid(T0 + 1), status: "assigned", agentId: "a-1" })
    const whole = { id: "t-1", streamId: sid(T0 + 1), status: "assigned", agentId: "a-1", ...ONCE }
    expect(contextOf((await getActor(pg.sql, "task", "t-1"))?.snapshot)).toEqual(whole)
    expect(contextOf((await loadSnapshots(pg.sql, [{ kind: "task", id: "t-1" }])).get("task:t-1")?.snapshot)).toEqual(whole)
    const listed = (await listActors(pg.sql, { kind: "task", limit: 10 })).actors.find((actor) => actor.id === "t-1")
    expect(contextOf(listed?.snapshot)).toEqual(whole)
    const counted = (await actorsToCount(pg.sql, undefined, 10)).find((actor) => actor.id === "t-1")
    expect(contextOf(counted?.snapshot)).toEqual(whole)
  })

  it("reads a row written before the column as it was, and splits it at a write that sends them", async () => {
    const before = { status: "ready", ...ONCE }
    await write(task("t-2", "ready", sid(T0), before))
    expect((await stored("t-2")).stored_once).toBeNull()
    const whole = { id: "t-2", streamId: sid(T0), ...before }
    expect(contextOf((await getActor(pg.sql, "task", "t-2"))?.snapshot)).toEqual(whole)
    // the runtime's first write after restoring it sends them (tests/unit/runtime/stored-once-plan.test.ts)
    await write(task("t-2", "assigned", sid(T0 + 1), { status: "assigned" }, { storedOnce: ONCE }))
    expect(await stored("t-2")).toMatchObject({ stored_once: ONCE, snapshot: { context: { status: "assigned" } } })
    expect((await stored("t-2")).snapshot.context).not.toHaveProperty("payload")
    expect(contextOf((await getActor(pg.sql, "task", "t-2"))?.snapshot)).toEqual({ ...whole, streamId: sid(T0 + 1), status: "assigned" })
  })

  it("marks a hand edit of the column, which reads back, and the runtime's next write clears the mark", async () => {
    await write(task("t-3", "ready", sid(T0), { status: "ready" }, { storedOnce: ONCE }))
    await pg.sql`update actors set stored_once = stored_once || '{"title": "By hand"}' where kind = 'task' and id = 't-3'`
    expect((await stored("t-3")).edited).toBe(true)
    expect(contextOf((await getActor(pg.sql, "task", "t-3"))?.snapshot)).toMatchObject({ title: "By hand" })
    await write(task("t-3", "assigned", sid(T0 + 1), { status: "assigned" }))
    expect(await stored("t-3")).toMatchObject({ edited: false, stored_once: { ...ONCE, title: "By hand" } })
  })

  it("gives a member its snapshot holds too (an old row edited by hand) the snapshot's value", async () => {
    await write(task("t-4", "ready", sid(T0), { status: "ready", title: "In the snapshot" }, { storedOnce: ONCE }))
    expect(contextOf((await getActor(pg.sql, "task", "t-4"))?.snapshot)).toMatchObject({ title: "In the snapshot", capability: "write" })
  })
})
