// Snapshot store: persists the batches of applied inbox entries of one or several partitions (actor
// snapshots, the members stored once when sent, their stream ids and outboxes, and their transitions;
// the erased actors' rows and history deleted) in ONE statement, each batch guarded by its partition's
// fencing token, and loads the snapshots of a batch of actors (whole: actor-row.ts) in one query.
import type postgres from "postgres"
import { ACTOR_COLUMNS, type ActorRef, type ActorRow, type StoredActor, actorKey, toStoredActor } from "./actor-row.ts"
import type { Sql } from "./db.ts"
import { withoutPosition } from "../schema/patch-position.ts"

/** An actor's state after the batch, with the id of the last inbox entry applied to it. */
export interface SnapshotWrite extends ActorRef {
  readonly state: string
  /** Without the context members of `storedOnce`'s names when the kind stores them once. */
  readonly snapshot: unknown
  /** The context members the kind stores once (`ActorKind.storedOnce`), sent when the row may lack them (the actor
   * created, or restored from its row); absent, the row keeps the ones it holds (column `stored_once`). */
  readonly storedOnce?: unknown
  readonly streamId: string
  readonly version: number
  /** The version of its kind's machine that wrote `snapshot` (1 when not said). */
  readonly machineVersion?: number
  /** The effects of the actor's last applied batch, kept so a redelivered entry can publish them again. */
  readonly outbox: unknown
  readonly sessionId?: string | null
  readonly capability?: string | null
  readonly agentId?: string | null
  readonly priority?: number | null
  readonly capabilities?: readonly string[] | null
  readonly load?: number | null
  readonly freeCapacity?: number | null
  readonly routingScore?: number | null
  /** A soft-deleted session's deletion time (ms since the epoch). */
  readonly deletedAt?: number | null
  readonly group?: string | null
  /** A task's place in its session. */
  readonly index?: number | null
}

/** One state change caused by one inbox entry (at most one per actor per entry). */
export interface TransitionWrite {
  readonly kind: string
  readonly actorId: string
  /** Defaults to the row's `sessionId`, or the actor's own id for a session. */
  readonly sessionId?: string | null
  /** `null` when the entry created the actor. */
  readonly from: string | null
  readonly to: string
  readonly event: string
  readonly streamId: string
  /** Milliseconds since the epoch. */
  readonly at: number
  /** The actor's version after this transition. */
  readonly version: number
  /** RFC 7396 merge patch from the actor's view at `version - 1` to its view at `version`. */
  readonly patch: unknown
  /** Who caused it, when the producer said (`operator`, `agent:<id>`). */
  readonly by?: string | null
}

export interface Batch {
  readonly partition: number
  readonly fence: number
  readonly rows: readonly SnapshotWrite[]
  readonly transitions: readonly TransitionWrite[]
  /** Actors erased by the batch (not among `rows`): their row (snapshot, outbox) and history are deleted. */
  readonly purges?: readonly ActorRef[]
  /** Actors the batch created without reading their row first (`assumedNew`): if one of them has a row
   * already, the statement writes nothing of the batch (fence aside) and answers `Clashed`. */
  readonly assumedNew?: readonly ActorRef[]
}

export type BatchResult =
  /** `actors`: rows written (a row not newer than the stored one is skipped); `transitions`: new history rows. */
  | { readonly _tag: "Written"; readonly actors: number; readonly transitions: number }
  /** The partition has been written with a newer fence: this process no longer owns it; nothing was written. */
  | { readonly _tag: "StaleFence"; readonly partition: number; readonly fence: number }
  /** An actor of `assumedNew` exists: nothing of the batch was written (the caller plans it again, reading rows). */
  | { readonly _tag: "Clashed"; readonly partition: number }

const STREAM_ID = /^(\d+)-(\d+)$/

/** Splits `<ms>-<seq>` into the two bigints (as decimal strings) that order it in SQL. */
function streamParts(streamId: string): { stream_ms: string; stream_seq: string } {
  const match = STREAM_ID.exec(streamId)
  if (!match?.[1] || !match[2]) throw new Error(`stream id ${JSON.stringify(streamId)}: expected <ms>-<seq>`)
  return { stream_ms: match[1], stream_seq: match[2] }
}

