// Every stored actor, a chunk at a time in (kind, id) order, with what counting it by state needs: its
// stored state, snapshot and machine version (the edge brings each up to its machine, as the lists do,
// src/edge/http/counts.ts) and its version. Read inside one repeatable-read transaction, the chunks are
// one snapshot of the table.
import type { Sql } from "./db.ts"

/** What a count needs of a stored actor. */
export interface CountedActor {
  readonly kind: string
  readonly id: string
  readonly state: string
  readonly snapshot: unknown
  readonly machineVersion: number
  readonly version: number
  /** A soft-deleted session (its `deleted_at` column, as the sessions list reads it). */
  readonly deleted: boolean
}

/** Up to `limit` actors after `after` (in kind, id order). */
export async function actorsToCount(
  sql: Sql,
  after: { readonly kind: string; readonly id: string } | undefined,
  limit: number,
): Promise<CountedActor[]> {
  const rows = await sql<
    { kind: string; id: string; state: string; snapshot: unknown; machine_version: number; version: string; deleted: boolean }[]
  >`
    select kind, id, state, snapshot, machine_version, version, deleted_at is not null as deleted from actors
    ${after === undefined ? sql`` : sql`where (kind, id) > (${after.kind}, ${after.id})`}
    order by kind, id
    limit ${limit}`
  return rows.map((row) => ({
    kind: row.kind,
    id: row.id,
    state: row.state,
    snapshot: row.snapshot,
    machineVersion: row.machine_version,
    version: Number(row.version),
    deleted: row.deleted,
  }))
}
