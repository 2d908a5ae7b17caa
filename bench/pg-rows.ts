// Replay micro-benchmark of the group-commit statement (docs/performance.md, "Round 10: what a row costs
// Postgres"): group statements captured from a lifecycle run (one JSON line per group, as `encodeGroup` in
// src/store/snapshots.ts builds them) written again through `writeBatches` into scratch schemas of
// DATABASE_URL, one per variant (the project's migrations, then the variant's DDL, e.g. an index dropped, and
// optionally a prefill of completed tasks so the indexes have a realistic size). Each repetition writes the
// capture once more into every variant's schema (in a rotating order, the actors' ids suffixed with the
// repetition so every write lands as it did in the run) and reads the backend's CPU from /proc (the server
// must run on this host) and the statements' wall time; `--explain` instead runs each statement under
// EXPLAIN (ANALYZE, BUFFERS) and sums the time by plan part. Not a test and not part of `npm run bench`.
// The capture: a temporary line in `groupStatement` appending `JSON.stringify(encodeGroup(batches))` to a file
// during `npm run bench -- --only lifecycle` (never committed). bench/README.md, "The group statement alone".
//
//   node --import tsx bench/pg-rows.ts --groups /tmp/pg-groups.jsonl [--reps 7] [--prefill 100000]
//     [--variant base --variant drop:actors_by_age ...] [--explain]
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import postgres from "postgres"
import type { ActorRef } from "../src/store/actor-row.ts"
import { openDb, type Sql } from "../src/store/db.ts"
import { migrate } from "../src/store/migrate.ts"
import { type Batch, type SnapshotWrite, type TransitionWrite, writeBatches } from "../src/store/snapshots.ts"

type Json = Record<string, unknown>
interface EncodedGroup {
  readonly claims: ReadonlyArray<{ p: number; f: number }>
  readonly rows: readonly Json[]
  readonly transitions: readonly Json[]
  readonly purges: readonly Json[]
  readonly assumedNew: readonly Json[]
}

const { values } = parseArgs({
  options: {
    groups: { type: "string", default: "/tmp/pg-groups.jsonl" },
    reps: { type: "string", default: "5" },
    prefill: { type: "string", default: "0" },
    variant: { type: "string", multiple: true, default: ["base"] },
    explain: { type: "boolean", default: false },
  },
})
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const groups: EncodedGroup[] = readFileSync(values.groups, "utf8")
  .split("\n")
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line) as EncodedGroup)

/** The batches of an encoded group, every actor and session id suffixed with `tag` (the inverse of `encodeGroup`). */
const decodeGroup = (group: EncodedGroup, tag: string): Batch[] => {
  const id = (value: unknown) => (typeof value === "string" ? `${value}~${tag}` : null)
  const opt = <T>(value: unknown) => (value === undefined ? null : (value as T))
  const ref = (r: Json): ActorRef => ({ kind: r.k as string, id: id(r.i)! })
  return group.claims.map(({ p, f }) => ({
    partition: p,
    fence: f,
    rows: group.rows
      .filter((r) => r.pt === p)
      .map(
        (r): SnapshotWrite => ({
          kind: r.k as string,
          id: id(r.i)!,
          state: r.s as string,
          snapshot: r.n,
          ...(r.so === undefined ? {} : { storedOnce: r.so }),
          streamId: r.t as string,
          version: r.v as number,
          machineVersion: (r.mv as number | undefined) ?? 1,
          outbox: r.o ?? [],
          sessionId: id(r.se),
          capability: opt(r.c),
          agentId: id(r.a),
          priority: opt(r.p),
          capabilities: opt(r.cs),
          load: opt(r.l),
          freeCapacity: opt(r.f),
          routingScore: opt(r.rs),
          deletedAt: opt(r.d),
          group: opt(r.g),
          index: opt(r.x),
        }),
      ),
    transitions: group.transitions
      .filter((t) => t.pt === p)
      .map(
        (t): TransitionWrite => ({
          kind: t.k as string,
          actorId: id(t.a)!,
          sessionId: id(t.se),
          from: opt(t.f),
          to: t.to as string,
          event: t.e as string,
          streamId: t.t as string,
          at: (t.at as number | undefined) ?? Number((t.t as string).split("-")[0]),
          version: t.v as number,
          patch: t.pa,
          by: opt(t.by),
        }),
      ),
    purges: group.purges.filter((r) => r.pt === p).map(ref),
    assumedNew: group.assumedNew.filter((r) => r.pt === p).map(ref),
  }))
}

/**
 * DDL run after the migrations: `base` nothing, `drop:<index>` drops one index, `sql:<text>` any statement; and
 * `text:<from>=><to>` (with `--explain` only) nothing, the statement's text rewritten instead.
 */