// Values are plain data meant for JSON; postgres.js's JSONValue type cannot express `unknown` fields.
const asJson = (value: unknown) => value as postgres.JSONValue

/**
 * Raises the partition's fence to `fence` and, unless a newer fence is stored, upserts the rows
 * (the newest per actor, and only where its stream id is newer than the stored one) and appends
 * the transitions (a redelivered one is skipped). With no rows it just claims the partition.
 * Times come from stream ids: `updated_at` is the row's entry time; `state_since` is the time of
 * the batch's last transition into the row's state, else kept while the state is unchanged,
 * else the row's entry time. One statement: the group statement of `writeBatches` with one batch.
 */
export async function writeBatch(sql: Sql, batch: Batch): Promise<BatchResult> {
  return (await writeBatches(sql, [batch]))[0]!
}

/**
 * Group commit: the batches of several partitions in ONE statement. Each partition's fence is
 * checked inside it (the fences are raised first, in partition order, so two processes never lock
 * them in opposite orders), and a partition whose fence is stale or whose assumed-new actors exist
 * writes nothing and gets its own result, while the others are written. A statement that fails
 * writes nothing of any batch: the caller commits the batches alone to learn whose it was. Two
 * batches of one partition (never sent by the runtime, which has one batch per partition in flight)
 * go in statements of their own, in order, in one transaction.
 */
export async function writeBatches(sql: Sql, batches: readonly Batch[]): Promise<BatchResult[]> {
  const rounds = roundsOf(batches)
  const written =
    rounds.length === 1
      ? [
          await groupStatement(
            sql,
            rounds[0]!.map((index) => batches[index]!),
          ),
        ]
      : ((await sql.begin((tx) =>
          rounds.map((round) =>
            groupStatement(
              tx as unknown as Sql,
              round.map((index) => batches[index]!),
            ),
          ),
        )) as unknown as StatementRows[])
  const results: BatchResult[] = new Array(batches.length)
  rounds.forEach((round, at) => {
    const byPartition = new Map(written[at]!.map((result) => [result.partition, result]))
    for (const index of round) results[index] = batchResult(batches[index]!, byPartition.get(batches[index]!.partition))
  })
  return results
}

/** The indexes of `batches` in statements of distinct partitions: a partition's n-th batch goes in the n-th. */
const roundsOf = (batches: readonly Batch[]): number[][] => {
  const rounds: number[][] = []
  const seen = new Map<number, number>()
  batches.forEach((batch, index) => {
    const round = seen.get(batch.partition) ?? 0
    seen.set(batch.partition, round + 1)
    ;(rounds[round] ??= []).push(index)
  })
  return rounds
}

type StatementRows = ReadonlyArray<{ partition: number; accepted: boolean; clashed: boolean; actors: number; transitions: number }>

const batchResult = (batch: Batch, result: StatementRows[number] | undefined): BatchResult =>
  !result?.accepted
    ? { _tag: "StaleFence", partition: batch.partition, fence: batch.fence }
    : result.clashed
      ? { _tag: "Clashed", partition: batch.partition }
      : { _tag: "Written", actors: result.actors, transitions: result.transitions }

/** `streamId` once it is known to be `<ms>-<seq>` (the statement splits it in SQL). */
const checkedStreamId = (streamId: string): string => {
  streamParts(streamId)
  return streamId
}

/** Drops null and undefined members, so a column left out is sent as nothing (`jsonb_to_recordset` reads it as null). */
const present = (record: Record<string, unknown>): Record<string, unknown> => {
  const kept: Record<string, unknown> = {}
  for (const key in record) if (record[key] !== null && record[key] !== undefined) kept[key] = record[key]
  return kept
}

/** A column's value, left out when the row's members stored once carry it under `member` (a task's `sessionId` and
 * `index`: the statement reads them there, `coalesce(r.se, r.so->>'sessionId')`), so it is not sent twice. */
const unlessStoredOnce = <T>(value: T, storedOnce: unknown, member: string): T | undefined =>
  value !== undefined &&
  value !== null &&
  typeof storedOnce === "object" &&
  storedOnce !== null &&
  (storedOnce as Record<string, unknown>)[member] === value
    ? undefined
    : value

