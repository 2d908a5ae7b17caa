// Migrations: applied once even when two processes start together, idempotent, and refused
// once an applied file has been edited.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { openDb } from "../../../src/store/db.ts"
import { MIGRATIONS_DIR, MigrationChanged, migrate } from "../../../src/store/migrate.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"

let pg: TestSchema
beforeEach(async () => {
  pg = await freshSchema({ migrated: false })
})
afterEach(() => pg.drop())

const tableExists = async (name: string): Promise<boolean> => {
  const [row] = await pg.sql<{ found: boolean }[]>`select to_regclass(${name}) is not null as found`
  return row?.found ?? false
}

describe("migrate", () => {
  it("applies every migration exactly once when two processes start together", async () => {
    const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith(".sql")).sort()
    const other = await openDb({ url: pg.url, schema: pg.schema })
    try {
      const results = await Promise.all([migrate(pg.sql), migrate(other.sql), migrate(pg.sql)])
      expect(results.flat().sort()).toEqual(files)
      expect(results.filter((applied) => applied.length > 0)).toHaveLength(1)
    } finally {
      await other.close()
    }
    const recorded = await pg.sql<{ name: string }[]>`select name from schema_migrations order by version`
    expect(recorded.map((r) => r.name)).toEqual(files)
    for (const table of ["actors", "transitions", "partition_fences", "agent_tokens", "operator_tokens"]) {
      expect(await tableExists(table)).toBe(true)
    }
  })

  it("applies nothing on a second run", async () => {
    expect((await migrate(pg.sql)).length).toBeGreaterThan(0)
    expect(await migrate(pg.sql)).toEqual([])
  })

  describe("with its own migrations folder", () => {
    let dir: string
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "clawbot-migrations-"))
    })
    afterEach(() => rm(dir, { recursive: true, force: true }))

    it("applies new files in number order, not name order", async () => {
      await writeFile(join(dir, "2_second.sql"), "alter table first add column b int;")
      await writeFile(join(dir, "10_third.sql"), "alter table first add column c int;")
      await writeFile(join(dir, "1_first.sql"), "create table first (a int);")
      expect(await migrate(pg.sql, dir)).toEqual(["1_first.sql", "2_second.sql", "10_third.sql"])
      await writeFile(join(dir, "11_fourth.sql"), "create table fourth (a int);")
      expect(await migrate(pg.sql, dir)).toEqual(["11_fourth.sql"])
    })

    it("refuses to run, applying nothing, when an applied migration was edited", async () => {
      await writeFile(join(dir, "001_first.sql"), "create table first (a int);")
      await migrate(pg.sql, dir)
      await writeFile(join(dir, "001_first.sql"), "create table first (a int, b int);")
      await writeFile(join(dir, "002_second.sql"), "create table second (a int);")
      const run = migrate(pg.sql, dir)
      await expect(run).rejects.toBeInstanceOf(MigrationChanged)
      await expect(run).rejects.toThrow("001_first.sql")
      expect(await tableExists("second")).toBe(false)
    })

    it("rolls back every file of a run when one of them fails", async () => {
      await writeFile(join(dir, "001_first.sql"), "create table first (a int);")
      await writeFile(join(dir, "002_broken.sql"), "create table broken (a no_such_type);")
      await expect(migrate(pg.sql, dir)).rejects.toThrow("no_such_type")
      expect(await tableExists("first")).toBe(false)
      await writeFile(join(dir, "002_broken.sql"), "create table broken (a int);")
      expect(await migrate(pg.sql, dir)).toEqual(["001_first.sql", "002_broken.sql"])
    })
  })
})
