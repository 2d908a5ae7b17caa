// What /metrics collects at each scrape besides the edge's own counters: the inbox lag of every
// partition (XINFO GROUPS `lag` of the runtime group) and, when a runtime runs in this process, its
// statistics (transitions by kind, outcomes, failures, batch size and batch time histograms).
import type { Redis } from "ioredis"
import { RUNTIME_GROUP, type Keys } from "../../redis/keys.ts"
import type { Runtime } from "../../runtime/runtime.ts"
import type { Metrics } from "../context.ts"

/** What the edge reads of an in-process runtime. */
export type RuntimeView = Pick<Runtime, "stats" | "owned" | "readiness">

/** `[name, value, name, value, ...]` as a record. */
const pairs = (flat: unknown): Record<string, unknown> => {
  const record: Record<string, unknown> = {}
  if (!Array.isArray(flat)) return record
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1]
  return record
}

/** Sets `clawbot_inbox_lag{partition}` for each partition whose inbox and group exist. */
export const collectInboxLag = async (redis: Redis, keys: Keys, partitions: number, metrics: Metrics): Promise<void> => {
  const pipeline = redis.pipeline()
  for (let partition = 0; partition < partitions; partition++) pipeline.xinfo("GROUPS", keys.partition(partition).inbox)
  const results = (await pipeline.exec()) ?? []
  results.forEach(([error, groups], partition) => {
    if (error || !Array.isArray(groups)) return // no inbox yet
    const group = groups.map(pairs).find((candidate) => candidate.name === RUNTIME_GROUP)
    const lag = group?.lag
    if (typeof lag === "number") metrics.set("clawbot_inbox_lag", lag, { partition: String(partition) })
  })
}

/**
 * A collector of the runtime's statistics. Counters mirror the runtime's totals; the histograms take
 * the batches recorded since the previous scrape (the runtime keeps the last 1024 of them).
 */
export const runtimeCollector = (runtime: RuntimeView, metrics: Metrics): (() => void) => {
  let observed = 0
  return () => {
    const { stats } = runtime
    metrics.set("clawbot_runtime_partitions_owned", runtime.owned().length)
    for (const [kind, count] of stats.transitionsByKind) metrics.set("clawbot_runtime_transitions_total", count, { kind })
    const outcomes = { applied: stats.applied, rejected: stats.rejected, redelivered: stats.redelivered, dead_lettered: stats.deadLettered }
    for (const [outcome, count] of Object.entries(outcomes)) metrics.set("clawbot_runtime_commands_total", count, { outcome })
    metrics.set("clawbot_runtime_batches_total", stats.batches)
    metrics.set("clawbot_runtime_failures_total", stats.failures)
    const fresh = Math.min(stats.batches - observed, stats.batchSizes.length)
    for (const size of stats.batchSizes.slice(stats.batchSizes.length - fresh)) metrics.observe("clawbot_runtime_batch_size", size)
    for (const ms of stats.batchMillis.slice(stats.batchMillis.length - fresh)) metrics.observe("clawbot_runtime_batch_seconds", ms / 1000)
    observed = stats.batches
  }
}
