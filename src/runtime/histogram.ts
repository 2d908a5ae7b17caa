// Cumulative Prometheus-style histograms: fixed bucket upper bounds, the count of observations at
// or below each bound, their sum and count. The runtime's statistics and the edge's registry
// both keep theirs this way, so a runtime's histograms reach /metrics as they are.
import type { HistogramSnapshot } from "../schema/runtime-stats.ts"

/** Bucket bounds for durations in seconds. */
export const SECONDS_BUCKETS: ReadonlyArray<number> = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Bucket bounds for sizes (entries per batch). */
export const SIZE_BUCKETS: ReadonlyArray<number> = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

export class Histogram {
  private readonly counts: number[]
  private sum = 0
  private count = 0

  constructor(private readonly bounds: ReadonlyArray<number>) {
    this.counts = bounds.map(() => 0)
  }

  observe(value: number): void {
    this.bounds.forEach((bound, index) => {
      if (value <= bound) this.counts[index] = (this.counts[index] ?? 0) + 1
    })
    this.sum += value
    this.count += 1
  }

  /** A copy of its state: `counts[i]` observations were at most `bounds[i]`; `count` is the +Inf bucket. */
  data(): HistogramSnapshot {
    return { bounds: [...this.bounds], counts: [...this.counts], sum: this.sum, count: this.count }
  }
}
