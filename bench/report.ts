// What a scenario reports and how it is printed: per side its outcome (tasks, wall time,
// latencies) and cost; a comparison table per pair Clawbot / BullMQ with the ratio of each
// metric, rendered as aligned text for the terminal and as Markdown for bench/results/latest.md.
import { availableParallelism } from "node:os"
import { type Cost, LATE_TURN_SECONDS } from "./support/cost.ts"

/** A timed task: the epoch ms of its submit, and its latency in ms. */
export type Timed = readonly [submittedAt: number, latencyMs: number]

/** What one system did in one measured run. */
export interface Outcome {
  readonly tasks: number
  /** Tasks durably completed at the end (Postgres rows / BullMQ's completed set). */
  readonly completed: number
  /** First submit → last durable completion (or → giving up, when incomplete). */
  readonly wallMs: number
  /** Per task, ms, where the scenario times single tasks but not their submits; see `latenciesOf`. */
  readonly latencies?: ReadonlyArray<number>
  /** Per task, the epoch ms of its submit and its latency, where the scenario knows both (see `p99BySecond`). */
  readonly timed?: ReadonlyArray<Timed>
  readonly cost: Cost
  /** Why it did not complete (a timeout, a process that died). */
  readonly failure?: string
}

export interface Side {
  readonly label: string
  readonly outcome: Outcome
}

/** A scenario's failures: each side that did not durably complete all its tasks, and why. */
export const failuresOf = (sides: ReadonlyArray<Side>): string[] =>
  sides
    .filter(({ outcome }) => outcome.failure !== undefined || outcome.completed < outcome.tasks)
    .map(
      ({ label, outcome }) =>
        `${label}: ${outcome.completed} of ${outcome.tasks} tasks durably completed${outcome.failure === undefined ? "" : ` (${outcome.failure})`}`,
    )

export interface Table {
  readonly title: string
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

export interface ScenarioReport {
  readonly name: string
  readonly headline: string
  readonly tables: ReadonlyArray<Table>
  readonly notes: ReadonlyArray<string>
  /** Why the scenario did not complete; empty when it did. */
  readonly failures: ReadonlyArray<string>
  /** The figures the scenario is judged by; over several rounds, the summary gives each one's median (rounds.ts). */
  readonly figures: ReadonlyArray<Figure>
}

/** One key figure of a run, with the target issue 7 sets for it when it sets one. */
export interface Figure {
  readonly label: string
  readonly value: number
  readonly digits: number
  readonly goal?: Goal
}

/** A target: the figure at least, or at most, this value. */
export type Goal = { readonly atLeast: number } | { readonly atMost: number } | { readonly within: readonly [number, number] }

/** Whether `value` reaches `goal`. */
export const reaches = (value: number, goal: Goal): boolean =>
  "atLeast" in goal ? value >= goal.atLeast : "atMost" in goal ? value <= goal.atMost : value >= goal.within[0] && value <= goal.within[1]

/** The label of a side's bytes to Redis and Postgres a task (pairFigures'; targets.ts compares two of them). */
export const bytesLabel = (side: string): string => `${side} bytes to Redis + Postgres a task`

/** Nearest-rank percentile of already sorted values. */
const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN

export const fixed = (value: number, digits = 0): string => {
  if (!Number.isFinite(value)) return "n/a"
  return digits === 0 && Math.abs(value) >= 10_000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits)
}

/** Per task durably completed: the tasks submitted when the run completed, the work actually done when it did not. */
export const perTask = (outcome: Outcome, value: number): number => value / Math.max(1, outcome.completed)

/** Per task whose rows a deployment's VACUUM went through (`VacuumCost`); n/a when it was not measured. */
const vacuumPerTask =
  (what: "pgCpuMs" | "walBytes") =>
  ({ cost: { vacuum } }: Outcome): number =>
    vacuum === undefined ? Number.NaN : vacuum[what] / Math.max(1, vacuum.tasks)

