// Stream ids never go backwards: a redelivered batch is a no-op, an older entry never
// overwrites a newer one, and ids compare as numbers (<ms>-<seq>), not as text.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { getActor } from "../../../src/store/queries.ts"
import { type Batch, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid, sessionTimeline } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)
const batch = (rows: Batch["rows"], transitions: Batch["transitions"] = []): Batch => ({ partition: 0, fence: 1, rows, transitions })

describe("writeBatch stream ordering", () => {
  it("turns a redelivered batch into a no-op", async () => {
    const first = batch(
      [row("session", "s-1", "running", sid(T0, 1), { version: 2 })],
      [move("session", "s-1", null, "pending", sid(T0, 0)), move("session", "s-1", "pending", "running", sid(T0, 1))],
    )
    expect(await writeBatch(pg.sql, first)).toEqual({ _tag: "Written", actors: 1, transitions: 2 })
    const stored = await getActor(pg.sql, "session", "s-1")
    expect(await writeBatch(pg.sql, first)).toEqual({ _tag: "Written", actors: 0, transitions: 0 })
    expect(await getActor(pg.sql, "session", "s-1")).toEqual(stored)
    expect((await sessionTimeline(pg.sql, "s-1")).map((t) => t.to)).toEqual(["pending", "running"])
  })

  it("never lets an older entry overwrite a newer one", async () => {
    const older = await writeBatch(pg.sql, batch([row("session", "s-1", "cancelled", sid(T0, 0), { version: 1 })]))
    expect(older).toMatchObject({ actors: 0 })
    expect(await getActor(pg.sql, "session", "s-1")).toMatchObject({ state: "running", streamId: sid(T0, 1), version: 2 })
  })

  it("compares the milliseconds as numbers", async () => {
    await writeBatch(pg.sql, batch([row("task", "t-ms", "ready", "99999-0")]))
    const later = await writeBatch(pg.sql, batch([row("task", "t-ms", "assigned", "100000-0")]))
    expect(later).toMatchObject({ actors: 1 })
    const earlier = await writeBatch(pg.sql, batch([row("task", "t-ms", "blocked", "99999-5")]))
    expect(earlier).toMatchObject({ actors: 0 })
    expect(await getActor(pg.sql, "task", "t-ms")).toMatchObject({ state: "assigned", streamId: "100000-0" })
  })

  it("compares the sequence numbers as numbers within one millisecond", async () => {
    await writeBatch(pg.sql, batch([row("task", "t-seq", "ready", sid(T0, 9))]))
    expect(await writeBatch(pg.sql, batch([row("task", "t-seq", "assigned", sid(T0, 10))]))).toMatchObject({ actors: 1 })
    expect(await writeBatch(pg.sql, batch([row("task", "t-seq", "blocked", sid(T0, 9))]))).toMatchObject({ actors: 0 })
    expect(await getActor(pg.sql, "task", "t-seq")).toMatchObject({ state: "assigned", streamId: sid(T0, 10) })
  })

  it("writes the actors of a batch that are newer and skips those that are not", async () => {
    const mixed = await writeBatch(
      pg.sql,
      batch([row("task", "t-seq", "blocked", sid(T0, 10)), row("task", "t-new", "ready", sid(T0, 10))]),
    )
    expect(mixed).toMatchObject({ actors: 1 })
    expect(await getActor(pg.sql, "task", "t-seq")).toMatchObject({ state: "assigned" })
    expect(await getActor(pg.sql, "task", "t-new")).toMatchObject({ state: "ready" })
  })
})
