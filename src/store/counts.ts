// What `GET /actors/counts` reads (src/edge/http/counts.ts), inside one repeatable-read transaction so
// that every query sees one snapshot of the table: the stored actors grouped by what decides how they
// are counted (kind, state, machine version, `edited`, a session's soft deletion: one row per group, so
// its size does not grow with the actors), the rows of one group a chunk at a time in (kind, id) order
// when the edge must bring each up to its machine as the lists do, and the few actors the counts name
// one by one. `edited` (migration 011): changed by other than the runtime since the runtime last wrote it.
import { type ActorRef, withStoredOnce } from "./actor-row.ts"
import type { Sql } from "./db.ts"

/** How many stored actors share a kind, a state, a machine version, `edited` and `deleted`. */
export interface CountGroup {
  readonly kind: string
  readonly state: string
  readonly machineVersion: number
  readonly edited: boolean
  /** Soft-deleted sessions (their `deleted_at` column, as the sessions list reads it). */
  readonly deleted: boolean
  readonly actors: number
}

/** What a count needs of a stored actor it brings up one by one. */
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

/** A stored actor named by the counts, without its snapshot. */
export type NamedActor = Omit<CountedActor, "snapshot"> & { readonly edited: boolean }

/** Every stored actor counted by group: one query, one row per group. */
export async function countGroups(sql: Sql): Promise<CountGroup[]> {
  const rows = await sql<{ kind: string; state: string; machine_version: number; edited: boolean; deleted: boolean; n: number }[]>`
    select kind, state, machine_version, edited, (kind = 'session' and deleted_at is not null) as deleted, count(*)::int as n
    from actors group by 1, 2, 3, 4, 5`
  return rows.map((row) => ({
    kind: row.kind,
    state: row.state,
    machineVersion: row.machine_version,
    edited: row.edited,
    deleted: row.deleted,
    actors: row.n,
  }))
}

/** The stored actors of one group, as far as its machine version and `edited` go. */
export interface GroupOf {
  readonly kind: string
  readonly machineVersion: number
  readonly edited: boolean
}

/** Up to `limit` actors after `after` (in kind, id order), only those of `of` when given. */
export async function actorsToCount(
  sql: Sql,
  after: { readonly kind: string; readonly id: string } | undefined,
  limit: number,
  of?: GroupOf,
): Promise<CountedActor[]> {
  const conditions = [
    ...(after === undefined ? [] : [sql`(kind, id) > (${after.kind}, ${after.id})`]),
    ...(of === undefined ? [] : [sql`kind = ${of.kind} and machine_version = ${of.machineVersion} and edited = ${of.edited}`]),
  ]
  const where = conditions.reduce((clause, condition, i) => sql`${clause} ${i === 0 ? sql`where` : sql`and`} ${condition}`, sql``)
  const rows = await sql<
    {
      kind: string
      id: string
      state: string
      snapshot: unknown
      stored_once: Record<string, unknown> | null
      machine_version: number
      version: string
      deleted: boolean
    }[]
  >`
    select kind, id, state, snapshot, stored_once, machine_version, version, deleted_at is not null as deleted from actors
    ${where}
    order by kind, id
    limit ${limit}`
  return rows.map((row) => ({
    kind: row.kind,
    id: row.id,
    state: row.state,
    snapshot: withStoredOnce(row.snapshot, row.stored_once),
    machineVersion: row.machine_version,
    version: Number(row.version),
    deleted: row.deleted,
  }))
}

/** The actors of `refs`, and every soft-deleted session whose stored state is not one of `settled`: one query,
 * each half by an index (the primary key; actors_deleted_sessions, migration 011). */
export async function actorsToName(sql: Sql, refs: ReadonlyArray<ActorRef>, settled: ReadonlyArray<string>): Promise<NamedActor[]> {
  const rows = await sql<
    { kind: string; id: string; state: string; machine_version: number; version: string; edited: boolean; deleted: boolean }[]
  >`
    select kind, id, state, machine_version, version, edited, deleted_at is not null as deleted from actors
    where (kind, id) in (
      select * from unnest(${sql.array(refs.map((ref) => ref.kind))}::text[], ${sql.array(refs.map((ref) => ref.id))}::text[]))
    union
    select kind, id, state, machine_version, version, edited, true from actors
    where kind = 'session' and deleted_at is not null and state <> all(${sql.array([...settled])}::text[])
    order by kind, id`
  return rows.map((row) => ({
    kind: row.kind,
    id: row.id,
    state: row.state,
    machineVersion: row.machine_version,
    version: Number(row.version),
    edited: row.edited,
    deleted: row.deleted,
  }))
}
