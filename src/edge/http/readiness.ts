// The edge's readiness (/ready): Redis answers TIME, Postgres answers `select 1` and, with a runtime
// in this process, the runtime is ready (its partitions owned, none failing). Probed in the
// background every PROBE_EVERY_MS (each probe bounded), so /ready and the command gate read the last
// verdict at once instead of probing per request. Redis's answer is also the edge's estimate of its
// clock (src/redis/clock.ts), which the deadlines of HTTP commands' appends are set by.
import { setTimeout as sleep } from "node:timers/promises"
import type { RedisClock } from "../../redis/clock.ts"
import type { Runtime } from "../../runtime/runtime.ts"
import type { Sql } from "../../store/db.ts"
import type { Readiness } from "../context.ts"

/** What the edge reads of a runtime in the same process. */
export type RuntimeView = Pick<Runtime, "readiness">

const PROBE_EVERY_MS = 500
const PROBE_TIMEOUT_MS = 800

/** The probe's value, or `fallback` when it fails or takes longer than the timeout. */
const bounded = <T>(probe: Promise<T>, fallback: T): Promise<T> =>
  Promise.race([probe.catch(() => fallback), sleep(PROBE_TIMEOUT_MS, fallback, { ref: false })])

const probe = async (redisClock: RedisClock, sql: Sql, runtime?: RuntimeView): Promise<Readiness> => {
  const [redisOk, postgresOk, runtimeState] = await Promise.all([
    bounded(
      redisClock.sample().then(() => true),
      false,
    ),
    bounded(
      sql`select 1`.then(() => true),
      false,
    ),
    runtime === undefined ? undefined : bounded(runtime.readiness(), undefined),
  ])
  const checks: Record<string, unknown> = { redis: redisOk, postgres: postgresOk }
  if (runtime !== undefined) {
    checks.runtime = runtimeState?.ready ?? false
    checks.partitions = runtimeState?.partitions ?? []
    checks.failing_partitions = runtimeState?.failing ?? {}
  }
  return {
    ready: redisOk && postgresOk && (runtime === undefined || runtimeState?.ready === true),
    reachable: { redis: redisOk, postgres: postgresOk },
    checks,
  }
}

export interface ReadinessMonitor {
  /** The last probe's verdict. */
  current(): Readiness
  stop(): void
}

/** Probes once (so the first verdict is a real one), then again every PROBE_EVERY_MS until stopped. */
export const monitorReadiness = async (redisClock: RedisClock, sql: Sql, runtime?: RuntimeView): Promise<ReadinessMonitor> => {
  let last = await probe(redisClock, sql, runtime)
  let running = true
  let timer: NodeJS.Timeout | undefined
  const next = () => {
    timer = setTimeout(() => {
      void probe(redisClock, sql, runtime).then((verdict) => {
        if (!running) return
        last = verdict
        next()
      })
    }, PROBE_EVERY_MS)
    timer.unref()
  }
  next()
  return {
    current: () => last,
    stop: () => {
      running = false
      clearTimeout(timer)
    },
  }
}