/** One metric: its label, how to read it from a side, the digits to print; `clawbotOnly` leaves the peer blank. */
interface Metric {
  readonly label: string
  readonly value: (outcome: Outcome) => number
  readonly digits: number
  readonly clawbotOnly?: boolean
}

/** The outcome's latencies in ms (`latencies`, else those of `timed`); undefined when the scenario timed no task. */
export const latenciesOf = (outcome: Outcome): ReadonlyArray<number> | undefined => outcome.latencies ?? outcome.timed?.map(([, ms]) => ms)

const latency = (p: number | "max") => (outcome: Outcome) => {
  const latencies = latenciesOf(outcome)
  if (latencies === undefined) return Number.NaN
  const sorted = [...latencies].sort((a, b) => a - b)
  return p === "max" ? (sorted.at(-1) ?? Number.NaN) : percentile(sorted, p)
}

/** The latency p99 of the tasks submitted in each second of a run (from its first submit; the last second takes in the
 * submits at its very end): steady when the offered rate is carried, growing with a backlog. */
export const p99BySecond = (timed: ReadonlyArray<Timed>): number[] => {
  if (timed.length === 0) return []
  const submits = timed.map(([at]) => at)
  const first = submits.reduce((a, b) => Math.min(a, b))
  const last = submits.reduce((a, b) => Math.max(a, b))
  const seconds = Math.max(1, Math.ceil((last - first) / 1000))
  const buckets = Array.from({ length: seconds }, (): number[] => [])
  for (const [at, ms] of timed) buckets[Math.min(seconds - 1, Math.floor((at - first) / 1000))]!.push(ms)
  return buckets.map((bucket) =>
    percentile(
      [...bucket].sort((a, b) => a - b),
      99,
    ),
  )
}

/** The sides' `p99BySecond`, as a note: `latency p99 by second of submit (ms): clawbot 12, 15, …; bullmq 3.1, …`. */
export const p99BySecondNote = (sides: ReadonlyArray<Side>): string =>
  `latency p99 by second of submit (ms): ${sides
    .map(
      ({ label, outcome }) =>
        `${label} ${
          p99BySecond(outcome.timed ?? [])
            .map((ms) => fixed(ms, ms < 100 ? 1 : 0))
            .join(", ") || "n/a"
        }`,
    )
    .join("; ")}`

/** Tasks durably completed per second of wall time. */
export const throughput = (outcome: Outcome): number => (outcome.completed * 1000) / outcome.wallMs

/** Bytes sent to Redis and to Postgres per task. */
export const storeBytes = (outcome: Outcome): number => perTask(outcome, outcome.cost.redisBytesIn + outcome.cost.pg.bytesToServer)

const OUTCOME: ReadonlyArray<Metric> = [
  { label: "tasks completed (durable)", value: (o) => o.completed, digits: 0 },
  { label: "wall time (ms)", value: (o) => o.wallMs, digits: 0 },
  { label: "throughput (tasks/s)", value: throughput, digits: 0 },
]

const LATENCY: ReadonlyArray<Metric> = [
  { label: "latency p50 (ms)", value: latency(50), digits: 1 },
  { label: "latency p99 (ms)", value: latency(99), digits: 1 },
  { label: "latency max (ms)", value: latency("max"), digits: 1 },
]

