// Pages chosen by what each stored actor is (src/edge/http/scan.ts), on real Postgres: with actors left
// out in the middle, every page but the last holds `limit` items, the pages together hold each kept
// actor once and in order, and the last page's cursor is null; a page that may look at only `budget`
// rows stops there and its cursor goes on from the row after the last one it looked at.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Scanned, scanPage } from "../../../src/edge/http/scan.ts"
import type { StoredActor } from "../../../src/store/actor-row.ts"
import { writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid } from "../store/fixtures.ts"

let pg: TestSchema
const NOW = Date.now()
/** t-00 … t-11, each ready from its own time on, oldest first; t-04 and t-05 from the same millisecond (the id breaks the tie). */
const IDS = Array.from({ length: 12 }, (_, i) => `t-${String(i).padStart(2, "0")}`)
const LEFT_OUT = new Set(["t-02", "t-03", "t-07"])

beforeAll(async () => {
  pg = await freshSchema()
  for (const [i, id] of IDS.entries()) {
    const second = i <= 4 ? i : i - 1
    const at = sid(NOW - 100_000 + second * 1000, i)
    const written = await writeBatch(pg.sql, {
      partition: 0,
      fence: 1,
      rows: [row("task", id, "ready", at)],
      transitions: [move("task", id, null, "ready", at)],
    })
    expect(written._tag).toBe("Written")
  }
})
afterAll(() => pg.drop())

const kept = (actor: StoredActor): string | undefined => (LEFT_OUT.has(actor.id) ? undefined : actor.id)
const leftOut = (actor: StoredActor): string | undefined => (LEFT_OUT.has(actor.id) ? actor.id : undefined)

/** Every page from the first, following the cursors. */
const allPages = async (limit: number, budget: number, keep: (actor: StoredActor) => string | undefined) => {
  const pages: Scanned<string>[] = []
  let after: string | undefined
  do {
    const page = await scanPage(pg.sql, { kind: "task", state: "ready" }, { limit, after, budget }, keep)
    pages.push(page)
    after = page.next ?? undefined
  } while (after !== undefined && pages.length < 20)
  return pages
}

describe("scanPage", () => {
  it("lists the ids in their order, t-04 and t-05 tied on time", async () => {
    const since = new Map<string, number>()
    const all = await scanPage(pg.sql, { kind: "task" }, { limit: 50, budget: 1000 }, (actor) => {
      since.set(actor.id, actor.stateSince)
      return actor.id
    })
    expect(all).toEqual({ items: IDS, next: null, examined: 12 })
    expect(since.get("t-05")).toBe(since.get("t-04"))
  })

  it("fills every page but the last past the actors left out, each kept actor once, the last cursor null", async () => {
    const byThree = await allPages(3, 1000, kept)
    expect(byThree.map((page) => page.items)).toEqual([
      ["t-00", "t-01", "t-04"],
      ["t-05", "t-06", "t-08"],
      ["t-09", "t-10", "t-11"],
    ])
    expect(byThree.at(-1)?.next).toBeNull()
    const byFour = await allPages(4, 1000, kept)
    expect(byFour.map((page) => page.items)).toEqual([["t-00", "t-01", "t-04", "t-05"], ["t-06", "t-08", "t-09", "t-10"], ["t-11"]])
    expect(byFour.at(-1)?.next).toBeNull()
  })

  it("stops a page at its budget of rows looked at, and goes on from there with the next page", async () => {
    const pages = await allPages(3, 2, leftOut)
    expect(pages.map((page) => page.items)).toEqual([[], ["t-02", "t-03"], [], ["t-07"], [], []])
    expect(pages.map((page) => page.examined)).toEqual([2, 2, 2, 2, 2, 2])
    expect(pages.at(-1)?.next).toBeNull()
  })
})
