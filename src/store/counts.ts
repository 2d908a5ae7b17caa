// How many actors of each kind are in each state, in one grouped query over the `actors_by_state` index:
// the population the lists show (soft-deleted sessions left out), so a dashboard starts from the real
// counts without reading every actor.
import type { Sql } from "./db.ts"

/** Counts by kind, then by state; a kind or state with none is absent. */
export type StateCounts = Record<string, Record<string, number>>

export async function countActorsByState(sql: Sql): Promise<StateCounts> {
  const rows = await sql<{ kind: string; state: string; n: number }[]>`
    select kind, state, count(*)::int as n from actors
    where not (kind = 'session' and deleted_at is not null)
    group by kind, state`
  const counts: StateCounts = {}
  for (const { kind, state, n } of rows) (counts[kind] ??= {})[state] = n
  return counts
}
