// Groups (PROTOCOL v1.1): the stored cap on the assigned and in-progress tasks of a group, which the
// router copies to Redis at every sweep (src/redis/ready-queue.ts enforces it).
import type { Sql } from "./db.ts"

export interface StoredGroup {
  readonly key: string
  /** null: no cap. */
  readonly maxInFlight: number | null
  readonly updatedAt: Date
}

type GroupRow = { key: string; max_in_flight: number | null; updated_at: Date }
const toGroup = (row: GroupRow): StoredGroup => ({ key: row.key, maxInFlight: row.max_in_flight, updatedAt: row.updated_at })

/** Creates or replaces a group's cap. */
export async function saveGroup(sql: Sql, key: string, maxInFlight: number | null): Promise<StoredGroup> {
  const [row] = await sql<GroupRow[]>`
    insert into groups (key, max_in_flight) values (${key}, ${maxInFlight})
    on conflict (key) do update set max_in_flight = excluded.max_in_flight, updated_at = now()
    returning key, max_in_flight, updated_at`
  return toGroup(row!)
}

export async function getGroup(sql: Sql, key: string): Promise<StoredGroup | undefined> {
  const [row] = await sql<GroupRow[]>`select key, max_in_flight, updated_at from groups where key = ${key}`
  return row === undefined ? undefined : toGroup(row)
}

/** Every group with a stored setting, by key. */
export async function listGroups(sql: Sql): Promise<StoredGroup[]> {
  return (await sql<GroupRow[]>`select key, max_in_flight, updated_at from groups order by key`).map(toGroup)
}

/** The caps in force: group key → max in flight. */
export async function groupCaps(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql<{ key: string; max_in_flight: number }[]>`select key, max_in_flight from groups where max_in_flight is not null`
  return new Map(rows.map((row) => [row.key, row.max_in_flight]))
}