const COST: ReadonlyArray<Metric> = [
  { label: "per task: inbox entries", value: (o) => perTask(o, o.cost.inboxEntries), digits: 1, clawbotOnly: true },
  { label: "per task: Redis commands", value: (o) => perTask(o, o.cost.redisCommands), digits: 1 },
  { label: "per task: bytes to Redis", value: (o) => perTask(o, o.cost.redisBytesIn), digits: 0 },
  { label: "per task: Postgres statements", value: (o) => perTask(o, o.cost.pg.statements), digits: 1, clawbotOnly: true },
  { label: "per task: Postgres rows written", value: (o) => perTask(o, o.cost.pgRowsWritten), digits: 1, clawbotOnly: true },
  { label: "per task: Postgres rows returned", value: (o) => perTask(o, o.cost.pg.rowsRead), digits: 1, clawbotOnly: true },
  { label: "per task: bytes to Postgres", value: (o) => perTask(o, o.cost.pg.bytesToServer), digits: 0, clawbotOnly: true },
  { label: "per task: bytes from Postgres", value: (o) => perTask(o, o.cost.pg.bytesFromServer), digits: 0, clawbotOnly: true },
  { label: "per task: bytes to Redis + Postgres", value: storeBytes, digits: 0 },
  { label: "per task: Postgres WAL bytes", value: (o) => perTask(o, o.cost.walBytes), digits: 0, clawbotOnly: true },
  { label: "per task: Postgres WAL full-page images", value: (o) => perTask(o, o.cost.walFullPages), digits: 2, clawbotOnly: true },
  { label: "per task: node CPU ms (runtime / worker)", value: (o) => perTask(o, o.cost.nodeCpuMs), digits: 2 },
  { label: "per task: Redis CPU ms", value: (o) => perTask(o, o.cost.redisCpuMs), digits: 2 },
  { label: "per task: Postgres CPU ms", value: (o) => perTask(o, o.cost.pgCpuMs), digits: 2, clawbotOnly: true },
  { label: "Postgres autovacuum and autoanalyze runs", value: (o) => o.cost.autovacuums, digits: 0, clawbotOnly: true },
  // Not in the rates above: autovacuum does it later. A lower bound of what it costs a long-lived deployment, whose
  // vacuums also scan its indexes whole, however few rows died since the last one; its analyzes are not in it either
  // (docs/performance.md, round 39).
  { label: "per task: Postgres CPU ms of a VACUUM after the run", value: vacuumPerTask("pgCpuMs"), digits: 2, clawbotOnly: true },
  { label: "per task: Postgres WAL bytes of that VACUUM", value: vacuumPerTask("walBytes"), digits: 0, clawbotOnly: true },
  { label: "per task: host CPU ms (every process)", value: (o) => perTask(o, o.cost.host.busyMs), digits: 2 },
  { label: "per task: the bench's own CPU ms (load, bots, proxy)", value: (o) => perTask(o, o.cost.benchCpuMs), digits: 2 },
  { label: "per task: host context switches", value: (o) => perTask(o, o.cost.host.contextSwitches), digits: 1 },
  // Over the run's wall time (the cost's samples also take in the moments before and after it: a little more).
  { label: "host cores busy (% of the run)", value: (o) => (100 * o.cost.host.busyMs) / (availableParallelism() * o.wallMs), digits: 0 },
  { label: "runtime batches", value: (o) => o.cost.batches, digits: 0, clawbotOnly: true },
  { label: "runtime entries per batch", value: (o) => o.cost.batchEntries / o.cost.batches, digits: 1, clawbotOnly: true },
  {
    label: "runtime inbox wait, mean ms",
    value: (o) => (1000 * o.cost.inboxWaitSeconds) / o.cost.inboxWaits,
    digits: 1,
    clawbotOnly: true,
  },
  { label: "runtime batch time, mean ms", value: (o) => (1000 * o.cost.batchSeconds) / o.cost.batches, digits: 1, clawbotOnly: true },
  { label: "runtime Postgres write, mean ms", value: (o) => (1000 * o.cost.writeSeconds) / o.cost.batches, digits: 1, clawbotOnly: true },
  { label: `runtime event-loop stalls (> ${LATE_TURN_SECONDS * 1000} ms)`, value: (o) => o.cost.lateTurns, digits: 0, clawbotOnly: true },
]

/** One table: a column per side and, after each Clawbot/BullMQ pair, their ratio. */
export const comparisonTable = (title: string, pairs: ReadonlyArray<readonly [Side, Side]>, timed: boolean): Table => {
  const metrics = [...OUTCOME, ...(timed ? LATENCY : []), ...COST]
  const columns = ["", ...pairs.flatMap(([ours, theirs]) => [ours.label, theirs.label, "ratio"])]
  const rows = metrics.map((metric) => [
    metric.label,
    ...pairs.flatMap(([ours, theirs]) => {
      const a = metric.value(ours.outcome)
      if (metric.clawbotOnly) return [fixed(a, metric.digits), "", ""]
      const b = metric.value(theirs.outcome)
      return [fixed(a, metric.digits), fixed(b, metric.digits), fixed(a / b, 3)]
    }),
  ])
  return { title, columns, rows }
}

