// The cost of a measured run, from counters sampled before and after it: Redis commands, bytes
// in and CPU (INFO of the bench's own redis-server), Postgres traffic (the counting proxy), WAL
// written and the cluster's CPU, the measured node processes' CPU, the bench's own and the whole host's with its
// context switches (/proc), and for Clawbot the inbox entries added (XINFO of each partition's
// inbox), the transitions recorded by event (its schema's history) and the runtimes' published
// batch stats, and Postgres' time by statement (pg_stat_statements, the bench's own cluster).
// Rows written come from pg_stat_database, which backends update at most once a second while
// busy and at the latest when they exit: read them once the measured processes have stopped.
import type { Redis } from "ioredis"
import type { Keys } from "../../src/redis/keys.ts"
import { decodeRuntimeStats } from "../../src/schema/runtime-stats.ts"
import type { Bench } from "./bench.ts"
import type { PgTraffic } from "./pg-proxy.ts"
import { type HostCpu, hostCpu, processCpuMs, treeCpuMs } from "./proc-cpu.ts"

export interface CostSample {
  readonly redisCalls: ReadonlyMap<string, number>
  readonly redisBytesIn: number
  readonly redisCpuMs: number
  readonly pg: PgTraffic
  readonly walBytes: number
  /** Full-page images in the WAL (pg_stat_wal.wal_fpi): a page's first change after a checkpoint logs the whole page. */
  readonly walFullPages: number
  /** Autovacuum and autoanalyze runs over every table of the cluster (pg_stat_all_tables): an earlier scenario's tables
   * vacuumed during a run add their Postgres CPU and WAL to its cost. */
  readonly autovacuums: number
  readonly pgCpuMs: number
  /** pg_stat_database's rows inserted + updated + deleted (see rowsWritten). */
  readonly pgRowsWritten: number
  readonly nodeCpuMs: number
  /** The bench's own processes: this one (its load generators, and the bots in its worker threads) and the counting
   * proxy. Not the measured system's work, but on the same cores: part of the host's CPU below. */
  readonly benchCpuMs: number
  /** Every process on the host (the peer's, the bench's, the servers'): what a saturated host's rate divides. */
  readonly host: HostCpu
  readonly inboxEntries: number
  readonly batches: number
  readonly batchEntries: number
  /** Seconds summed over the runtimes' batches (load, plan, write, carry out, acknowledge) and their Postgres writes, and
   * over the entries' waits in their inboxes (append to first read), with the entries waited for. */
  readonly batchSeconds: number
  readonly writeSeconds: number
  readonly inboxWaitSeconds: number
  readonly inboxWaits: number
  /** The runtimes' event-loop turns more than LATE_TURN_SECONDS late (a stall each: event-loop-stalls.ts). */
  readonly lateTurns: number
  /** Recorded transitions by `<kind> <event>` (Clawbot's history; empty for a peer). */
  readonly transitions: ReadonlyMap<string, number>
  /** Postgres execution time (ms) and calls by statement, whoever ran it (the bench's own queries are few). */
  readonly statements: ReadonlyMap<string, StatementTime>
}

export interface StatementTime {
  readonly calls: number
  readonly ms: number
}

/** What one VACUUM of a deployment's tables cost once its processes stopped: the cleanup of the dead row versions its
 * updates left (and of its indexes' entries for them), which autovacuum would do later, during another run or none.
 * `tasks` is the task rows those tables hold (a warm-up's included): the work is theirs. */
export interface VacuumCost {
  readonly pgCpuMs: number
  readonly walBytes: number
  readonly tasks: number
}

export type Cost = CostSample & { readonly redisCommands: number; readonly vacuum?: VacuumCost }

/** Rows inserted, updated and deleted in the bench's database so far, as the statistics show them. */
export const rowsWritten = async ({ servers }: Bench): Promise<number> => {
  const [row] = await servers.directSql<[{ written: string }]>`
    select (tup_inserted + tup_updated + tup_deleted)::text as written from pg_stat_database where datname = current_database()`
  return Number(row.written)
}

/** What is measured: a Clawbot deployment (its keys) or a peer with no inbox; the node processes doing the work. */
export interface CostTarget {
  readonly keys?: Keys
  /** Clawbot's Postgres schema (its prefix), whose history is counted by event. */
  readonly schema?: string
  readonly partitions?: number
  readonly pids: () => ReadonlyArray<number>
}

/** Commands of the sampler itself, left out of the counts. */
const OWN_COMMANDS = new Set(["info", "xinfo|stream", "hgetall", "client|setname", "quit"])

const infoFields = (text: string): Map<string, string> =>
  new Map(
    text
      .split("\r\n")
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
  )

const redisCalls = (fields: ReadonlyMap<string, string>): Map<string, number> => {
  const calls = new Map<string, number>()
  for (const [name, value] of fields) {
    if (!name.startsWith("cmdstat_")) continue
    const command = name.slice("cmdstat_".length)
    if (!OWN_COMMANDS.has(command)) calls.set(command, Number(/calls=(\d+)/.exec(value)?.[1] ?? 0))
  }
  return calls
}

