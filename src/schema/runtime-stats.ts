// The statistics a runtime process publishes to Redis (`<prefix>:stats`, field = its member id) on
// each keep-alive tick, and every edge decodes at /metrics: cumulative counters, partitions owned
// and cumulative histograms (bucket bounds, counts at or below each, sum, count).
import { Schema } from "effect"
import { decodeOr, parseJsonInput, type Decoded } from "./errors.ts"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

export const HistogramSnapshot = Schema.Struct({
  bounds: Schema.Array(Schema.Finite),
  counts: Schema.Array(Count),
  sum: Schema.Finite,
  count: Count,
})
  .check(Schema.makeFilter((histogram) => histogram.counts.length === histogram.bounds.length, { expected: "one count per bound" }))
  .annotate({ identifier: "HistogramSnapshot" })
export type HistogramSnapshot = typeof HistogramSnapshot.Type

export const RuntimeStatsSnapshot = Schema.Struct({
  partitions_owned: Count,
  batches: Count,
  failures: Count,
  /** Inbox entries handled, by outcome. */
  commands: Schema.Struct({ applied: Count, rejected: Count, redelivered: Count, dead_lettered: Count }),
  /** Transitions applied, by actor kind. */
  transitions: Schema.Record(Schema.String, Count),
  /** Entries per batch. */
  batch_size: HistogramSnapshot,
  /** Load, plan, the Postgres write and publishing, per batch. */
  batch_seconds: HistogramSnapshot,
  /** The batch's one-statement Postgres write alone. */
  snapshot_write_seconds: HistogramSnapshot,
  /** Per entry read for the first time: from its append to its read. Absent from runtimes before it was kept. */
  inbox_wait_seconds: Schema.optionalKey(HistogramSnapshot),
  /** How late the process's event loop turned, per tenth of a second (event-loop-stalls.ts). Absent from runtimes
   * before it was kept. */
  event_loop_delay_seconds: Schema.optionalKey(HistogramSnapshot),
}).annotate({ identifier: "RuntimeStatsSnapshot" })
export type RuntimeStatsSnapshot = typeof RuntimeStatsSnapshot.Type

/** Decodes one published value (JSON text); a failure names the first failing field. */
export function decodeRuntimeStats(text: string): Decoded<RuntimeStatsSnapshot> {
  const parsed = parseJsonInput(text)
  return parsed.ok ? decodeOr(RuntimeStatsSnapshot, parsed.value) : parsed
}
