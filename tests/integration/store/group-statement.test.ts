// The group commit's statement: the batches of several partitions go to Postgres as ONE statement, each
// checked against its own partition's fence and its own assumed-new actors inside it. A stale or clashing
// partition writes nothing (not its rows, transitions or erasures) and gets its own result; the others
// are written. Statements are counted with postgres.js's `debug` hook on a pool of the test's own.
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { getActor } from "../../../src/store/queries.ts"
import { type Batch, writeBatch, writeBatches } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { holdFence, move, row, sid, sessionTimeline } from "./fixtures.ts"

let pg: TestSchema
/** The statements the counted pool sent (its text), in order. */
const sent: string[] = []
let counted: postgres.Sql
let countedPid = 0
beforeAll(async () => {
  pg = await freshSchema()
  counted = postgres(pg.url, {
    max: 1,
    onnotice: () => {},
    connection: { search_path: pg.schema },
    debug: (_connection, query) => {
      sent.push(query)
    },
  })
  // postgres.js reads the server's array types once per pool, before its first statement
  countedPid = (await counted<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid
})
afterAll(async () => {
  await counted.end({ timeout: 5 })
  await pg.drop()
})

const T0 = Date.UTC(2026, 10, 30, 22, 0, 0)
const count = async (table: "actors" | "transitions") =>
  (await pg.sql<{ n: number }[]>`select count(*)::int as n from ${pg.sql(table)}`)[0]!.n

describe("a group of batches in one statement", () => {
  it("gives a stale and a clashing partition their own result and writes exactly the accepted batches", async () => {
    // Before: partition 2 fenced at 9 with session s-2 (to be erased by its stale batch), task t-3 exists
    // (partition 3 assumes it new), session s-4 exists (partition 4 erases it).
    await writeBatch(pg.sql, {
      partition: 2,
      fence: 9,
      rows: [row("session", "s-2", "running", sid(T0))],
      transitions: [move("session", "s-2", null, "running", sid(T0))],
    })
    await writeBatch(pg.sql, {
      partition: 3,
      fence: 1,
      rows: [row("task", "t-3", "ready", sid(T0))],
      transitions: [move("task", "t-3", null, "ready", sid(T0))],
    })
    await writeBatch(pg.sql, {
      partition: 4,
      fence: 1,
      rows: [row("session", "s-4", "running", sid(T0))],
      transitions: [move("session", "s-4", null, "running", sid(T0))],
    })
    const [actorsBefore, transitionsBefore] = [await count("actors"), await count("transitions")]

    const T1 = T0 + 1000
    const group: Batch[] = [
      // accepted: a new task and an update of a new session, with their transitions
      {
        partition: 5,
        fence: 1,
        rows: [row("task", "t-5", "ready", sid(T1), { sessionId: "s-5" }), row("session", "s-5", "running", sid(T1, 1))],
        transitions: [move("task", "t-5", null, "ready", sid(T1)), move("session", "s-5", null, "running", sid(T1, 1))],
        assumedNew: [{ kind: "task", id: "t-5" }],
      },
      // stale (fenced at 9): neither its row, its transition nor its erasure
      {
        partition: 2,
        fence: 8,
        rows: [row("task", "t-2", "ready", sid(T1))],
        transitions: [move("task", "t-2", null, "ready", sid(T1))],
        purges: [{ kind: "session", id: "s-2" }],
      },
      // clashing: t-3 exists, so nothing of the batch (not t-3b either), but its fence is raised
      {
        partition: 3,
        fence: 2,
        rows: [row("task", "t-3", "ready", sid(T1)), row("task", "t-3b", "ready", sid(T1, 1))],
        transitions: [move("task", "t-3", null, "ready", sid(T1)), move("task", "t-3b", null, "ready", sid(T1, 1))],
        assumedNew: [
          { kind: "task", id: "t-3" },
          { kind: "task", id: "t-3b" },
        ],
      },
      // accepted: erases s-4 (its row and history)
      { partition: 4, fence: 1, rows: [], transitions: [], purges: [{ kind: "session", id: "s-4" }] },
    ]
    sent.length = 0
    const results = await writeBatches(counted, group)
    expect(sent).toHaveLength(1)

    expect(results).toEqual([
      { _tag: "Written", actors: 2, transitions: 2 },
      { _tag: "StaleFence", partition: 2, fence: 8 },
      { _tag: "Clashed", partition: 3 },
      { _tag: "Written", actors: 0, transitions: 0 },
    ])
    // partition 5: written, with the fence it carried
    expect(await getActor(pg.sql, "task", "t-5")).toMatchObject({ state: "ready", streamId: sid(T1), fence: 1, sessionId: "s-5" })
    expect(await getActor(pg.sql, "session", "s-5")).toMatchObject({ state: "running", streamId: sid(T1, 1) })
    expect((await sessionTimeline(pg.sql, "s-5")).map((t) => [t.kind, t.actorId, t.to])).toEqual([
      ["task", "t-5", "ready"],
      ["session", "s-5", "running"],
    ])
    // partition 2: nothing written, s-2 not erased
    expect(await getActor(pg.sql, "task", "t-2")).toBeUndefined()
    expect(await getActor(pg.sql, "session", "s-2")).toMatchObject({ state: "running", streamId: sid(T0) })
    expect((await sessionTimeline(pg.sql, "s-2")).map((t) => t.to)).toEqual(["running"])
    // partition 3: t-3 as before, no t-3b, and the fence raised to 2
    expect(await getActor(pg.sql, "task", "t-3")).toMatchObject({ streamId: sid(T0), fence: 1 })
    expect(await getActor(pg.sql, "task", "t-3b")).toBeUndefined()
    expect(await writeBatch(pg.sql, { partition: 3, fence: 1, rows: [], transitions: [] })).toMatchObject({ _tag: "StaleFence" })
    // partition 4: s-4 erased with its history
    expect(await getActor(pg.sql, "session", "s-4")).toBeUndefined()
    expect(await sessionTimeline(pg.sql, "s-4")).toEqual([])
    // exactly that: +2 rows of partition 5, -1 of partition 4; +2 transitions, -1 erased
    expect([await count("actors"), await count("transitions")]).toEqual([actorsBefore + 1, transitionsBefore + 1])
  })

  it("sends one statement per group, whatever its size, and one per batch alone", async () => {
    const batches = Array.from(
      { length: 12 },
      (_, p): Batch => ({
        partition: 20 + p,
        fence: 1,
        rows: [row("task", `g-${p}`, "ready", sid(T0 + 5000, p))],
        transitions: [move("task", `g-${p}`, null, "ready", sid(T0 + 5000, p))],
      }),
    )
    sent.length = 0
    const results = await writeBatches(counted, batches)
    expect(results.every((result) => result._tag === "Written" && result.actors === 1 && result.transitions === 1)).toBe(true)
    expect(sent).toHaveLength(1)
    sent.length = 0
    await writeBatch(counted, { partition: 20, fence: 2, rows: [], transitions: [] })
    expect(sent).toHaveLength(1)
  })

  it("writes two batches of one partition in order, each its own statement in one transaction", async () => {
    sent.length = 0
    const results = await writeBatches(counted, [
      { partition: 40, fence: 3, rows: [row("task", "t-40", "ready", sid(T0 + 9000))], transitions: [] },
      { partition: 41, fence: 1, rows: [row("task", "t-41", "ready", sid(T0 + 9000))], transitions: [] },
      { partition: 40, fence: 3, rows: [row("task", "t-40", "assigned", sid(T0 + 9001))], transitions: [] },
      { partition: 40, fence: 2, rows: [row("task", "t-40", "cancelled", sid(T0 + 9002))], transitions: [] },
    ])
    expect(results).toEqual([
      { _tag: "Written", actors: 1, transitions: 0 },
      { _tag: "Written", actors: 1, transitions: 0 },
      { _tag: "Written", actors: 1, transitions: 0 },
      { _tag: "StaleFence", partition: 40, fence: 2 },
    ])
    expect(sent.filter((query) => query.includes("partition_fences"))).toHaveLength(3)
    expect(await getActor(pg.sql, "task", "t-40")).toMatchObject({ state: "assigned", fence: 3 })
  })

  it("raises fences in partition order: a group waiting for one partition holds none after it", async () => {
    await writeBatch(pg.sql, { partition: 51, fence: 1, rows: [], transitions: [] })
    // Another session holds partition 51's fence row.
    const held = await holdFence(pg.sql, 51)
    // Handed partition 52 first: it still raises 51 first, so it waits holding nothing.
    const waiting = writeBatches(counted, [
      { partition: 52, fence: 1, rows: [row("task", "t-52", "ready", sid(T0 + 20_000))], transitions: [] },
      { partition: 51, fence: 1, rows: [row("task", "t-51", "ready", sid(T0 + 20_000))], transitions: [] },
    ])
    for (;;) {
      const [waits] = await pg.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where pid = ${countedPid} and wait_event_type = 'Lock'`
      if (waits!.n > 0) break
      await new Promise((resolve) => setImmediate(resolve))
    }
    // Partition 52 is free: another process's statement for it is not held up by the waiting group.
    expect(await writeBatch(pg.sql, { partition: 52, fence: 1, rows: [], transitions: [] })).toMatchObject({ _tag: "Written" })
    await held.release()
    expect(await waiting).toEqual([
      { _tag: "Written", actors: 1, transitions: 0 },
      { _tag: "Written", actors: 1, transitions: 0 },
    ])
  })
})
