// Builders for the store's integration tests: snapshot rows and transitions keyed by stream id.
import type { SnapshotWrite, TransitionWrite } from "../../../src/store/snapshots.ts"
import type { Sql } from "../../../src/store/db.ts"
import { type StoredTransition, timeline } from "../../../src/store/history.ts"
import { TIMELINE_MAX_LIMIT } from "../../../src/schema/history.ts"

/** A stream id `<ms>-<seq>`. */
export const sid = (ms: number, seq = 0): string => `${ms}-${seq}`

const msOf = (streamId: string): number => Number(streamId.split("-")[0])

/** A snapshot row whose snapshot records the state and stream id it was written with. */
export function row(kind: string, id: string, state: string, streamId: string, extra: Partial<SnapshotWrite> = {}): SnapshotWrite {
  return {
    kind,
    id,
    state,
    snapshot: { status: "active", value: state, context: { id, streamId } },
    streamId,
    version: 1,
    outbox: [{ type: "event", id: `${streamId}:0`, to: state }],
    ...extra,
  }
}

/** The last version `move` gave each actor (`kind:id`): each new transition of an actor makes its next version. */
const versions = new Map<string, number>()

/** A transition caused by the entry `streamId`, at that entry's time; the actor's next version unless said. */
export function move(
  kind: string,
  actorId: string,
  from: string | null,
  to: string,
  streamId: string,
  extra: Partial<TransitionWrite> = {},
): TransitionWrite {
  return {
    kind,
    actorId,
    from,
    to,
    event: `TO_${to.toUpperCase()}`,
    streamId,
    at: msOf(streamId),
    version: nextVersion(`${kind}:${actorId}`),
    patch: { status: to },
    ...extra,
  }
}

const nextVersion = (key: string): number => {
  const version = (versions.get(key) ?? 0) + 1
  versions.set(key, version)
  return version
}

/** Another session holds `partition`'s fence row (SELECT … FOR UPDATE) until `release`; resolves once it holds it.
 * `release` lets that session's transaction end and resolves when it has. */
export async function holdFence(sql: Sql, partition: number): Promise<{ readonly release: () => Promise<void> }> {
  let letGo = () => {}
  const released = new Promise<void>((resolve) => {
    letGo = resolve
  })
  let locked = () => {}
  const lockedNow = new Promise<void>((resolve) => {
    locked = resolve
  })
  const holder = sql.begin(async (tx) => {
    await tx`select fence from partition_fences where partition = ${partition} for update`
    locked()
    await released
  })
  await lockedNow
  return {
    release: async () => {
      letGo()
      await holder
    },
  }
}

/** A session's whole timeline (the fixtures' sessions fit one page). */
export const sessionTimeline = async (sql: Sql, sessionId: string): Promise<StoredTransition[]> =>
  (await timeline(sql, sessionId, { after: 0, limit: TIMELINE_MAX_LIMIT })).transitions