/** A figure with its goal when there is one. */
export const aimed = (figure: Figure, goal: Goal | undefined): Figure => (goal === undefined ? figure : { ...figure, goal })

/** A Clawbot/peer pair's key figures: both throughputs and their ratio, and what a Clawbot task cost; `goals` for the
 * ratio and the bytes when the scenario has targets for them. */
export const pairFigures = (
  [ours, theirs]: readonly [Side, Side],
  goals: { readonly ratio?: Goal; readonly bytes?: Goal } = {},
): Figure[] => [
  { label: `${ours.label} tasks/s`, value: throughput(ours.outcome), digits: 0 },
  { label: `${theirs.label} tasks/s`, value: throughput(theirs.outcome), digits: 0 },
  aimed(
    { label: `throughput ratio ${ours.label} / ${theirs.label}`, value: throughput(ours.outcome) / throughput(theirs.outcome), digits: 3 },
    goals.ratio,
  ),
  { label: `${ours.label} node CPU ms a task`, value: perTask(ours.outcome, ours.outcome.cost.nodeCpuMs), digits: 2 },
  aimed({ label: bytesLabel(ours.label), value: storeBytes(ours.outcome), digits: 0 }, goals.bytes),
]

/** A side's p99 latency as a key figure. */
export const p99Figure = (side: Side, goal?: Goal): Figure =>
  aimed({ label: `${side.label} latency p99 (ms)`, value: latency(99)(side.outcome), digits: 1 }, goal)

/** Clawbot's recorded transitions per task by actor kind and event: what the inbox entries were spent on
 * (a task needs one of each of task CREATE, ASSIGN, START, COMPLETE; an agent RELEASE only when its slot cannot go to
 * the next task, an agent RESERVE only when the agent asks for work). */
export const transitionsPerTask = (side: Side): string => {
  const counts = [...side.outcome.cost.transitions].sort(([a], [b]) => a.localeCompare(b))
  return `${side.label} transitions per task: ${counts.map(([name, n]) => `${name} ${fixed(perTask(side.outcome, n), 2)}`).join(", ")}`
}

/** The statements that took Postgres' execution time, with their share of it, their calls per task and their mean time. */
export const topStatements = (side: Side, count = 3): string => {
  const times = [...side.outcome.cost.statements].sort(([, a], [, b]) => b.ms - a.ms)
  const total = times.reduce((sum, [, time]) => sum + time.ms, 0)
  const top = times.slice(0, count).map(([name, time]) => {
    const share = total > 0 ? Math.round((100 * time.ms) / total) : 0
    const each = time.calls > 0 ? time.ms / time.calls : 0
    return `${share}% (${fixed(perTask(side.outcome, time.calls), 2)} calls per task, ${fixed(each, 2)} ms a call) \`${name}…\``
  })
  return `${side.label} Postgres execution time: ${top.join("; ")}`
}

/** The Redis commands a side sent most, per task. */
export const topCommands = (side: Side, count = 6): string => {
  const calls = [...side.outcome.cost.redisCalls].sort(([, a], [, b]) => b - a).slice(0, count)
  return `${side.label} Redis commands per task: ${calls.map(([name, n]) => `${name} ${fixed(perTask(side.outcome, n), 2)}`).join(", ")}`
}

export const renderText = (table: Table): string => {
  const widths = table.columns.map((column, i) => Math.max(column.length, ...table.rows.map((row) => (row[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ")}`
  return [table.title, line(table.columns), ...table.rows.map(line)].join("\n")
}

export const renderMarkdown = (table: Table): string =>
  [
    `**${table.title}**`,
    "",
    `| ${table.columns.join(" | ")} |`,
    `| ${table.columns.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...table.rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n")