/**
 * The group as the statement receives it: JSON arrays of records with one- or two-letter keys and
 * no null members, each naming its batch's partition (`pt`), stream times derived in SQL from the
 * stream id. What a transition costs on the wire is then its values, not its column names (computed
 * on a smoke run's batches: a transition row about 29% smaller).
 */
export const encodeGroup = (batches: readonly Batch[]) => ({
  claims: batches.map((batch) => ({ p: batch.partition, f: batch.fence })).sort((a, b) => a.p - b.p),
  rows: batches.flatMap((batch) =>
    batch.rows.map((row) =>
      present({
        pt: batch.partition,
        k: row.kind,
        i: row.id,
        s: row.state,
        n: row.snapshot,
        so: row.storedOnce,
        t: checkedStreamId(row.streamId),
        v: row.version,
        mv: row.machineVersion === 1 ? undefined : row.machineVersion,
        o: Array.isArray(row.outbox) && row.outbox.length === 0 ? undefined : row.outbox,
        se: unlessStoredOnce(row.sessionId, row.storedOnce, "sessionId"),
        c: row.capability,
        a: row.agentId,
        p: row.priority,
        cs: row.capabilities,
        l: row.load,
        f: row.freeCapacity,
        rs: row.routingScore,
        d: row.deletedAt,
        g: row.group,
        x: unlessStoredOnce(row.index, row.storedOnce, "index"),
      }),
    ),
  ),
  transitions: batches.flatMap((batch) =>
    batch.transitions.map((t) =>
      present({
        pt: batch.partition,
        k: t.kind,
        a: t.actorId,
        se: t.sessionId,
        f: t.from,
        to: t.to,
        e: t.event,
        t: t.streamId,
        // `at` is the stream id's time unless the producer said otherwise
        at: t.at === Number(streamParts(t.streamId).stream_ms) ? undefined : t.at,
        v: t.version,
        // without the members its own columns hold (`restoredPatch` in history.ts puts them back): ~70 B less per row
        pa: withoutPosition(t.patch, { updated_at: new Date(t.at).toISOString(), stream_id: t.streamId, version: t.version }),
        by: t.by,
      }),
    ),
  ),
  purges: batches.flatMap((batch) => (batch.purges ?? []).map((ref) => ({ pt: batch.partition, k: ref.kind, i: ref.id }))),
  assumedNew: batches.flatMap((batch) => (batch.assumedNew ?? []).map((ref) => ({ pt: batch.partition, k: ref.kind, i: ref.id }))),
})

/**
 * One statement for batches of distinct partitions. `claims` raises every partition's fence first, in
 * partition order; `go` (one array, so every fence is raised before any actor row is written) holds the
 * partitions whose fence was accepted and none of whose assumed-new actors exists; every other part
 * reads only the records of those partitions. It answers one row per partition.
 */
