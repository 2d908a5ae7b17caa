// A session's coverage, for its orphan check (docs/machines.md, "Session"): how many of its `ready`
// tasks there are, and how many of them some registered agent (any state but deregistered) offers
// the capability of. One indexed query, run once per check, never on the hot path.
import type { Sql } from "./db.ts"

export interface Coverage {
  readonly ready: number
  readonly offered: number
}

export async function sessionCoverage(sql: Sql, sessionId: string): Promise<Coverage> {
  const [row] = await sql<{ ready: number; offered: number }[]>`
    select count(*)::int as ready,
      count(*) filter (where exists (
        select from actors a
        where a.kind = 'agent' and a.state <> 'deregistered' and a.capabilities @> array[t.capability]::text[]
      ))::int as offered
    from actors t
    where t.session_id = ${sessionId} and t.kind = 'task' and t.state = 'ready'`
  return { ready: row?.ready ?? 0, offered: row?.offered ?? 0 }
}
