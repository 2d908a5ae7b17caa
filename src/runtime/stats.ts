// Runtime statistics: cumulative counters and histograms that the process publishes for /metrics
// (see publish-stats.ts), and what readiness is judged by (partitions whose last batch or Redis
// step failed and has not succeeded since).
import type { RuntimeStatsSnapshot } from "../schema/runtime-stats.ts"
import { Histogram, SECONDS_BUCKETS, SIZE_BUCKETS } from "./histogram.ts"
import type { StreamEntry } from "../redis/streams.ts"
import type { BatchPlan } from "./plan-batch.ts"

/** How long one applied batch took, in seconds. */
export interface BatchTimes {
  /** Load, plan, the Postgres write and publishing. */
  readonly seconds: number
  /** The one-statement Postgres write alone. */
  readonly writeSeconds: number
}

export class RuntimeStats {
  batches = 0
  entries = 0
  applied = 0
  rejected = 0
  redelivered = 0
  deadLettered = 0
  failures = 0
  readonly transitionsByKind = new Map<string, number>()
  readonly batchSize = new Histogram(SIZE_BUCKETS)
  readonly batchSeconds = new Histogram(SECONDS_BUCKETS)
  readonly snapshotWriteSeconds = new Histogram(SECONDS_BUCKETS)
  readonly inboxWaitSeconds = new Histogram(SECONDS_BUCKETS)
  readonly eventLoopDelaySeconds = new Histogram(SECONDS_BUCKETS)
  private readonly failing = new Map<number, string>()

  batch(partition: number, plan: BatchPlan, times: BatchTimes): void {
    this.recovered(partition)
    this.batches += 1
    const size = plan.ackIds.length + plan.deadLetters.length
    this.entries += size
    this.applied += plan.counts.applied
    this.rejected += plan.counts.rejected
    this.redelivered += plan.counts.redelivered
    this.deadLettered += plan.deadLetters.length
    for (const transition of plan.transitions) {
      this.transitionsByKind.set(transition.kind, (this.transitionsByKind.get(transition.kind) ?? 0) + 1)
    }
    this.batchSize.observe(size)
    this.batchSeconds.observe(times.seconds)
    this.snapshotWriteSeconds.observe(times.writeSeconds)
  }

  /** Entries read for the first time at `nowMs`: how long each waited in its inbox since it was appended (its stream
   * id's time, Redis's clock; a clock behind Redis's counts as no wait). */
  read(entries: ReadonlyArray<StreamEntry>, nowMs: number): void {
    for (const { id } of entries) this.inboxWaitSeconds.observe(Math.max(0, nowMs - Number(id.slice(0, id.indexOf("-")))) / 1000)
  }

  /** A step of the partition's apply loop failed: the partition is failing until one succeeds. */
  failure(partition: number, error: unknown): void {
    this.failures += 1
    this.failing.set(partition, error instanceof Error ? error.message : String(error))
  }

  /** A step of the partition's apply loop succeeded. */
  recovered(partition: number): void {
    this.failing.delete(partition)
  }

  /** Partitions currently failing, with the last error of each. */
  failingPartitions(): ReadonlyMap<number, string> {
    return this.failing
  }

  /** Every counter and histogram so far, as published for /metrics. */
  snapshot(partitionsOwned: number): RuntimeStatsSnapshot {
    return {
      partitions_owned: partitionsOwned,
      batches: this.batches,
      failures: this.failures,
      commands: { applied: this.applied, rejected: this.rejected, redelivered: this.redelivered, dead_lettered: this.deadLettered },
      transitions: Object.fromEntries(this.transitionsByKind),
      batch_size: this.batchSize.data(),
      batch_seconds: this.batchSeconds.data(),
      snapshot_write_seconds: this.snapshotWriteSeconds.data(),
      inbox_wait_seconds: this.inboxWaitSeconds.data(),
      event_loop_delay_seconds: this.eventLoopDelaySeconds.data(),
    }
  }
}
