// `GET /actors/counts` (beyond PROTOCOL v1.1, for dashboards): how many actors of each kind are in each
// state, counted as the lists show them (each stored actor brought up to its machine by the same verdict,
// current.ts `bringUp`: a quarantined one is counted apart, by kind, as the lists leave it out; a
// soft-deleted session not at all), tied to a position of the event stream so that a client can move
// them by the events after it without counting any transition twice or missing one.
//
// What it reads does not grow with the actors: one grouped query (src/store/counts.ts `countGroups`) gives
// how many actors share a kind, state, machine version, `edited` mark and deletion. A group written by the
// runtime at its kind's current machine version is counted by its state (the runtime wrote those snapshots
// from actors it had restored with the same verdict); a group of a machine version no migration brings up
// is quarantined (what `restoreStored` answers first); only the rest (an older version a migration brings
// up, or rows changed outside the runtime, migration 011) is read and brought up one actor at a time. Then
// one more query names the actors `versions` holds.
//
// 1. `cursor` is the event stream's newest id, read before the counts' Postgres snapshot S is taken (the
//    first statement of a repeatable-read transaction). The runtime publishes a transition only once it
//    is committed, so every event at or before `cursor` is counted in S.
// 2. After S is taken, the actors of every entry in the inboxes (U) are read, then every event after
//    `cursor` published so far (V). `versions` gives, for each actor of U and V that S holds, its version
//    in S and whether S counts it.
// 3. An event after `cursor` of an actor not in `versions` is not counted in S. Proof: say event e of actor
//    A, published after `cursor` was read, is committed in S. Its inbox entry E (an actor's events come
//    only from entries sent to that actor) was appended before S, and is acknowledged (deleted from the
//    inbox) only after e is published. If e was published before V was read, A is in V. Otherwise E was
//    still in its inbox when U was read (after S, before V), so A is in U.
// So a client counts an event after `cursor` unless `versions` holds its actor at that version or later
// (or holds it uncounted), and counts each actor's version once (a redelivered batch publishes its events
// again). Soft-deleted sessions are counted nowhere; those that can still move (ERASE cancels one that is
// not in a terminal state) are in `versions`, uncounted, so their events are not counted either.
import type { Redis } from "ioredis"
import { TERMINAL_STATES } from "../../../machines/session.ts"
import type { ActorKind } from "../../runtime/actor-kind.ts"
import { fittingVersions, restoreStored } from "../../runtime/snapshot-version.ts"
import { decodeEventStreamEntry } from "../../schema/event-stream.ts"
import { inboxActors } from "../../redis/inbox-backlog.ts"
import type { Keys } from "../../redis/keys.ts"
import { actorsToCount, actorsToName, type CountedActor, countGroups, type GroupOf } from "../../store/counts.ts"
import type { Sql } from "../../store/db.ts"

/** Counts by kind, then by state; a kind or state with none is absent. */
export type StateCounts = Record<string, Record<string, number>>

export interface CountsAt {
  readonly counts: StateCounts
  /** Quarantined actors by kind (a kind with none is absent): the lists leave them out. */
  readonly quarantined: Record<string, number>
  /** The event stream's position the counts include every event up to ("0-0": an empty stream). */
  readonly cursor: string
  /** The actors whose events after `cursor` may already be counted: their version in the counts, and whether they are counted. */
  readonly versions: ReadonlyArray<{ readonly kind: string; readonly id: string; readonly version: number; readonly counted: boolean }>
}

export interface CountsSources {
  readonly sql: Sql
  readonly redis: Redis
  readonly keys: Keys
  readonly partitions: number
  readonly kinds: ReadonlyMap<string, ActorKind>
}

const CHUNK = 1_000
const EVENTS_PAGE = 1_000
const MOVABLE_WHEN_DELETED = (state: string) => !(TERMINAL_STATES as ReadonlyArray<string>).includes(state)

const newestId = async (redis: Redis, stream: string): Promise<string> => {
  const [newest] = await redis.xrevrange(stream, "+", "-", "COUNT", 1)
  return newest?.[0] ?? "0-0"
}

