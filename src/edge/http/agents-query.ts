// `GET /agents?capability=`: agents whose capability list holds one, a page at a time, in the order
// and with the cursor shape of listActors. listActors' `capability` filter reads the column tasks
// fill; agents keep theirs in the `capabilities` array (GIN-indexed), which this query reads.
import { ACTOR_COLUMNS, type ActorRow, toStoredActor } from "../../store/actor-row.ts"
import type { Sql } from "../../store/db.ts"
import { InvalidCursor, type ActorPage } from "../../store/queries.ts"

const encodeCursor = (stateSince: number, id: string): string => Buffer.from(`${stateSince}:${id}`).toString("base64url")

const decodeCursor = (cursor: string): { sinceMs: number; id: string } => {
  const match = /^(\d+):(.+)$/s.exec(Buffer.from(cursor, "base64url").toString())
  if (!match?.[1] || !match[2]) throw new InvalidCursor(cursor)
  return { sinceMs: Number(match[1]), id: match[2] }
}

export async function agentsWithCapability(
  sql: Sql,
  options: { readonly capability: string; readonly state?: string; readonly limit: number; readonly after?: string },
): Promise<ActorPage> {
  const { capability, state, limit, after } = options
  const from = after === undefined ? undefined : decodeCursor(after)
  const rows = await sql<ActorRow[]>`
    select ${sql(ACTOR_COLUMNS)} from actors
    where kind = 'agent' and capabilities @> array[${capability}]::text[]
      ${state === undefined ? sql`` : sql`and state = ${state}`}
      ${from === undefined ? sql`` : sql`and (state_since, id) > (to_timestamp(${from.sinceMs} / 1000.0), ${from.id})`}
    order by state_since, id
    limit ${limit + 1}`
  const actors = rows.slice(0, limit).map(toStoredActor)
  const last = actors.at(-1)
  return { actors, next: rows.length > limit && last ? encodeCursor(last.stateSince, last.id) : null }
}