const variantDdl = (variant: string): string =>
  variant === "base" || variant.startsWith("text:")
    ? ""
    : variant.startsWith("drop:")
      ? `drop index ${variant.slice(5)}`
      : variant.startsWith("sql:")
        ? variant.slice(4)
        : (() => {
            throw new Error(`variant ${variant}: expected base, drop:<index>, sql:<statement> or text:<from>=><to>`)
          })()

/** Completed tasks (a tenth in sessions of 100, each assigned to one of 64 agents) with one history row each. */
const prefill = async (sql: Sql, tasks: number) => {
  if (tasks === 0) return
  await sql`
    insert into actors (kind, id, state, snapshot, stream_id, stream_ms, stream_seq, fence, version, session_id, capability,
      agent_id, priority, created_at, updated_at, state_since)
    select 'task', 'pre-' || g, 'completed', '{"value":"completed","context":{}}', '1-' || g, 1, g, 0, 4,
      case when g % 10 = 0 then 'pre-session-' || (g / 1000) end, 'cap-' || (g % 4), 'pre-agent-' || (g % 64), 2,
      now() - interval '1 day' + g * interval '1 ms', now() - interval '1 day' + g * interval '1 ms',
      now() - interval '1 day' + g * interval '1 ms'
    from generate_series(1, ${tasks}) g`
  await sql`
    insert into transitions (kind, actor_id, session_id, from_state, to_state, event, stream_id, stream_ms, stream_seq, at, version, patch)
    select kind, id, session_id, 'in_progress', state, 'COMPLETE', stream_id, stream_ms, stream_seq, updated_at, version, '{}'
    from actors`
  await sql`vacuum analyze actors`
  await sql`vacuum analyze transitions`
}

/** The CPU time a process has used, in ms at ns resolution (/proc/<pid>/schedstat: its first field). */
const cpuMs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6

interface Measured {
  cpuMs: number
  /** Per statement: rows written (actor rows + transitions) and backend CPU ms. */
  samples: Array<[[number, number], number]>
  wallMs: number
  statements: number
  rows: number
  transitions: number
}

const statTables = async (sql: Sql) => {
  await sql`select pg_stat_force_next_flush()`
  await sql`select pg_stat_clear_snapshot()`
  return sql<{ relname: string; upd: string; hot: string; ins: string }[]>`
    select relname, n_tup_upd::text as upd, n_tup_hot_upd::text as hot, n_tup_ins::text as ins
    from pg_stat_user_tables where schemaname = current_schema()`
}

/** Writes the whole capture once into `sql`'s schema (ids tagged `tag`), one `writeBatches` call per group. */
const replay = async (sql: Sql, pid: number, tag: string): Promise<Measured> => {
  const decoded = groups.map((group) => decodeGroup(group, tag))
  const samples: Array<[[number, number], number]> = []
  let wallMs = 0
  for (const [at, batches] of decoded.entries()) {
    const cpu = cpuMs(pid)
    const started = performance.now()
    await writeBatches(sql, batches)
    wallMs += performance.now() - started
    samples.push([[groups[at]!.rows.length, groups[at]!.transitions.length], cpuMs(pid) - cpu])
  }
  return {
    cpuMs: samples.reduce((sum, [, ms]) => sum + ms, 0),
    samples,
    wallMs,
    statements: decoded.length,
    rows: decoded.flat().reduce((n, b) => n + b.rows.length, 0),
    transitions: decoded.flat().reduce((n, b) => n + b.transitions.length, 0),
  }
}

interface PlanNode {
  "Node Type": string
  "Subplan Name"?: string
  "Relation Name"?: string
  "Function Name"?: string
  "Actual Total Time"?: number
  "Actual Loops"?: number
  Plans?: PlanNode[]
}

interface ExplainOutput {
  readonly Plan: PlanNode
  readonly "Planning Time": number
  readonly "Execution Time": number
  readonly Triggers?: Json[]
}

/**
 * Each plan node's own time (inclusive minus its children's), keyed by the CTE it belongs to and its node, into
 * `nodes` and by CTE into `parts`. A CTE Scan's time is the CTE's own execution (counted in the CTE's nodes), so
 * it counts as none of its own.
 */
const exclusiveTimes = (node: PlanNode, cte: string, nodes: Map<string, number>, parts: Map<string, number>): number => {
  const inclusive = (node["Actual Total Time"] ?? 0) * (node["Actual Loops"] ?? 1)
  const part = node["Subplan Name"] ?? cte
  const children = (node.Plans ?? []).reduce((sum, child) => sum + exclusiveTimes(child, part, nodes, parts), 0)
  const own = node["Node Type"] === "CTE Scan" ? 0 : Math.max(0, inclusive - children)
  const name = `${part} | ${node["Node Type"]}${node["Relation Name"] ? ` ${node["Relation Name"]}` : ""}${node["Function Name"] ? ` ${node["Function Name"]}` : ""}`
  nodes.set(name, (nodes.get(name) ?? 0) + own)
  parts.set(part, (parts.get(part) ?? 0) + own)
  return inclusive
}

