// Reads of the `transitions` history (invariant 9: each row is an actor's new version and the
// merge patch of its view): a session's timeline by page, and one actor's transitions in version order
// (time travel: its view at any version is the patches up to it applied in order).
import type { Sql } from "./db.ts"
import { withPosition } from "../schema/patch-position.ts"

/** One recorded transition. */
export interface StoredTransition {
  readonly id: number
  readonly kind: string
  readonly actorId: string
  readonly sessionId: string | null
  readonly version: number
  readonly from: string | null
  readonly to: string
  readonly event: string
  readonly streamId: string
  /** Milliseconds since the epoch. */
  readonly at: number
  readonly patch: unknown
  readonly by: string | null
}

interface TransitionRow {
  id: string
  kind: string
  actor_id: string
  session_id: string | null
  version: string
  from_state: string | null
  to_state: string
  event: string
  stream_id: string
  at: Date
  patch: unknown
  caused_by: string | null
}

/** A stored patch with the members its row's columns hold put back (snapshots.ts stores it without
 * `updated_at`, `stream_id` and `version` when they equal the row's `at`, stream id and version);
 * rows written before keep theirs, which have the same values. */
const restoredPatch = (row: TransitionRow): unknown =>
  withPosition(row.patch, { updated_at: row.at.toISOString(), stream_id: row.stream_id, version: Number(row.version) })

const toTransition = (row: TransitionRow): StoredTransition => ({
  id: Number(row.id),
  kind: row.kind,
  actorId: row.actor_id,
  sessionId: row.session_id,
  version: Number(row.version),
  from: row.from_state,
  to: row.to_state,
  event: row.event,
  streamId: row.stream_id,
  at: row.at.getTime(),
  patch: restoredPatch(row),
  by: row.caused_by,
})

/** A page of a session's timeline: `next` (the last transition's id) reads the page after it; null on the last. */
export interface TimelinePage {
  readonly transitions: StoredTransition[]
  readonly next: number | null
}

/** The session's and its tasks' transitions after the one with id `after` (0: from the first), in the order they
 * happened, at most `limit` (one index range: `transitions_by_session`). */
export async function timeline(sql: Sql, sessionId: string, options: { after: number; limit: number }): Promise<TimelinePage> {
  const rows = await sql<TransitionRow[]>`
    select id, kind, actor_id, session_id, version, from_state, to_state, event, stream_id, at, patch, caused_by
    from transitions where session_id = ${sessionId} and id > ${options.after}
    order by id limit ${options.limit + 1}`
  const transitions = rows.slice(0, options.limit).map(toTransition)
  return { transitions, next: rows.length > options.limit ? (transitions.at(-1)?.id ?? null) : null }
}

/** One actor's transitions with a version above `afterVersion`, in version order. */
export async function actorHistory(
  sql: Sql,
  kind: string,
  id: string,
  options: { afterVersion: number; limit: number },
): Promise<StoredTransition[]> {
  const rows = await sql<TransitionRow[]>`
    select id, kind, actor_id, session_id, version, from_state, to_state, event, stream_id, at, patch, caused_by
    from transitions where kind = ${kind} and actor_id = ${id} and version > ${options.afterVersion}
    order by version limit ${options.limit}`
  return rows.map(toTransition)
}

/** The transitions caused by these inbox entries (an actor's redelivered entries), in stream order. */
export async function transitionsAt(
  sql: Sql,
  at: ReadonlyArray<{ readonly kind: string; readonly actorId: string; readonly streamId: string }>,
): Promise<StoredTransition[]> {
  if (at.length === 0) return []
  const rows = await sql<TransitionRow[]>`
    select id, kind, actor_id, session_id, version, from_state, to_state, event, stream_id, at, patch, caused_by
    from transitions
    where (kind, actor_id, stream_id) in (
      select * from unnest(${sql.array(at.map((t) => t.kind))}::text[], ${sql.array(at.map((t) => t.actorId))}::text[],
        ${sql.array(at.map((t) => t.streamId))}::text[])
    )
    order by stream_ms, stream_seq`
  return rows.map(toTransition)
}