const groupStatement = (sql: Sql, batches: readonly Batch[]) => {
  const { claims, rows, transitions, purges, assumedNew } = encodeGroup(batches)
  // Only a group with actors created without reading their rows checks them: one index probe each, forced by the
  // lateral `limit 1` (a plain join was planned as a hash join over a sequential scan of every actor, its cost growing
  // with the table: about 100 us of a small group's 0.6 ms at a few thousand actors; bench/pg-rows.ts --explain).
  const clash =
    assumedNew.length === 0
      ? sql`clash as (select null::integer as pt where false)`
      : sql`clash as (
      select distinct n.pt from jsonb_to_recordset(${sql.json(asJson(assumedNew))}) as n(pt integer, k text, i text)
        cross join lateral (select from actors a where a.kind = n.k and a.id = n.i limit 1) a
    )`
  // Only a group that erases actors carries the deletes (rare: DELETE /sessions/{id}?hard=1), so no other pays for them.
  const erasing =
    purges.length === 0
      ? sql``
      : sql`,
    erased as (
      select p.k as kind, p.i as id from jsonb_to_recordset(${sql.json(asJson(purges))}) as p(pt integer, k text, i text)
      where p.pt = any((select parts from go)::integer[])
    ),
    erased_rows as (
      delete from actors a using erased e where a.kind = e.kind and a.id = e.id returning 1
    ),
    erased_history as (
      delete from transitions t using erased e where t.kind = e.kind and t.actor_id = e.id returning 1
    )`
  return sql<{ partition: number; accepted: boolean; clashed: boolean; actors: number; transitions: number }[]>`
    with claims as (
      select c.p, c.f from jsonb_to_recordset(${sql.json(asJson(claims))}) as c(p integer, f bigint)
    ),
    fence as (
      insert into partition_fences as f (partition, fence)
      select c.p, c.f from claims c order by c.p
      on conflict (partition) do update set fence = excluded.fence, updated_at = now()
        where f.fence <= excluded.fence
      returning f.partition
    ),
    ${clash},
    go as (
      select coalesce(array_agg(f.partition), '{}') as parts from fence f where not exists (select from clash x where x.pt = f.partition)
    ),
    batch as (
      select distinct on (r.pt, r.k, r.i) r.pt as partition, c.f as fence, r.k as kind, r.i as id, r.s as state,
        r.n as snapshot, r.so as stored_once, r.t as stream_id,
        split_part(r.t, '-', 1)::bigint as stream_ms, split_part(r.t, '-', 2)::bigint as stream_seq, r.v as version,
        coalesce(r.mv, 1) as machine_version,
        coalesce(r.o, '[]') as outbox, coalesce(r.se, r.so->>'sessionId') as session_id, r.c as capability, r.a as agent_id, r.p as priority,
        r.cs as capabilities, r.l as load, r.f as free_capacity, r.rs as routing_score,
        to_timestamp(r.d / 1000.0) as deleted_at, r.g as group_key, coalesce(r.x, (r.so->>'index')::integer) as task_index
      from jsonb_to_recordset(${sql.json(asJson(rows))}) as r(
        pt integer, k text, i text, s text, n jsonb, so jsonb, t text, v bigint, mv integer, o jsonb, se text, c text, a text,
        p smallint, cs text[], l real, f integer, rs real, d bigint, g text, x integer)
        join claims c on c.p = r.pt
      where r.pt = any((select parts from go)::integer[])
      order by r.pt, r.k, r.i, split_part(r.t, '-', 1)::bigint desc, split_part(r.t, '-', 2)::bigint desc
    ),
    moves as (
      select t.pt as partition, t.k as kind, t.a as actor_id, t.se as session_id, t.f as from_state, t.to as to_state,
        t.e as event, t.t as stream_id, split_part(t.t, '-', 1)::bigint as stream_ms,
        split_part(t.t, '-', 2)::bigint as stream_seq, coalesce(t.at, split_part(t.t, '-', 1)::bigint) as at_ms,
        t.v as version, t.pa as patch, t.by as caused_by
      from jsonb_to_recordset(${sql.json(asJson(transitions))}) as t(
        pt integer, k text, a text, se text, f text, "to" text, e text, t text, at bigint, v bigint, pa jsonb, by text)
      where t.pt = any((select parts from go)::integer[])
    ),
    entered as (
      select m.partition, m.kind, m.actor_id, max(m.at_ms) as at_ms
      from moves m
        join batch b on b.partition = m.partition and b.kind = m.kind and b.id = m.actor_id and b.state = m.to_state
      where m.from_state is distinct from m.to_state
      group by m.partition, m.kind, m.actor_id
    ),
    created as (
      select m.partition, m.kind, m.actor_id, min(m.at_ms) as at_ms from moves m where m.from_state is null
      group by m.partition, m.kind, m.actor_id
    ),
    written as (
      insert into actors as a (
        kind, id, state, snapshot, stored_once, stream_id, stream_ms, stream_seq, fence, version, machine_version, outbox, session_id,
        capability, agent_id, priority, capabilities, load, free_capacity, routing_score, deleted_at, group_key, task_index,
        created_at, updated_at, state_since)
      select b.kind, b.id, b.state, b.snapshot, b.stored_once, b.stream_id, b.stream_ms, b.stream_seq, b.fence, b.version,
        b.machine_version, b.outbox, b.session_id, b.capability, b.agent_id, b.priority, b.capabilities, b.load, b.free_capacity,
        b.routing_score, b.deleted_at, b.group_key, b.task_index,
        to_timestamp(coalesce(c.at_ms, b.stream_ms) / 1000.0), to_timestamp(b.stream_ms / 1000.0),
        -- the stored row is read only for an actor the batch did not move into its state (rare)
        coalesce(to_timestamp(e.at_ms / 1000.0),
          (select stored.state_since from actors stored where stored.kind = b.kind and stored.id = b.id and stored.state = b.state),
          to_timestamp(b.stream_ms / 1000.0))
      from batch b
        left join entered e on e.partition = b.partition and e.kind = b.kind and e.actor_id = b.id
        left join created c on c.partition = b.partition and c.kind = b.kind and c.actor_id = b.id
      on conflict (kind, id) do update set
        state = excluded.state, snapshot = excluded.snapshot,
        -- written once (migration 013): a row that is not sent them keeps the members it holds
        stored_once = coalesce(excluded.stored_once, a.stored_once), stream_id = excluded.stream_id,
        stream_ms = excluded.stream_ms, stream_seq = excluded.stream_seq, fence = excluded.fence,
        version = excluded.version, machine_version = excluded.machine_version, outbox = excluded.outbox,
        -- a task's session and place never change: sent only when its row may lack them (src/runtime/plan-batch.ts)
        session_id = coalesce(excluded.session_id, a.session_id),
        capability = excluded.capability, agent_id = excluded.agent_id, priority = excluded.priority,
        capabilities = excluded.capabilities, load = excluded.load, free_capacity = excluded.free_capacity,
        routing_score = excluded.routing_score, deleted_at = excluded.deleted_at, group_key = excluded.group_key,
        task_index = coalesce(excluded.task_index, a.task_index),
        updated_at = excluded.updated_at, state_since = excluded.state_since
      where (a.stream_ms, a.stream_seq) < (excluded.stream_ms, excluded.stream_seq)
      returning a.kind, a.id, a.session_id
    ),
    recorded as (
      insert into transitions (
        kind, actor_id, session_id, from_state, to_state, event, stream_id, stream_ms, stream_seq, at, version, patch, caused_by)
      select m.kind, m.actor_id,
        -- the runtime sends none: its row's (kept when not sent: the written row's; the stored one when the batch's
        -- row was not written, older than the stored), a session's own id
        coalesce(m.session_id, b.session_id, w.session_id,
          case when w.id is null then (select stored.session_id from actors stored where stored.kind = m.kind and stored.id = m.actor_id) end,
          case when m.kind = 'session' then m.actor_id end),
        m.from_state, m.to_state, m.event, m.stream_id, m.stream_ms, m.stream_seq,
        to_timestamp(m.at_ms / 1000.0), m.version, m.patch, m.caused_by
      from moves m left join batch b on b.partition = m.partition and b.kind = m.kind and b.id = m.actor_id
        left join written w on w.kind = m.kind and w.id = m.actor_id
      order by m.partition, m.stream_ms, m.stream_seq
      on conflict (kind, actor_id, version) do nothing
      returning kind, actor_id, version
    ),
    -- an actor lives in one partition, so its kind and id (and version) name the batch a written row came from
    written_by as materialized (
      select b.partition, count(*)::int as n from written w join batch b on b.kind = w.kind and b.id = w.id group by b.partition
    ),
    recorded_by as materialized (
      select m.partition, count(*)::int as n
      from recorded r
        join (select distinct on (kind, actor_id, version) partition, kind, actor_id, version from moves) m
          on m.kind = r.kind and m.actor_id = r.actor_id and m.version = r.version
      group by m.partition
    )${erasing}
    select c.p as partition, f.partition is not null as accepted, x.pt is not null as clashed,
      coalesce(w.n, 0) as actors, coalesce(r.n, 0) as transitions
    from claims c
      left join fence f on f.partition = c.p
      left join clash x on x.pt = c.p
      left join written_by w on w.partition = c.p
      left join recorded_by r on r.partition = c.p`
}

/** The stored snapshots of `refs` (one query), keyed by `actorKey`; actors never written are absent. */
export async function loadSnapshots(sql: Sql, refs: readonly ActorRef[]): Promise<Map<string, StoredActor>> {
  if (refs.length === 0) return new Map()
  const rows = await sql<ActorRow[]>`
    select ${sql(ACTOR_COLUMNS)} from actors
    where (kind, id) in (
      select * from unnest(${sql.array(refs.map((ref) => ref.kind))}::text[], ${sql.array(refs.map((ref) => ref.id))}::text[])
    )`
  return new Map(rows.map((row) => [actorKey(row), toStoredActor(row)]))
}
