// Pages of stored actors chosen by what their snapshots are, not only by SQL: a typed list keeps the
// actors that fit their machines (a quarantined one is left out and the page still holds `limit` when
// that many follow), `GET /actors?quarantined=1` keeps only the quarantined. Rows are read in the
// listing's order (oldest in their state first) a chunk at a time, and the cursor is the position just
// after the last row looked at, so no row is skipped or repeated. A page looks at no more than
// `budget` rows: past it the page is shorter, even empty, and its cursor goes on from where it stopped.
// Typed lists, which leave out only the rare quarantined actor, look at SCAN_BUDGET rows at most;
// `?quarantined=1`, which keeps only those, reads windows of QUARANTINE_WINDOW rows until the page is
// full or the table ends, QUARANTINE_BUDGET rows at most, each window's query bounded on its own.
import type { StoredActor } from "../../store/actor-row.ts"
import type { Sql } from "../../store/db.ts"
import { cursorAfter, listActors, type ListActorsOptions } from "../../store/queries.ts"
import { Unreachable } from "./failure.ts"

/** Rows looked at per page at most (the page limit is at most 200). */
export const SCAN_BUDGET = 1000
/** Rows read per query by `GET /actors?quarantined=1`: the stored actors held in memory at once. */
export const QUARANTINE_WINDOW = 1000
/** Rows a `GET /actors?quarantined=1` page looks at most: 20 windows. Each window's snapshots are restored
 * between two queries, so the event loop is held a window at a time. */
export const QUARANTINE_BUDGET = 20_000
/** How long one window's query may take before the page answers 503 (Postgres too slow or unreachable). */
export const QUARANTINE_WINDOW_MS = 2000
/** Rows read per query at least, so a page with actors left out does not read them one query each. */
const CHUNK = 50

export interface ScanPage {
  readonly limit: number
  /** The cursor of the page before. */
  readonly after?: string | undefined
  /** Rows this page may look at. */
  readonly budget: number
  /** Rows read per query at least (default CHUNK). */
  readonly window?: number
  /** Each query answers within this or the scan fails with Unreachable (503); default: no bound of its own. */
  readonly windowTimeoutMs?: number
}

/** `work`, or Unreachable once `ms` have passed. */
const within = <T>(work: Promise<T>, ms: number | undefined): Promise<T> => {
  if (ms === undefined) return work
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Unreachable(`Postgres did not answer within ${ms} ms; try again`)), ms)
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

export interface Scanned<T> {
  readonly items: T[]
  /** The cursor of the next page; null once every row was looked at. */
  readonly next: string | null
  /** The rows looked at (counted against a budget shared by several scans). */
  readonly examined: number
}

/** One page of the `query`'s actors that `keep` turns into items (undefined: left out). */
export async function scanPage<T>(
  sql: Sql,
  query: Omit<ListActorsOptions, "limit" | "after">,
  page: ScanPage,
  keep: (actor: StoredActor) => T | undefined,
): Promise<Scanned<T>> {
  const items: T[] = []
  let examined = 0
  let after = page.after
  for (;;) {
    const size = Math.min(Math.max(page.limit - items.length, page.window ?? CHUNK), page.budget - examined)
    const chunk = await within(listActors(sql, { ...query, limit: size, after }), page.windowTimeoutMs)
    for (const [index, actor] of chunk.actors.entries()) {
      examined += 1
      const item = keep(actor)
      if (item !== undefined) items.push(item)
      if (items.length === page.limit) {
        const more = index < chunk.actors.length - 1 || chunk.next !== null
        return { items, next: more ? cursorAfter(actor) : null, examined }
      }
    }
    if (chunk.next === null || examined >= page.budget) return { items, next: chunk.next, examined }
    after = chunk.next
  }
}