/** The actors (`kind:id`) of the transitions published after `cursor`, up to the stream's end as it is read. */
const actorsOfEventsAfter = async (redis: Redis, stream: string, cursor: string): Promise<Set<string>> => {
  const actors = new Set<string>()
  for (let after = cursor; ; ) {
    const entries = await redis.xrange(stream, `(${after}`, "+", "COUNT", EVENTS_PAGE)
    for (const [, flat] of entries) {
      const fields: Record<string, string> = {}
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!
      const decoded = decodeEventStreamEntry(fields)
      if (decoded.ok && decoded.value.type === "event") actors.add(`${decoded.value.event.kind}:${decoded.value.event.actorId}`)
    }
    const last = entries.at(-1)
    if (last === undefined || entries.length < EVENTS_PAGE) return actors
    after = last[0]
  }
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** How a stored actor is counted: by its stored state, as quarantined, or once brought up to its machine. */
type Way = "state" | "quarantined" | "bring-up"

/** How the actors of `kind` written by machine `version` (`edited` or not) are counted: restoreStored's
 * verdict where SQL's columns decide it, else "bring-up". A kind the edge was not given is shown as stored. */
const wayOf = (kinds: ReadonlyMap<string, ActorKind>, of: { kind: string; machineVersion: number; edited: boolean }): Way => {
  const kind = kinds.get(of.kind)
  if (kind === undefined) return "state"
  const { from, to } = fittingVersions(kind)
  if (of.machineVersion > to || of.machineVersion < from) return "quarantined"
  return of.machineVersion === to && !of.edited ? "state" : "bring-up"
}

/** The counts by state at one Postgres snapshot, tied to the event stream (see the header). */
export async function countsAt(sources: CountsSources): Promise<CountsAt> {
  const { sql, redis, keys, partitions, kinds } = sources
  const cursor = await newestId(redis, keys.events)
  return sql.begin("isolation level repeatable read read only", async (tx) => {
    // The transaction's snapshot is taken by its first statement: after `cursor` was read, before U and V.
    const groups = await countGroups(tx as unknown as Sql)
    const touched = await inboxActors(redis, keys, partitions)
    for (const actor of await actorsOfEventsAfter(redis, keys.events, cursor)) touched.add(actor)
    const counts: StateCounts = {}
    const quarantined: Record<string, number> = {}
    const versions: Array<CountsAt["versions"][number]> = []
    const count = (kind: string, state: string, n: number) => {
      const of = (counts[kind] ??= {})
      of[state] = (of[state] ?? 0) + n
    }
    for (const group of groups) {
      const way = wayOf(kinds, group)
      if (way === "quarantined") quarantined[group.kind] = (quarantined[group.kind] ?? 0) + group.actors
      else if (way === "state" && !group.deleted) count(group.kind, group.state, group.actors)
    }
    // The groups SQL cannot decide: each actor brought up to its machine, as the lists do.
    const bringUp = new Map<string, GroupOf>()
    for (const group of groups) {
      const { kind, machineVersion, edited } = group
      if (wayOf(kinds, group) === "bring-up") bringUp.set(`${kind}:${machineVersion}:${edited}`, { kind, machineVersion, edited })
    }
    for (const group of bringUp.values()) {
      const kind = kinds.get(group.kind)
      if (kind === undefined) continue
      for (let after: CountedActor | undefined; ; ) {
        const chunk = await actorsToCount(tx as unknown as Sql, after, CHUNK, group)
        for (const actor of chunk) {
          const restored = restoreStored(kind, `${actor.kind}:${actor.id}`, actor)
          const deleted = actor.kind === "session" && actor.deleted
          let counted = false
          if (!restored.ok) quarantined[actor.kind] = (quarantined[actor.kind] ?? 0) + 1
          else if (!deleted) {
            count(actor.kind, restored.state, 1)
            counted = true
          }
          const movable = deleted && MOVABLE_WHEN_DELETED(restored.ok ? restored.state : actor.state)
          if (movable || touched.has(`${actor.kind}:${actor.id}`))
            versions.push({ kind: actor.kind, id: actor.id, version: actor.version, counted })
        }
        after = chunk.at(-1)
        if (chunk.length < CHUNK) break
      }
    }
    // The actors of U and V and the soft-deleted sessions that can still move, of the groups counted above in SQL.
    const refs = [...touched].map((key) => {
      const at = key.indexOf(":")
      return { kind: key.slice(0, at), id: key.slice(at + 1) }
    })
    for (const actor of await actorsToName(tx as unknown as Sql, refs, TERMINAL_STATES)) {
      const way = wayOf(kinds, actor)
      if (way === "bring-up") continue
      const deleted = actor.kind === "session" && actor.deleted
      versions.push({ kind: actor.kind, id: actor.id, version: actor.version, counted: way === "state" && !deleted })
    }
    versions.sort((a, b) => byKey(a.kind, b.kind) || byKey(a.id, b.id))
    return { counts, quarantined, cursor, versions }
  })
}
