// Group commit: the batches of several partitions that wait while a commit is in flight go to
// Postgres in one transaction, each checked against its own partition's fence; a batch with a value
// Postgres refuses fails alone (the group is committed again batch by batch), and a stale fence
// refuses only its own partition's batch; with a concurrency of two, a group waiting on Postgres does
// not hold up the next one.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createGroupCommit } from "../../../src/runtime/group-commit.ts"
import { getActor } from "../../../src/store/queries.ts"
import { writeBatch, type Batch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { holdFence, row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 10, 30, 5, 0, 0)
const batch = (partition: number, fence: number, id: string, priority = 1): Batch => ({
  partition,
  fence,
  rows: [row("task", id, "ready", sid(T0 + partition), { priority })],
  transitions: [],
})

describe("group commit", () => {
  it("commits what waits together; a refused value fails its own batch only; a stale fence refuses its own partition only", async () => {
    await writeBatch(pg.sql, { partition: 3, fence: 9, rows: [], transitions: [] })
    const commit = createGroupCommit(pg.sql)
    // The first write goes alone; the three that arrive while it is in flight form the next group.
    const first = commit.write(batch(0, 1, "t-0"))
    const grouped = [
      commit.write(batch(1, 1, "t-1")),
      commit.write(batch(2, 1, "t-2", 70_000)), // smallint out of range (SQLSTATE 22003)
      commit.write(batch(3, 1, "t-3")), // partition 3 is fenced at 9
    ]
    expect(await first).toMatchObject({ _tag: "Written", actors: 1 })
    const [good, poisoned, stale] = await Promise.allSettled(grouped)
    expect(good).toMatchObject({ status: "fulfilled", value: { _tag: "Written", actors: 1 } })
    expect(poisoned).toMatchObject({ status: "rejected", reason: { code: "22003" } })
    expect(stale).toMatchObject({ status: "fulfilled", value: { _tag: "StaleFence", partition: 3, fence: 1 } })
    expect((await getActor(pg.sql, "task", "t-1"))?.state).toBe("ready")
    expect(await getActor(pg.sql, "task", "t-2")).toBeUndefined()
    expect(await getActor(pg.sql, "task", "t-3")).toBeUndefined()
  })

  it("runs a second group while the first waits on a lock, when its concurrency allows two", async () => {
    await writeBatch(pg.sql, { partition: 10, fence: 1, rows: [], transitions: [] })
    const commit = createGroupCommit(pg.sql, { concurrency: 2 })
    // Another session holds partition 10's fence row: a write of partition 10 waits for it.
    const held = await holdFence(pg.sql, 10)
    const blocked = commit.write(batch(10, 1, "t-10"))
    const settled = { blocked: false }
    void blocked.then(() => {
      settled.blocked = true
    })
    expect(await commit.write(batch(11, 1, "t-11"))).toMatchObject({ _tag: "Written", actors: 1 })
    expect(settled.blocked).toBe(false)
    await held.release()
    expect(await blocked).toMatchObject({ _tag: "Written", actors: 1 })
    expect((await getActor(pg.sql, "task", "t-10"))?.state).toBe("ready")
  })
})
