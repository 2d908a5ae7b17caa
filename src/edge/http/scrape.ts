// What /metrics collects at each scrape besides the edge's own counters: the inbox lag of every
// partition (XINFO GROUPS `lag` of the runtime group) and the statistics every live runtime process
// published to `<prefix>:stats` (transitions by kind, outcomes, failures, partitions owned, batch
// size, batch time, snapshot write, inbox wait and event-loop delay histograms), one series per member.
import type { Redis } from "ioredis"
import type { Logger } from "../../log.ts"
import { RUNTIME_GROUP, type Keys } from "../../redis/keys.ts"
import { keyed } from "../../redis/streams.ts"
import { decodeRuntimeStats, type RuntimeStatsSnapshot } from "../../schema/runtime-stats.ts"
import type { Metrics } from "../context.ts"
import { RUNTIME_METRICS_PREFIX, type MetricsRegistry } from "../metrics.ts"

/** `[name, value, name, value, ...]` as a record. */
const pairs = (flat: unknown): Record<string, unknown> => {
  const record: Record<string, unknown> = {}
  if (!Array.isArray(flat)) return record
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1]
  return record
}

/** Sets `clawbot_inbox_lag{partition}` for each partition whose inbox and group exist. */
export const collectInboxLag = async (redis: Redis, keys: Keys, partitions: number, metrics: Metrics): Promise<void> => {
  // One command per inbox, all issued at once: the partitions live on several nodes of a Redis Cluster.
  const results = await Promise.all(
    Array.from({ length: partitions }, (_, partition) =>
      keyed(redis, "XINFO", "GROUPS", keys.partition(partition).inbox).catch(() => undefined),
    ),
  )
  results.forEach((groups, partition) => {
    if (!Array.isArray(groups)) return // no inbox yet
    const group = groups.map(pairs).find((candidate) => candidate.name === RUNTIME_GROUP)
    const lag = group?.lag
    if (typeof lag === "number") metrics.set("clawbot_inbox_lag", lag, { partition: String(partition) })
  })
}

const recordMember = (metrics: MetricsRegistry, member: string, stats: RuntimeStatsSnapshot): void => {
  metrics.set("clawbot_runtime_partitions_owned", stats.partitions_owned, { member })
  metrics.set("clawbot_runtime_batches_total", stats.batches, { member })
  metrics.set("clawbot_runtime_failures_total", stats.failures, { member })
  for (const [outcome, count] of Object.entries(stats.commands)) metrics.set("clawbot_runtime_commands_total", count, { member, outcome })
  for (const [kind, count] of Object.entries(stats.transitions)) metrics.set("clawbot_runtime_transitions_total", count, { member, kind })
  metrics.setHistogram("clawbot_runtime_batch_size", stats.batch_size, { member })
  metrics.setHistogram("clawbot_runtime_batch_seconds", stats.batch_seconds, { member })
  metrics.setHistogram("clawbot_runtime_snapshot_write_seconds", stats.snapshot_write_seconds, { member })
  if (stats.inbox_wait_seconds !== undefined)
    metrics.setHistogram("clawbot_runtime_inbox_wait_seconds", stats.inbox_wait_seconds, { member })
  if (stats.event_loop_delay_seconds !== undefined)
    metrics.setHistogram("clawbot_runtime_event_loop_delay_seconds", stats.event_loop_delay_seconds, { member })
}

/**
 * Replaces the `clawbot_runtime_` series with the statistics of the members whose heartbeat is newer
 * than `liveSince` (ms): a member that died or left has none. Without Redis there are none either.
 */
export const collectRuntimeStats = async (
  redis: Redis,
  keys: Keys,
  liveSince: number,
  metrics: MetricsRegistry,
  log: Logger,
): Promise<void> => {
  const read = Promise.all([redis.zrangebyscore(keys.members, `(${liveSince}`, "+inf"), redis.hgetall(keys.stats)])
  const [live, published] = await read.catch((error: unknown) => {
    metrics.clear(RUNTIME_METRICS_PREFIX)
    throw error
  })
  metrics.clear(RUNTIME_METRICS_PREFIX)
  for (const member of live) {
    const text = published[member]
    if (text === undefined) continue // joined, not published yet
    const stats = decodeRuntimeStats(text)
    if (stats.ok) recordMember(metrics, member, stats.value)
    else log.warn("runtime statistics not understood", { member, error: stats.error.message })
  }
}
