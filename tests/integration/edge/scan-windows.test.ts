// The reading `GET /actors?quarantined=1` uses (src/edge/http/scan.ts), on real Postgres: windows of
// `window` rows until the page is full or the rows end, never more than `budget` rows (then the page is
// short and its cursor goes on), and a window whose query does not answer in time fails the page
// with Unreachable (a 503) rather than holding it.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Unreachable } from "../../../src/edge/http/failure.ts"
import { scanPage } from "../../../src/edge/http/scan.ts"
import type { StoredActor } from "../../../src/store/actor-row.ts"
import { writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { row, sid } from "../store/fixtures.ts"

let pg: TestSchema
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)
/** 300 ready tasks in order; the kept ones are t-000, t-140 and t-290. */
const IDS = Array.from({ length: 300 }, (_, i) => `t-${String(i).padStart(3, "0")}`)
const KEPT = new Set(["t-000", "t-140", "t-290"])
const keep = (actor: StoredActor) => (KEPT.has(actor.id) ? actor.id : undefined)

beforeAll(async () => {
  pg = await freshSchema()
  const rows = IDS.map((id, i) => row("task", id, "ready", sid(T0 + i)))
  expect((await writeBatch(pg.sql, { partition: 0, fence: 1, rows, transitions: [] }))._tag).toBe("Written")
})
afterAll(() => pg.drop())

const READY = { kind: "task", state: "ready" } as const

describe("scanPage in windows", () => {
  it("reads window after window until the page is full", async () => {
    const page = await scanPage(pg.sql, READY, { limit: 2, budget: 300, window: 100 }, keep)
    expect(page.items).toEqual(["t-000", "t-140"])
    expect(page.examined).toBe(141)
    const rest = await scanPage(pg.sql, READY, { limit: 2, budget: 300, window: 100, after: page.next! }, keep)
    expect(rest).toMatchObject({ items: ["t-290"], next: null, examined: 159 })
  })

  it("stops at its budget, short, with a cursor that goes on", async () => {
    const page = await scanPage(pg.sql, READY, { limit: 2, budget: 120, window: 100 }, keep)
    expect(page).toMatchObject({ items: ["t-000"], examined: 120 })
    const rest = await scanPage(pg.sql, READY, { limit: 2, budget: 300, window: 100, after: page.next! }, keep)
    expect(rest.items).toEqual(["t-140", "t-290"])
  })

  it("fails with Unreachable when a window's query does not answer in time", async () => {
    const other = await pg.db.sql.reserve()
    try {
      await other`begin`
      await other`lock table actors in access exclusive mode`
      const scan = scanPage(pg.sql, READY, { limit: 2, budget: 300, window: 100, windowTimeoutMs: 200 }, keep)
      await expect(scan).rejects.toBeInstanceOf(Unreachable)
    } finally {
      await other`rollback`
      other.release()
    }
  })
})
