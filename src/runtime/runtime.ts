// A runtime process: joins the membership, holds the leases of the partitions rendezvous
// hashing gives it (renewed every tick, fenced by a token), runs one worker per partition,
// and hands them back on shutdown. Readiness: Redis and Postgres answer, no partition failing.
import { randomUUID } from "node:crypto"
import { once } from "node:events"
import { hostname } from "node:os"
import type { Redis } from "ioredis"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import type { Keys } from "../redis/keys.ts"
import type { RedisScripts } from "../redis/scripts.ts"
import type { Sql } from "../store/db.ts"
import type { ActorKind } from "./actor-kind.ts"
import type { AppendFn } from "./append.ts"
import { heartbeat, leave, assignedTo } from "./membership.ts"
import { PartitionWorker } from "./partition-worker.ts"
import type { Decoded } from "./plan-batch.ts"
import { createRouter } from "./router.ts"
import { RuntimeStats } from "./stats.ts"

export interface RuntimeTuning {
  readonly batchSize: number
  readonly blockMs: number
  readonly timerTickMs: number
  readonly tickMs: number
  readonly leaseTtlMs: number
  readonly memberExpiryMs: number
  readonly maxActors: number
  readonly passivateAfterMs: number
  readonly eventRetention: number
}

export const DEFAULT_TUNING: RuntimeTuning = {
  batchSize: 256,
  blockMs: 500,
  timerTickMs: 100,
  tickMs: 1_000,
  leaseTtlMs: 5_000,
  memberExpiryMs: 5_000,
  maxActors: 10_000,
  passivateAfterMs: 60_000,
  eventRetention: 100_000,
}

/** Tuning derived from a lease TTL: renew five times per TTL; a silent member expires with its leases. */
export const tuningForLease = (leaseTtlMs: number): Partial<RuntimeTuning> => ({
  leaseTtlMs,
  memberExpiryMs: leaseTtlMs,
  tickMs: Math.max(50, Math.floor(leaseTtlMs / 5)),
})

export interface RuntimeDeps {
  readonly redis: Redis
  readonly sql: Sql
  readonly scripts: RedisScripts
  readonly keys: Keys
  readonly partitions: number
  readonly append: AppendFn
  readonly kinds: ReadonlyArray<ActorKind>
  readonly decode: (fields: Readonly<Record<string, string>>) => Decoded
  readonly log: Logger
  readonly clock?: () => number
  readonly tuning?: Partial<RuntimeTuning>
}

export interface Readiness {
  readonly ready: boolean
  readonly redis: boolean
  readonly postgres: boolean
  readonly partitions: ReadonlyArray<number>
  readonly failing: Readonly<Record<string, string>>
}

export interface Runtime {
  readonly member: string
  readonly stats: RuntimeStats
  owned(): ReadonlyArray<number>
  readiness(): Promise<Readiness>
  stop(): Promise<void>
}

interface Held {
  readonly worker: PartitionWorker
  readonly blocking: Redis
}

export const startRuntime = async (deps: RuntimeDeps): Promise<Runtime> => {
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning }
  const clock = deps.clock ?? Date.now
  const member = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const log = deps.log
  const stats = new RuntimeStats()
  const held = new Map<number, Held>()
  const kinds = new Map(deps.kinds.map((kind) => [kind.kind, kind]))
  const io = {
    sql: deps.sql, redis: deps.redis, scripts: deps.scripts, keys: deps.keys, partitions: deps.partitions,
    eventRetention: tuning.eventRetention, append: deps.append, router: createRouter(deps.sql, deps.append),
  }

  const release = async (partition: number, why: string) => {
    const entry = held.get(partition)
    if (!entry) return
    held.delete(partition)
    await entry.worker.stop()
    entry.blocking.disconnect()
    stats.recovered(partition)
    if (!entry.worker.lost) await deps.scripts.releaseLease(deps.keys.partition(partition), member, entry.worker.fence).catch(() => undefined)
    log.info("partition released", { partition, why })
  }

  const acquire = async (partition: number) => {
    const lease = await deps.scripts.acquireLease(deps.keys.partition(partition), member, tuning.leaseTtlMs)
    if (!lease.ok) return
    const blocking = deps.redis.duplicate()
    blocking.on("error", () => undefined) // reconnects on its own; the worker logs failed reads
    await once(blocking, "ready")
    const worker = new PartitionWorker(
      {
        io, blocking, kinds, decode: deps.decode, consumer: member, batchSize: tuning.batchSize, blockMs: tuning.blockMs,
        timerTickMs: tuning.timerTickMs, maxActors: tuning.maxActors, passivateAfterMs: tuning.passivateAfterMs, clock, log, stats,
      },
      partition,
      lease.value,
    )
    held.set(partition, { worker, blocking })
    worker.start()
    log.info("partition acquired", { partition, fence: lease.value })
  }

  let membershipOk = false
  const tick = async () => {
    try {
      const members = await heartbeat(deps.redis, deps.keys.members, member, clock(), tuning.memberExpiryMs)
      membershipOk = true
      const mine = assignedTo(member, members, deps.partitions)
      for (const [partition, { worker }] of [...held]) {
        if (worker.lost) await release(partition, "lost to a newer owner")
        else if (!mine.has(partition)) await release(partition, "rebalanced to another process")
        else {
          const renewed = await deps.scripts.renewLease(deps.keys.partition(partition), member, worker.fence, tuning.leaseTtlMs)
          if (!renewed.ok) {
            worker.lost = true
            await release(partition, "lease expired")
          }
        }
      }
      for (const partition of mine) if (!held.has(partition)) await acquire(partition)
    } catch (error) {
      membershipOk = false
      log.warn("membership tick failed", errorFields(error))
    }
  }

  let stopping = false
  let ticking: Promise<void> = tick()
  const timer = setInterval(() => {
    if (!stopping) ticking = ticking.then(tick)
  }, tuning.tickMs)
  await ticking
  log.info("runtime started", { member, partitions: [...held.keys()].sort((a, b) => a - b) })

  return {
    member,
    stats,
    owned: () => [...held.keys()].sort((a, b) => a - b),
    async readiness() {
      const [redisOk, postgresOk] = await Promise.all([
        deps.redis.ping().then(() => true, () => false),
        deps.sql`select 1`.then(() => true, () => false),
      ])
      const failing = Object.fromEntries([...stats.failingPartitions()].map(([p, error]) => [String(p), error]))
      return {
        ready: redisOk && postgresOk && membershipOk && Object.keys(failing).length === 0,
        redis: redisOk,
        postgres: postgresOk,
        partitions: [...held.keys()].sort((a, b) => a - b),
        failing,
      }
    },
    async stop() {
      stopping = true
      clearInterval(timer)
      await ticking
      await Promise.all([...held.keys()].map((partition) => release(partition, "shutdown")))
      await leave(deps.redis, deps.keys.members, member).catch(() => undefined)
      log.info("runtime stopped", { member })
    },
  }
}

