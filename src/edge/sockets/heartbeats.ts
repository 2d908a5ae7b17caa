// A bot's heartbeat over its control socket, recorded only when it says something new. A heartbeat frame without an
// id that reports the load and status its socket last recorded (a member absent: unchanged), within `recordEveryMs`
// of that record, only pushes its agent's expiry timer back (timer-extend.lua: one Redis call; no inbox entry, no
// transition, no history row). Any other heartbeat is appended as `HEARTBEAT`, as every one was before: the socket's
// first after its CONNECT, a new load or status, one after the period, and one whose agent has no expiry armed (gone
// offline, or its CONNECT not applied yet: the machine then arms it). The expiry stays `3 × heartbeat_interval_ms`
// after the last heartbeat (PROTOCOL); an agent's `last_heartbeat_at` is its last recorded one, at most `recordEveryMs`
// old while its bot beats (docs/edge.md "Heartbeats").
import { HEARTBEAT_MISSES, HEARTBEAT_TIMER } from "../../../machines/agent.ts"
import type { Keys } from "../../redis/keys.ts"
import { partitionOf } from "../../redis/partition.ts"
import type { HeartbeatReport, RedisScripts } from "../../redis/scripts.ts"

/** Heartbeats without an id (a socket's) or without `?wait=1` (HTTP), by whether they were recorded (appended). */
export const HEARTBEATS = "clawbot_heartbeats_total"

/** A socket's last recorded heartbeat (or CONNECT): when, and the load and status recorded so far. */
export interface RecordedHeartbeat extends HeartbeatReport {
  readonly at: number
}

/** A heartbeat the socket need not record: one within `recordEveryMs` of its last record, reporting nothing new. */
export const saysNothingNew = (
  recorded: RecordedHeartbeat | undefined,
  report: HeartbeatReport,
  now: number,
  recordEveryMs: number,
): boolean =>
  recorded !== undefined &&
  now - recorded.at < recordEveryMs &&
  (report.load === undefined || report.load === recorded.load) &&
  (report.status === undefined || report.status === recorded.status)

/** The socket's record once `report`, made at `at`, is appended. */
export const recordedAt = (recorded: RecordedHeartbeat | undefined, report: HeartbeatReport, at: number): RecordedHeartbeat => ({
  at,
  load: report.load ?? recorded?.load,
  status: report.status ?? recorded?.status,
})

export interface ExpiryDeps {
  readonly scripts: Pick<RedisScripts, "extendTimer">
  readonly keys: Keys
  readonly partitions: number
}

/** Pushes `agentId`'s expiry to `3 × heartbeatIntervalMs` after now (Redis's time); false when none is armed. */
export const pushExpiryBack = (deps: ExpiryDeps, agentId: string, heartbeatIntervalMs: number): Promise<boolean> =>
  deps.scripts.extendTimer(
    deps.keys.partition(partitionOf("agent", agentId, deps.partitions)),
    `agent:${agentId}`,
    HEARTBEAT_TIMER,
    HEARTBEAT_MISSES * heartbeatIntervalMs,
  )
