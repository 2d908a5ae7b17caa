// The edge's readiness (/ready): Redis answers PING, Postgres answers `select 1` and, with a runtime
// in this process, the runtime is ready (its partitions owned, none failing); each probe is bounded.
import { setTimeout as sleep } from "node:timers/promises"
import type { Redis } from "ioredis"
import type { Runtime } from "../../runtime/runtime.ts"
import type { Sql } from "../../store/db.ts"
import type { Readiness } from "../context.ts"

/** What the edge reads of a runtime in the same process. */
export type RuntimeView = Pick<Runtime, "readiness">

const PROBE_TIMEOUT_MS = 2_000

/** The probe's value, or `fallback` when it fails or takes longer than the timeout. */
const bounded = <T>(probe: Promise<T>, fallback: T): Promise<T> =>
  Promise.race([probe.catch(() => fallback), sleep(PROBE_TIMEOUT_MS, fallback, { ref: false })])

export const edgeReadiness =
  (redis: Redis, sql: Sql, runtime?: RuntimeView) =>
  async (): Promise<Readiness> => {
    const [redisOk, postgresOk, runtimeState] = await Promise.all([
      bounded(redis.ping().then(() => true), false),
      bounded(sql`select 1`.then(() => true), false),
      runtime === undefined ? undefined : bounded(runtime.readiness(), undefined),
    ])
    const checks: Record<string, unknown> = { redis: redisOk, postgres: postgresOk }
    if (runtime !== undefined) {
      checks.runtime = runtimeState?.ready ?? false
      checks.partitions = runtimeState?.partitions ?? []
      checks.failing_partitions = runtimeState?.failing ?? {}
    }
    return { ready: redisOk && postgresOk && (runtime === undefined || runtimeState?.ready === true), checks }
  }