/** Writes the capture into `capture` and runs every statement it sent under EXPLAIN ANALYZE into `explained`. */
const explainReplay = async (variant: string) => {
  const a = await scratch(variant, 0)
  const b = await scratch(variant, 0)
  try {
    printExplained(variant, await explainAll(variant, a.schema, b.db.sql))
  } finally {
    await a.drop()
    await b.drop()
  }
}

interface Explained {
  /** Each plan node's own time (ms), by `<CTE> | <node>`, and by CTE (with the triggers'). */
  readonly nodes: Map<string, number>
  readonly parts: Map<string, number>
  planning: number
  execution: number
  /** Per statement: rows written and execution ms. */
  readonly samples: Array<[[number], number]>
}

/** Writes every group into `captureSchema` and runs the statement it sent under EXPLAIN ANALYZE on `explained`. */
const explainAll = async (variant: string, captureSchema: string, explained: Sql): Promise<Explained> => {
  const [from, to] = variant.startsWith("text:") ? variant.slice(5).split("=>") : []
  const rewrite = (text: string) => {
    if (from === undefined || to === undefined) return text
    // A part only some statements carry (the clash check, the erasing) is rewritten where it is.
    return text.replaceAll(from, to)
  }
  const statements: { text: string; parameters: unknown[]; types: number[] }[] = []
  const capture = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, text, parameters, types) => {
      // called again after a describe, with the parameters serialized in place: the first call's copy is kept
      if (text.includes("partition_fences")) statements.push({ text, parameters: structuredClone(parameters), types: [...types] })
    },
  })
  const result: Explained = { nodes: new Map(), parts: new Map(), planning: 0, execution: 0, samples: [] }
  try {
    await capture`set search_path to ${capture(captureSchema)}`
    for (const group of groups) {
      await writeBatches(capture as unknown as Sql, decodeGroup(group, "x"))
      const { text, parameters, types } = statements[0]!
      statements.length = 0
      const typed = parameters.map((value, i) => explained.typed(value as never, types[i]!))
      const [row] = await explained.unsafe<[{ "QUERY PLAN": ExplainOutput[] }]>(
        `explain (analyze, buffers, format json) ${rewrite(text)}`,
        typed as never[],
      )
      const [plan] = row["QUERY PLAN"]
      result.planning += plan!["Planning Time"]
      result.execution += plan!["Execution Time"]
      result.samples.push([[group.rows.length + group.transitions.length], plan!["Execution Time"]])
      exclusiveTimes(plan!.Plan, "main", result.nodes, result.parts)
      for (const trigger of plan!.Triggers ?? []) {
        const name = `trigger ${trigger["Trigger Name"] as string}`
        result.parts.set(name, (result.parts.get(name) ?? 0) + (trigger.Time as number))
      }
    }
    return result
  } finally {
    await capture.end()
  }
}

const printExplained = (variant: string, { nodes, parts, planning, execution, samples }: Explained) => {
  const rows = groups.reduce((n, g) => n + g.rows.length, 0)
  const transitions = groups.reduce((n, g) => n + g.transitions.length, 0)
  console.log(`explain ${variant}: ${groups.length} statements, ${rows} actor rows, ${transitions} transitions`)
  const [fixed = 0, perRow = 0] = leastSquares(samples)
  console.log(`  execution per statement ≈ ${fixed.toFixed(3)} ms + ${(perRow * 1000).toFixed(1)} us per row written (least squares)`)
  console.log(
    `  planning ${(planning / groups.length).toFixed(3)} ms, execution ${(execution / groups.length).toFixed(3)} ms per statement`,
  )
  const line = ([name, ms]: [string, number]) =>
    console.log(
      `  ${((ms * 1000) / groups.length).toFixed(0).padStart(6)} us/statement ${((100 * ms) / execution).toFixed(1).padStart(5)}%  ${name}`,
    )
  for (const part of [...parts].sort((x, y) => y[1] - x[1])) line(part)
  console.log("  by node:")
  for (const node of [...nodes].sort((x, y) => y[1] - x[1]).filter(([, ms]) => ms >= execution / 200)) line(node)
}

