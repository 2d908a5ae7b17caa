// Fencing: a batch carrying an older lease token than the partition's stored one is refused
// whole, and nothing of it is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { getActor } from "../../../src/store/queries.ts"
import { writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid, sessionTimeline } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)

describe("writeBatch fencing", () => {
  it("refuses a batch with an older fence and writes none of it", async () => {
    await writeBatch(pg.sql, {
      partition: 3,
      fence: 5,
      rows: [row("session", "s-1", "running", sid(T0))],
      transitions: [move("session", "s-1", "pending", "running", sid(T0))],
    })
    const stale = await writeBatch(pg.sql, {
      partition: 3,
      fence: 4,
      rows: [row("session", "s-1", "paused", sid(T0 + 1)), row("session", "s-2", "pending", sid(T0 + 1))],
      transitions: [move("session", "s-1", "running", "paused", sid(T0 + 1)), move("session", "s-2", null, "pending", sid(T0 + 1))],
    })
    expect(stale).toEqual({ _tag: "StaleFence", partition: 3, fence: 4 })
    expect(await getActor(pg.sql, "session", "s-1")).toMatchObject({ state: "running", streamId: sid(T0), fence: 5 })
    expect(await getActor(pg.sql, "session", "s-2")).toBeUndefined()
    expect((await sessionTimeline(pg.sql, "s-1")).map((t) => t.to)).toEqual(["running"])
    expect(await sessionTimeline(pg.sql, "s-2")).toEqual([])
  })

  it("accepts the same fence again and a newer one, which then shuts the older out", async () => {
    const same = await writeBatch(pg.sql, { partition: 3, fence: 5, rows: [row("session", "s-1", "paused", sid(T0 + 2))], transitions: [] })
    expect(same).toMatchObject({ _tag: "Written", actors: 1 })
    const newer = await writeBatch(pg.sql, {
      partition: 3,
      fence: 9,
      rows: [row("session", "s-1", "running", sid(T0 + 3))],
      transitions: [],
    })
    expect(newer).toMatchObject({ _tag: "Written", actors: 1 })
    const former = await writeBatch(pg.sql, {
      partition: 3,
      fence: 5,
      rows: [row("session", "s-1", "stopped", sid(T0 + 4))],
      transitions: [],
    })
    expect(former._tag).toBe("StaleFence")
    expect(await getActor(pg.sql, "session", "s-1")).toMatchObject({ state: "running", fence: 9 })
  })

  it("lets a new owner claim a partition with an empty batch before it writes anything", async () => {
    expect(await writeBatch(pg.sql, { partition: 7, fence: 2, rows: [], transitions: [] })).toEqual({
      _tag: "Written",
      actors: 0,
      transitions: 0,
    })
    await writeBatch(pg.sql, { partition: 7, fence: 3, rows: [], transitions: [] })
    const paused = await writeBatch(pg.sql, { partition: 7, fence: 2, rows: [row("task", "t-7", "ready", sid(T0))], transitions: [] })
    expect(paused._tag).toBe("StaleFence")
    expect(await getActor(pg.sql, "task", "t-7")).toBeUndefined()
  })

  it("keeps each partition's fence apart", async () => {
    const other = await writeBatch(pg.sql, { partition: 4, fence: 1, rows: [row("task", "t-4", "ready", sid(T0))], transitions: [] })
    expect(other).toMatchObject({ _tag: "Written", actors: 1 })
  })

  it("leaves the partition to the newer fence when two owners write at once", async () => {
    const [, high] = await Promise.all([
      writeBatch(pg.sql, { partition: 8, fence: 10, rows: [row("task", "t-8", "ready", sid(T0, 1))], transitions: [] }),
      writeBatch(pg.sql, { partition: 8, fence: 11, rows: [row("task", "t-8", "assigned", sid(T0, 2))], transitions: [] }),
    ])
    expect(high._tag).toBe("Written")
    const after = await writeBatch(pg.sql, {
      partition: 8,
      fence: 10,
      rows: [row("task", "t-8", "cancelled", sid(T0, 3))],
      transitions: [],
    })
    expect(after._tag).toBe("StaleFence")
    expect(await getActor(pg.sql, "task", "t-8")).toMatchObject({ state: "assigned", fence: 11 })
  })
})
