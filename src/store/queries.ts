// Read queries over the stored actors and their history, for the edge (lists, timelines,
// inspection) and the router (ready tasks, candidate agents). Each is one indexed query.
import { ACTOR_COLUMNS, type ActorRow, type StoredActor, toStoredActor } from "./actor-row.ts"
import type { Sql } from "./db.ts"

/** A `?label=` selector: a label's key, and its value when one is named. */
export interface LabelSelection {
  readonly key: string
  readonly value?: string
}

export interface ListActorsOptions {
  readonly kind: string
  /** One state, or any of several. */
  readonly state?: string | ReadonlyArray<string>
  /** Only actors that have been in their current state for longer than this many seconds. */
  readonly olderThanS?: number
  readonly sessionId?: string
  readonly agentId?: string
  /**
   * Tasks that need this capability (their `capability` column); agents that offer it (their
   * `capabilities` array holds it, GIN-indexed). Sessions have none.
   */
  readonly capability?: string
  /** Agents registered with this label (its `key`), of this value when `value` is given (their `stored_once` labels). */
  readonly label?: LabelSelection
  /** Leave out soft-deleted sessions (their `deleted_at` column, written from the restored context). */
  readonly hideDeleted?: boolean
  /** Tasks of this group (their `group_key` column, written from the restored context). */
  readonly group?: string
  /** Only actors whose snapshot's machine version lies in this range (inclusive): those the kind's migrations may bring up. */
  readonly machineVersionWithin?: { readonly from: number; readonly to: number }
  readonly limit: number
  /** The `next` cursor of the previous page. */
  readonly after?: string
}

export interface ActorPage {
  readonly actors: StoredActor[]
  /** Cursor of the next page; `null` on the last page. */
  readonly next: string | null
}

export class InvalidCursor extends Error {
  readonly _tag = "InvalidCursor"
  constructor(readonly cursor: string) {
    super(`cursor ${JSON.stringify(cursor)}: not a cursor this listing returned`)
  }
}

export async function getActor(sql: Sql, kind: string, id: string): Promise<StoredActor | undefined> {
  const [row] = await sql<ActorRow[]>`select ${sql(ACTOR_COLUMNS)} from actors where kind = ${kind} and id = ${id}`
  return row && toStoredActor(row)
}

/** Whether an actor is stored (one index probe; its row is not read). */
export async function actorExists(sql: Sql, kind: string, id: string): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`select exists (select from actors where kind = ${kind} and id = ${id}) as found`
  return row?.found === true
}

/** The position just after `actor` in a listing (oldest in its state first: (state_since, id)), as a cursor. */
export const cursorAfter = (actor: StoredActor): string => Buffer.from(`${actor.stateSince}:${actor.id}`).toString("base64url")

/** The latest time a Date holds (ms): a cursor past it was not made by `cursorAfter`, and Postgres could not take it. */
const LATEST_MS = 8.64e15

/** A cursor's position, checked before it reaches Postgres: a time a Date holds and an id Postgres text holds (no NUL). */
function decodeCursor(cursor: string): { sinceMs: number; id: string } {
  const match = /^(\d{1,16}):([^\0]+)$/s.exec(Buffer.from(cursor, "base64url").toString())
  const sinceMs = Number(match?.[1])
  const id = match?.[2]
  if (!(sinceMs <= LATEST_MS) || id === undefined) throw new InvalidCursor(cursor)
  return { sinceMs, id }
}

/**
 * The `capability` filter: an agent's list of capabilities holds it, a task's one capability is it.
 * The literal `kind = 'agent'` lets a prepared (generic) plan use the partial GIN index on agents.
 */
const capabilityClause = (sql: Sql, kind: string, capability: string) =>
  kind === "agent" ? sql`and kind = 'agent' and capabilities @> array[${capability}]::text[]` : sql`and capability = ${capability}`

/**
 * The `label` filter, on the labels an agent registered with (stored once: never changed after). No index: it
 * comes after the kind's, and a fleet's agents are few.
 */
const labelClause = (sql: Sql, label: LabelSelection) =>
  label.value === undefined
    ? sql`and stored_once->'labels' ? ${label.key}`
    : sql`and stored_once->'labels' @> ${sql.json({ [label.key]: label.value })}`

/** Actors of a kind, oldest in their current state first, filtered, one page at a time. */
export async function listActors(sql: Sql, options: ListActorsOptions): Promise<ActorPage> {
  const { kind, state, olderThanS, sessionId, agentId, capability, label, hideDeleted, group, machineVersionWithin, limit, after } = options
  const from = after === undefined ? undefined : decodeCursor(after)
  const rows = await sql<ActorRow[]>`
    select ${sql(ACTOR_COLUMNS)} from actors
    where kind = ${kind}
      ${state === undefined ? sql`` : typeof state === "string" ? sql`and state = ${state}` : sql`and state = any(${[...state]})`}
      ${olderThanS === undefined ? sql`` : sql`and state_since < now() - make_interval(secs => ${olderThanS})`}
      ${sessionId === undefined ? sql`` : sql`and session_id = ${sessionId}`}
      ${agentId === undefined ? sql`` : sql`and agent_id = ${agentId}`}
      ${capability === undefined ? sql`` : capabilityClause(sql, kind, capability)}
      ${label === undefined ? sql`` : labelClause(sql, label)}
      ${hideDeleted === true ? sql`and deleted_at is null` : sql``}
      ${group === undefined ? sql`` : sql`and group_key = ${group}`}
      ${machineVersionWithin === undefined ? sql`` : sql`and machine_version between ${machineVersionWithin.from} and ${machineVersionWithin.to}`}
      ${from === undefined ? sql`` : sql`and (state_since, id) > (to_timestamp(${from.sinceMs} / 1000.0), ${from.id})`}
    order by state_since, id
    limit ${limit + 1}`
  const actors = rows.slice(0, limit).map(toStoredActor)
  const last = actors.at(-1)
  return { actors, next: rows.length > limit && last ? cursorAfter(last) : null }
}

/** Every task of a session (its `session_id` column), in the order of the session's task list (`task_index`). */
export async function sessionTasks(sql: Sql, sessionId: string): Promise<StoredActor[]> {
  const rows = await sql<ActorRow[]>`
    select ${sql(ACTOR_COLUMNS)} from actors
    where kind = 'task' and session_id = ${sessionId}
    order by task_index, id`
  return rows.map(toStoredActor)
}

/** Agents (not deregistered) offering any of `capabilities`, as stored: what `POST /agents/route` explains. */
export async function routeCandidates(sql: Sql, capabilities: readonly string[], limit: number): Promise<StoredActor[]> {
  const rows = await sql<ActorRow[]>`
    select ${sql(ACTOR_COLUMNS)} from actors
    where kind = 'agent' and state <> 'deregistered' and capabilities && ${sql.array([...capabilities])}::text[]
    order by id
    limit ${limit}`
  return rows.map(toStoredActor)
}