/** The least-squares fit y ≈ c + k1·x1 + k2·x2 + … over `samples` ([[x1, x2, …], y]): [c, k1, k2, …]. */
const leastSquares = (samples: ReadonlyArray<readonly [readonly number[], number]>): number[] => {
  // the normal equations (XᵀX)·b = Xᵀy, solved by Gaussian elimination with partial pivoting
  const rows = samples.map(([xs, y]) => [1, ...xs, y])
  const n = rows[0]!.length - 1
  const m = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) => rows.reduce((sum, row) => sum + row[i]! * row[j]!, 0)),
  )
  for (let col = 0; col < n; col++) {
    const pivot = m.slice(col).reduce((best, row, at) => (Math.abs(row[col]!) > Math.abs(m[best]![col]!) ? col + at : best), col)
    ;[m[col], m[pivot]] = [m[pivot]!, m[col]!]
    for (let row = 0; row < n; row++) {
      if (row === col) continue
      const f = m[row]![col]! / m[col]![col]!
      for (let j = col; j <= n; j++) m[row]![j]! -= f * m[col]![j]!
    }
  }
  return m.map((row, i) => row[n]! / row[i]!)
}

/** A migrated schema of its own with the variant's DDL applied and `tasks` completed tasks prefilled. */
const scratch = async (variant: string, tasks: number) => {
  const schema = `pgrows_${randomUUID().replaceAll("-", "").slice(0, 12)}`
  const db = await openDb({ url, schema, max: 1 })
  await migrate(db.sql)
  const ddl = variantDdl(variant)
  if (ddl !== "") await db.sql.unsafe(ddl)
  await prefill(db.sql, tasks)
  const [{ pid }] = await db.sql<[{ pid: number }]>`select pg_backend_pid() as pid`
  return {
    schema,
    db,
    pid,
    drop: async () => {
      await db.sql`drop schema ${db.sql(schema)} cascade`
      await db.close()
    },
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

/** Replays the capture `reps` times into a schema per variant, in a rotating order, and prints the table. */
const timeReplay = async (variants: readonly string[], reps: number, tasks: number) => {
  const schemas = await Promise.all(variants.map((variant) => scratch(variant, tasks)))
  try {
    await printTimes(variants, reps, await timeAll(variants, reps, schemas), schemas)
  } finally {
    for (const schema of schemas) await schema.drop()
  }
}

type Scratch = Awaited<ReturnType<typeof scratch>>

const timeAll = async (variants: readonly string[], reps: number, schemas: readonly Scratch[]) => {
  const results = new Map<string, Measured[]>(variants.map((v) => [v, []]))
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < variants.length; k++) {
      const at = (k + rep) % variants.length
      results.get(variants[at]!)!.push(await replay(schemas[at]!.db.sql, schemas[at]!.pid, `r${rep}`))
    }
    process.stderr.write(`rep ${rep + 1}/${reps}\n`)
  }
  return results
}

const printTimes = async (variants: readonly string[], reps: number, results: Map<string, Measured[]>, schemas: readonly Scratch[]) => {
  const base = results.get(variants[0]!)!
  console.log(
    `${groups.length} statements, ${base[0]!.rows} actor rows, ${base[0]!.transitions} transitions per replay; medians of ${reps}`,
  )
  console.log(
    "| variant | backend CPU ms/statement | wall ms/statement | µs CPU per row written | fit: ms/statement + µs/row | fit: µs/actor row / µs/history row | actors upd / HOT | plans generic / custom |",
  )
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  for (const [at, variant] of variants.entries()) {
    const runs = results.get(variant)!
    const written = runs[0]!.rows + runs[0]!.transitions
    const cpu = median(runs.map((r) => r.cpuMs))
    const stats = await statTables(schemas[at]!.db.sql)
    const actors = stats.find((s) => s.relname === "actors")
    // custom plans are planned at every execution; a generic one once (plan_cache_mode = auto picks after five)
    const plans = await schemas[at]!.db.sql<{ generic: string; custom: string }[]>`
      select sum(generic_plans)::text as generic, sum(custom_plans)::text as custom from pg_prepared_statements
      where statement like '%partition_fences%'`
    const samples = runs.flatMap((r) => r.samples)
    const [fixed = 0, perRow = 0] = leastSquares(samples.map(([[actors, history], ms]) => [[actors + history], ms]))
    const [, perActor = 0, perHistory = 0] = leastSquares(samples)
    console.log(
      `| ${variant} | ${(cpu / runs[0]!.statements).toFixed(3)} | ${(median(runs.map((r) => r.wallMs)) / runs[0]!.statements).toFixed(3)} | ${((1000 * cpu) / written).toFixed(1)} | ${fixed.toFixed(3)} + ${(perRow * 1000).toFixed(1)} | ${(perActor * 1000).toFixed(1)} / ${(perHistory * 1000).toFixed(1)} | ${actors?.upd} / ${actors?.hot} | ${plans[0]?.generic} / ${plans[0]?.custom} |`,
    )
  }
}

if (values.explain) for (const variant of values.variant) await explainReplay(variant)
else await timeReplay(values.variant, Number(values.reps), Number(values.prefill))
