// Redis's clock as this process sees it: an offset from the local clock taken from a `TIME` round
// trip (offset = redisTime − (t0 + t1) / 2, off by at most (t1 − t0) / 2), so the edge can give an
// append a deadline in Redis's own clock (src/redis/scripts/append.lua) and know when any later run
// of that append must find the deadline passed.
//
// The local clock is monotonic (`performance.timeOrigin + performance.now()`): a step of this host's
// wall clock does not move it. The bound allows for the two clocks running at different rates
// (MAX_DRIFT) since the sample; a sample older than MAX_AGE_MS is not used. The latest sample always
// replaces the one held (a slow round trip only widens the bound until the next one), and a closed
// connection drops it: the server behind the URL may be another one after a reconnect or failover.
// On a Redis Cluster every master is asked and the estimate covers all of them (the union of their
// intervals), as a script runs on whichever one holds its partition.
import { performance } from "node:perf_hooks"
import type { Cluster, Redis } from "ioredis"

/** Redis time − local time, within ± errorMs, as of local time `takenAt` (all in ms). */
export interface ClockEstimate {
  readonly offsetMs: number
  readonly errorMs: number
  readonly takenAt: number
}

export interface RedisClock {
  /** Local time: ms since the epoch on a monotonic clock. */
  now(): number
  /** Asks Redis for its time and holds the estimate; rejects when Redis does not answer. */
  sample(): Promise<void>
  /** The estimate held, its error grown by the drift since it was taken; undefined when none is, or it is older than MAX_AGE_MS. */
  fresh(): ClockEstimate | undefined
}

/** How far apart two hosts' clock rates may be (500 ppm: ten times what NTP allows an undisciplined clock). */
export const MAX_DRIFT = 0.0005
/** An estimate older than this is not used (the readiness probe refreshes it every 500 ms). */
export const MAX_AGE_MS = 10_000

/** The estimate from one round trip: sent at local `t0`, answered at local `t1` with Redis time `redisMs`. */
export const estimateOf = (t0: number, redisMs: number, t1: number): ClockEstimate => ({
  offsetMs: redisMs - (t0 + t1) / 2,
  errorMs: (t1 - t0) / 2,
  takenAt: t1,
})

/** `estimate` as of local time `now`: its error grown by the drift since. */
export const agedAt = (estimate: ClockEstimate, now: number): ClockEstimate => ({
  ...estimate,
  errorMs: estimate.errorMs + Math.max(0, now - estimate.takenAt) * MAX_DRIFT,
  takenAt: now,
})

/** One estimate covering every one of `estimates` (the union of their intervals). */
export const covering = (estimates: ReadonlyArray<ClockEstimate>, now: number): ClockEstimate => {
  const aged = estimates.map((estimate) => agedAt(estimate, now))
  const low = Math.min(...aged.map((e) => e.offsetMs - e.errorMs))
  const high = Math.max(...aged.map((e) => e.offsetMs + e.errorMs))
  return { offsetMs: (low + high) / 2, errorMs: (high - low) / 2, takenAt: now }
}

/** `TIME`'s answer, [seconds, microseconds], in ms. */
const millisOf = ([seconds, micros]: [string, string]): number => Number(seconds) * 1000 + Number(micros) / 1000

const monotonicNow = (): number => performance.timeOrigin + performance.now()

export const createRedisClock = (redis: Redis, now: () => number = monotonicNow): RedisClock => {
  let held: ClockEstimate | undefined
  const sampleOne = async (node: Redis): Promise<ClockEstimate> => {
    const t0 = now()
    const time = (await node.time()) as unknown as [string, string]
    return estimateOf(t0, millisOf(time), now())
  }
  const nodes = (): Redis[] => (redis.isCluster ? (redis as unknown as Cluster).nodes("master") : [redis])
  redis.on("close", () => (held = undefined))
  return {
    now,
    sample: async () => {
      const taken = await Promise.all(nodes().map(sampleOne))
      held = covering(taken, now())
    },
    fresh: () => {
      const at = now()
      return held === undefined || at - held.takenAt > MAX_AGE_MS ? undefined : agedAt(held, at)
    },
  }
}

/** Slack for a timer firing up to a millisecond early and for `now()` being read before the append is sent. */
export const MARGIN_MS = 5

/**
 * The deadline (ms on Redis's clock) to give an append whose answer is awaited until local time
 * `now + waitMs`: by then Redis's clock is past it, wherever its true offset lies within the
 * estimate's bound, so a run of the append after the wait ended writes nothing. Undefined when the
 * bound leaves the append no time to run at all.
 */
export const deadlineFor = (estimate: ClockEstimate, now: number, waitMs: number): number | undefined => {
  const runFor = waitMs - estimate.errorMs - MARGIN_MS
  return runFor > 0 ? Math.floor(now + estimate.offsetMs + runFor) : undefined
}