const entriesAdded = async (redis: Redis, stream: string): Promise<number> => {
  const info = (await redis.xinfo("STREAM", stream).catch(() => [])) as unknown[]
  const at = info.indexOf("entries-added")
  return at >= 0 ? Number(info[at + 1]) : 0
}

export interface RuntimeBatches {
  readonly batches: number
  readonly entries: number
  readonly batchSeconds: number
  readonly writeSeconds: number
  readonly inboxWaitSeconds: number
  readonly inboxWaits: number
  readonly lateTurns: number
}

/** A turn of the event loop later than this (a bucket bound of SECONDS_BUCKETS) counts as a stall in the report. */
export const LATE_TURN_SECONDS = 0.25

/** The runtimes' published batch count, the entries in them (also what tells a deployment is quiet) and their times. */
export const runtimeBatches = async (redis: Redis, keys: Keys): Promise<RuntimeBatches> => {
  const sums = { batches: 0, entries: 0, batchSeconds: 0, writeSeconds: 0, inboxWaitSeconds: 0, inboxWaits: 0, lateTurns: 0 }
  for (const text of Object.values(await redis.hgetall(keys.stats))) {
    const decoded = decodeRuntimeStats(text)
    if (!decoded.ok) continue
    const stats = decoded.value
    sums.batches += stats.batches
    sums.entries += stats.batch_size.sum
    sums.batchSeconds += stats.batch_seconds.sum
    sums.writeSeconds += stats.snapshot_write_seconds.sum
    sums.inboxWaitSeconds += stats.inbox_wait_seconds?.sum ?? 0
    sums.inboxWaits += stats.inbox_wait_seconds?.count ?? 0
    const delay = stats.event_loop_delay_seconds
    if (delay !== undefined) sums.lateTurns += delay.count - (delay.counts[delay.bounds.indexOf(LATE_TURN_SECONDS)] ?? delay.count)
  }
  return sums
}

const NO_BATCHES: RuntimeBatches = {
  batches: 0,
  entries: 0,
  batchSeconds: 0,
  writeSeconds: 0,
  inboxWaitSeconds: 0,
  inboxWaits: 0,
  lateTurns: 0,
}

/** Names a column of the sampler's own queries, so they are left out of the statement times. */
const OWN_QUERY = "bench_own"

/** A statement as the report names it: its text on one line, cut short. */
const statementName = (query: string): string => query.replace(/\s+/g, " ").trim().slice(0, 90)

const statementTimes = async ({ servers }: Bench): Promise<Map<string, StatementTime>> => {
  const rows = await servers.directSql<{ query: string; calls: string; ms: number }[]>`
    select query, calls::text, total_exec_time as ms from pg_stat_statements
    where query not like ${`%${OWN_QUERY}%`} and query not like '%pg_stat%' and query not like '%pg_current_wal_lsn%'`
  const times = new Map<string, StatementTime>()
  for (const row of rows) {
    const name = statementName(row.query)
    const seen = times.get(name) ?? { calls: 0, ms: 0 }
    times.set(name, { calls: seen.calls + Number(row.calls), ms: seen.ms + row.ms })
  }
  return times
}

const transitionsByEvent = async ({ servers }: Bench, schema: string | undefined): Promise<Map<string, number>> => {
  if (schema === undefined) return new Map()
  const [table] = await servers.directSql<[{ found: string | null }?]>`select to_regclass(${`${schema}.transitions`})::text as found`
  if (!table?.found) return new Map()
  const rows = await servers.directSql<{ name: string; n: number }[]>`
    select kind || ' ' || event as name, count(*)::int as n, 1 as ${servers.directSql(OWN_QUERY)}
    from ${servers.directSql(schema)}.transitions group by 1`
  return new Map(rows.map((row) => [row.name, row.n]))
}

/** Where the next WAL record goes (a VACUUM's records may not be flushed yet when it returns). */
const walInsertPosition = async ({ servers }: Bench): Promise<number> => {
  const [row] = await servers.directSql<[{ wal: string }]>`select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text as wal`
  return Number(row.wal)
}

/** Vacuums every table of `schema` (no other work on the cluster: the deployment's processes have stopped) and
 * measures it: the cluster's CPU and the WAL written. */
