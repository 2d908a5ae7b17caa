// Runtime statistics: what /metrics reports and what readiness is judged by (partitions
// whose last batch or Redis step failed and has not succeeded since).
import type { BatchPlan } from "./plan-batch.ts"

export class RuntimeStats {
  batches = 0
  entries = 0
  applied = 0
  rejected = 0
  redelivered = 0
  deadLettered = 0
  failures = 0
  readonly transitionsByKind = new Map<string, number>()
  /** Batch sizes and batch durations (ms), for histograms. */
  readonly batchSizes: number[] = []
  readonly batchMillis: number[] = []
  private readonly failing = new Map<number, string>()

  batch(partition: number, plan: BatchPlan, millis: number): void {
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
    keepLast(this.batchSizes, size)
    keepLast(this.batchMillis, millis)
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
}

const WINDOW = 1024
const keepLast = (values: number[], value: number) => {
  values.push(value)
  if (values.length > WINDOW) values.shift()
}
