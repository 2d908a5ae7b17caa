// The shape of a stored actor as the store's readers return it, and its mapping from an
// `actors` row (bigints arrive as strings, timestamps as Dates; both become numbers here; the members
// its `stored_once` column holds are put back into its snapshot's context).

export interface ActorRef {
  readonly kind: string
  readonly id: string
}

export interface StoredActor extends ActorRef {
  readonly state: string
  readonly snapshot: unknown
  readonly streamId: string
  readonly fence: number
  readonly version: number
  /** The version of its kind's machine that wrote `snapshot`. */
  readonly machineVersion: number
  readonly outbox: unknown
  readonly sessionId: string | null
  readonly capability: string | null
  readonly agentId: string | null
  readonly priority: number | null
  readonly capabilities: readonly string[] | null
  readonly load: number | null
  readonly freeCapacity: number | null
  /** Milliseconds since the epoch, all three. */
  readonly createdAt: number
  readonly updatedAt: number
  readonly stateSince: number
}

export interface ActorRow {
  kind: string
  id: string
  state: string
  snapshot: unknown
  /** Context members written once (migration 013); null in a row written before, whose snapshot holds them. */
  stored_once: Record<string, unknown> | null
  stream_id: string
  fence: string
  version: string
  machine_version: number
  outbox: unknown
  session_id: string | null
  capability: string | null
  agent_id: string | null
  priority: number | null
  capabilities: string[] | null
  load: number | null
  free_capacity: number | null
  created_at: Date
  updated_at: Date
  state_since: Date
}

/** The `actors` columns an `ActorRow` holds, for `select ${sql(ACTOR_COLUMNS)}`. */
export const ACTOR_COLUMNS = [
  "kind",
  "id",
  "state",
  "snapshot",
  "stored_once",
  "stream_id",
  "fence",
  "version",
  "machine_version",
  "outbox",
  "session_id",
  "capability",
  "agent_id",
  "priority",
  "capabilities",
  "load",
  "free_capacity",
  "created_at",
  "updated_at",
  "state_since",
] as const satisfies readonly (keyof ActorRow)[]

/** `kind:id`, the key `loadSnapshots` answers by (the `actor` field of a raw inbox entry). */
export const actorKey = (ref: ActorRef): string => `${ref.kind}:${ref.id}`

export function toStoredActor(row: ActorRow): StoredActor {
  return {
    kind: row.kind,
    id: row.id,
    state: row.state,
    snapshot: withStoredOnce(row.snapshot, row.stored_once),
    streamId: row.stream_id,
    fence: Number(row.fence),
    version: Number(row.version),
    machineVersion: row.machine_version,
    outbox: row.outbox,
    sessionId: row.session_id,
    capability: row.capability,
    agentId: row.agent_id,
    priority: row.priority,
    capabilities: row.capabilities,
    load: row.load,
    freeCapacity: row.free_capacity,
    createdAt: row.created_at.getTime(),
    updatedAt: row.updated_at.getTime(),
    stateSince: row.state_since.getTime(),
  }
}

/**
 * A row's snapshot with the members its `stored_once` column holds put back into its context: the snapshot as
 * if stored whole, for every reader (the runtime's restore, the edge, the counts). A member the snapshot's context
 * holds too (a row written whole, then by hand) is the snapshot's. Without the column (a row written before
 * migration 013), the snapshot as stored.
 */
export const withStoredOnce = (snapshot: unknown, storedOnce: Record<string, unknown> | null): unknown => {
  if (storedOnce === null || typeof snapshot !== "object" || snapshot === null) return snapshot
  const context = (snapshot as { readonly context?: unknown }).context
  if (typeof context !== "object" || context === null || Array.isArray(context)) return snapshot
  return { ...snapshot, context: { ...storedOnce, ...context } }
}
