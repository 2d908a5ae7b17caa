// Connections: each deployment works in its own schema, created on first use; unsafe names are refused.
import { afterAll, describe, expect, it } from "vitest"
import { openDb } from "../../../src/store/db.ts"
import { getActor } from "../../../src/store/queries.ts"
import { writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, databaseUrl, freshSchema } from "../../support/postgres.ts"
import { row, sid } from "./fixtures.ts"

const schemas: TestSchema[] = []
afterAll(() => Promise.all(schemas.map((schema) => schema.drop())))

describe("openDb", () => {
  it("refuses a schema name that is not a plain lower-case identifier", async () => {
    const url = await databaseUrl()
    for (const schema of ["cb; drop schema public", "Cb", "1cb", "", "a".repeat(64), 'cb"x']) {
      await expect(openDb({ url, schema })).rejects.toThrow("schema")
    }
  })

  it("creates the schema once even when several processes open it together", async () => {
    const url = await databaseUrl()
    const schema = `test_open_${Date.now()}`
    const opened = await Promise.allSettled([1, 2, 3].map(() => openDb({ url, schema })))
    const dbs = opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []))
    try {
      expect(opened.filter((result) => result.status === "rejected")).toEqual([])
    } finally {
      const [first] = dbs
      if (first) await first.sql`drop schema ${first.sql(schema)} cascade`
      await Promise.all(dbs.map((db) => db.close()))
    }
  })

  it("keeps two deployments' actors apart", async () => {
    const [a, b] = await Promise.all([freshSchema(), freshSchema()])
    schemas.push(a, b)
    await writeBatch(a.sql, { partition: 0, fence: 1, rows: [row("task", "t-1", "ready", sid(1000))], transitions: [] })
    expect(await getActor(a.sql, "task", "t-1")).toMatchObject({ state: "ready" })
    expect(await getActor(b.sql, "task", "t-1")).toBeUndefined()
    // Fences are per deployment too: b's partition 0 is unclaimed.
    const other = await writeBatch(b.sql, { partition: 0, fence: 0, rows: [], transitions: [] })
    expect(other._tag).toBe("Written")
  })
})
