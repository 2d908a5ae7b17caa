// A batch that created actors without reading their rows (`assumedNew`) is written only if none of them
// has a row: otherwise nothing of it is written (the fence aside) and it answers Clashed.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { getActor } from "../../../src/store/queries.ts"
import { writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0)
const count = async (table: "actors" | "transitions") =>
  (await pg.sql<{ n: number }[]>`select count(*)::int as n from ${pg.sql(table)}`)[0]!.n

describe("writeBatch with actors assumed new", () => {
  it("writes the batch when none of them exists", async () => {
    const written = await writeBatch(pg.sql, {
      partition: 1,
      fence: 1,
      rows: [row("task", "t-1", "ready", sid(T0))],
      transitions: [move("task", "t-1", null, "ready", sid(T0))],
      assumedNew: [{ kind: "task", id: "t-1" }],
    })
    expect(written).toEqual({ _tag: "Written", actors: 1, transitions: 1 })
  })

  it("writes nothing of it and answers Clashed when one exists", async () => {
    const before = await getActor(pg.sql, "task", "t-1")
    const [actors, transitions] = [await count("actors"), await count("transitions")]
    const clashed = await writeBatch(pg.sql, {
      partition: 1,
      fence: 2,
      rows: [row("task", "t-1", "ready", sid(T0 + 5)), row("task", "t-2", "ready", sid(T0 + 5, 1))],
      transitions: [move("task", "t-1", null, "ready", sid(T0 + 5)), move("task", "t-2", null, "ready", sid(T0 + 5, 1))],
      assumedNew: [
        { kind: "task", id: "t-1" },
        { kind: "task", id: "t-2" },
      ],
    })
    expect(clashed).toEqual({ _tag: "Clashed", partition: 1 })
    expect(await getActor(pg.sql, "task", "t-1")).toEqual(before)
    expect([await count("actors"), await count("transitions")]).toEqual([actors, transitions])
    // The fence was still raised: an older owner can write nothing.
    expect(await writeBatch(pg.sql, { partition: 1, fence: 1, rows: [], transitions: [] })).toMatchObject({ _tag: "StaleFence" })
  })
})