export const vacuumCost = async (bench: Bench, schema: string): Promise<VacuumCost> => {
  const sql = bench.servers.directSql
  const tables = await sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = ${schema}`
  const [counted] = await sql<[{ tasks: number }]>`select count(*)::int as tasks from ${sql(schema)}.actors where kind = 'task'`
  const cpuBefore = await treeCpuMs(bench.servers.postmasterPid)
  const walBefore = await walInsertPosition(bench)
  await sql`vacuum ${sql(tables.map(({ name }) => `${schema}.${name}`))}`
  return {
    pgCpuMs: (await treeCpuMs(bench.servers.postmasterPid)) - cpuBefore,
    walBytes: (await walInsertPosition(bench)) - walBefore,
    tasks: counted.tasks,
  }
}

export const sampleCost = async (bench: Bench, target: CostTarget): Promise<CostSample> => {
  const { servers, redis } = bench
  const fields = infoFields(await redis.info("all"))
  const [{ wal, fpi, autovacuums }] = await servers.directSql<[{ wal: string; fpi: string; autovacuums: string }]>`
    select (pg_current_wal_lsn() - '0/0'::pg_lsn)::text as wal, (select wal_fpi from pg_stat_wal)::text as fpi,
      (select coalesce(sum(autovacuum_count + autoanalyze_count), 0) from pg_stat_all_tables)::text as autovacuums`
  const cpu = await Promise.all(target.pids().map(processCpuMs))
  const { keys, partitions = 0 } = target
  const inbox =
    keys === undefined ? [] : await Promise.all(Array.from({ length: partitions }, (_, p) => entriesAdded(redis, keys.partition(p).inbox)))
  const batches = keys === undefined ? NO_BATCHES : await runtimeBatches(redis, keys)
  return {
    redisCalls: redisCalls(fields),
    redisBytesIn: Number(fields.get("total_net_input_bytes") ?? 0),
    redisCpuMs: (Number(fields.get("used_cpu_sys") ?? 0) + Number(fields.get("used_cpu_user") ?? 0)) * 1000,
    pg: await servers.proxy.read(),
    walBytes: Number(wal),
    walFullPages: Number(fpi),
    autovacuums: Number(autovacuums),
    pgCpuMs: await treeCpuMs(servers.postmasterPid),
    pgRowsWritten: await rowsWritten(bench),
    nodeCpuMs: cpu.reduce((sum, ms) => sum + ms, 0),
    benchCpuMs: (await processCpuMs(process.pid)) + (await processCpuMs(servers.proxy.pid)),
    host: await hostCpu(),
    inboxEntries: inbox.reduce((sum, n) => sum + n, 0),
    batches: batches.batches,
    batchEntries: batches.entries,
    batchSeconds: batches.batchSeconds,
    writeSeconds: batches.writeSeconds,
    inboxWaitSeconds: batches.inboxWaitSeconds,
    inboxWaits: batches.inboxWaits,
    lateTurns: batches.lateTurns,
    transitions: await transitionsByEvent(bench, target.schema),
    statements: await statementTimes(bench),
  }
}

const minus = (after: PgTraffic, before: PgTraffic): PgTraffic => ({
  bytesToServer: after.bytesToServer - before.bytesToServer,
  bytesFromServer: after.bytesFromServer - before.bytesFromServer,
  statements: after.statements - before.statements,
  rowsRead: after.rowsRead - before.rowsRead,
})

/** What grew between two counts by name. */
const grown = (before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> => {
  const delta = new Map<string, number>()
  for (const [name, n] of after) {
    const more = n - (before.get(name) ?? 0)
    if (more > 0) delta.set(name, more)
  }
  return delta
}

const statementsGrown = (before: ReadonlyMap<string, StatementTime>, after: ReadonlyMap<string, StatementTime>) => {
  const delta = new Map<string, StatementTime>()
  for (const [name, time] of after) {
    const seen = before.get(name) ?? { calls: 0, ms: 0 }
    if (time.calls > seen.calls) delta.set(name, { calls: time.calls - seen.calls, ms: time.ms - seen.ms })
  }
  return delta
}

/** The cost between two samples. */
export const costBetween = (before: CostSample, after: CostSample): Cost => {
  const redisCallsDelta = grown(before.redisCalls, after.redisCalls)
  return {
    redisCalls: redisCallsDelta,
    redisCommands: [...redisCallsDelta.values()].reduce((sum, n) => sum + n, 0),
    redisBytesIn: after.redisBytesIn - before.redisBytesIn,
    redisCpuMs: after.redisCpuMs - before.redisCpuMs,
    pg: minus(after.pg, before.pg),
    walBytes: after.walBytes - before.walBytes,
    walFullPages: after.walFullPages - before.walFullPages,
    autovacuums: after.autovacuums - before.autovacuums,
    pgCpuMs: after.pgCpuMs - before.pgCpuMs,
    pgRowsWritten: after.pgRowsWritten - before.pgRowsWritten,
    nodeCpuMs: after.nodeCpuMs - before.nodeCpuMs,
    benchCpuMs: after.benchCpuMs - before.benchCpuMs,
    host: {
      busyMs: after.host.busyMs - before.host.busyMs,
      contextSwitches: after.host.contextSwitches - before.host.contextSwitches,
    },
    inboxEntries: after.inboxEntries - before.inboxEntries,
    batches: after.batches - before.batches,
    batchEntries: after.batchEntries - before.batchEntries,
    batchSeconds: after.batchSeconds - before.batchSeconds,
    writeSeconds: after.writeSeconds - before.writeSeconds,
    inboxWaitSeconds: after.inboxWaitSeconds - before.inboxWaitSeconds,
    inboxWaits: after.inboxWaits - before.inboxWaits,
    lateTurns: after.lateTurns - before.lateTurns,
    transitions: grown(before.transitions, after.transitions),
    statements: statementsGrown(before.statements, after.statements),
  }
}
