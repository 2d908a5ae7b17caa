// Benchmark arithmetic and printing: a run's throughput and latency percentiles from its
// per-job times, and the side-by-side table with the ratio Clawbot / peer for each metric.

/** What one system did in one scenario. */
export interface Measurement {
  readonly jobs: number
  readonly wallMs: number
  /** Per job, in ms (submit → complete, or call → answer). */
  readonly latencies: ReadonlyArray<number>
}

export interface Summary {
  readonly jobs: number
  readonly wallMs: number
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
}

/** Nearest-rank percentile of already sorted values. */
const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN

export const summarize = ({ jobs, wallMs, latencies }: Measurement): Summary => {
  const sorted = [...latencies].sort((a, b) => a - b)
  return { jobs, wallMs, perSecond: (jobs * 1000) / wallMs, p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a")

/** Prints the two summaries side by side with `ours / theirs` per metric. */
export const printComparison = (title: string, unit: string, ours: Summary, theirs: Summary, peer: string): void => {
  const rows: [string, number, number, number][] = [
    ["wall time (ms)", ours.wallMs, theirs.wallMs, 0],
    [`throughput (${unit}/s)`, ours.perSecond, theirs.perSecond, 0],
    ["latency p50 (ms)", ours.p50, theirs.p50, 1],
    ["latency p99 (ms)", ours.p99, theirs.p99, 1],
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log(`\n${title}  (${ours.jobs} ${unit} each)`)
  console.log(`  ${"".padEnd(width)}  ${"clawbot".padStart(10)}  ${peer.padStart(10)}  ${"clawbot/" + peer}`)
  for (const [label, a, b, digits] of rows) {
    console.log(`  ${label.padEnd(width)}  ${fixed(a, digits).padStart(10)}  ${fixed(b, digits).padStart(10)}  ${fixed(a / b, 3).padStart(8)}`)
  }
}
