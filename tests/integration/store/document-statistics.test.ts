// Migration 014: Postgres gathers no planner statistics for the JSON documents the runtime stores (an actor's
// snapshot, outbox and members stored once, a transition's patch), and still gathers them for the columns queries
// filter and join by. A deployment migrated before 014 keeps what an earlier ANALYZE gathered for those columns.
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { MIGRATIONS_DIR, migrate } from "../../../src/store/migrate.ts"
import { writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeEach(async () => {
  pg = await freshSchema({ migrated: false })
})
afterEach(() => pg.drop())

const DOCUMENTS = ["actors.outbox", "actors.snapshot", "actors.stored_once", "transitions.patch"]
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0)

/** Twenty tasks created in `state`, each with a stored-once document, then both tables analyzed. */
const writeAndAnalyze = async (from: number, state: string) => {
  for (let i = from; i < from + 20; i++) {
    const id = `t-${i}`
    const at = sid(T0 + i)
    const rows = [row("task", id, state, at, { storedOnce: { title: `task ${i}`, payload: { n: i } } })]
    const written = await writeBatch(pg.sql, { partition: 0, fence: 1, rows, transitions: [move("task", id, null, state, at)] })
    expect(written._tag).toBe("Written")
  }
  await pg.sql`analyze actors`
  await pg.sql`analyze transitions`
}

/** What the statistics of one column of actors say (undefined: it has none). */
const statisticsOf = async (column: string): Promise<string | undefined> =>
  (
    await pg.sql<{ said: string }[]>`
      select concat_ws(' ', null_frac, avg_width, n_distinct, most_common_vals, most_common_freqs, histogram_bounds) as said
      from pg_stats where schemaname = ${pg.schema} and tablename = 'actors' and attname = ${column}`
  )[0]?.said

/** The columns of actors and transitions that have statistics, as `table.column`. */
const withStatistics = async (): Promise<string[]> =>
  (
    await pg.sql<{ name: string }[]>`
      select tablename || '.' || attname as name from pg_stats
      where schemaname = ${pg.schema} and tablename in ('actors', 'transitions')`
  ).map(({ name }) => name)

describe("statistics of stored documents (migration 014)", () => {
  it("gathers none for the documents, and still gathers the columns queries filter by", async () => {
    await migrate(pg.sql)
    await writeAndAnalyze(0, "ready")
    const gathered = await withStatistics()
    expect(gathered).toEqual(expect.arrayContaining(["actors.kind", "actors.state", "actors.id", "transitions.actor_id"]))
    expect(gathered.filter((name) => DOCUMENTS.includes(name))).toEqual([])
  })

  it("leaves what an ANALYZE before it gathered for the documents, and gathers nothing new for them", async () => {
    const before = await mkdtemp(join(tmpdir(), "clawbot-migrations-"))
    try {
      for (const name of await readdir(MIGRATIONS_DIR))
        if (name.endsWith(".sql") && name < "014") await copyFile(join(MIGRATIONS_DIR, name), join(before, name))
      await migrate(pg.sql, before)
      await writeAndAnalyze(0, "ready")
      expect((await withStatistics()).filter((name) => DOCUMENTS.includes(name)).sort()).toEqual(DOCUMENTS)
      const snapshot = await statisticsOf("snapshot")
      const state = await statisticsOf("state")
      expect(await migrate(pg.sql)).toEqual(["014_no_document_statistics.sql"])
      // Tasks of another state: an ANALYZE that looked at the snapshots would say something else of them.
      await writeAndAnalyze(20, "assigned")
      expect(await statisticsOf("snapshot")).toBe(snapshot)
      expect(await statisticsOf("state")).not.toBe(state)
    } finally {
      await rm(before, { recursive: true, force: true })
    }
  })
})
