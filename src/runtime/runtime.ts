// A runtime process: joins the membership, holds the leases of the partitions rendezvous
// hashing gives it (renewed every tick, fenced by a token), runs one worker per partition,
// and hands them back on shutdown: leave the membership and say so, stop reading, finish and
// acknowledge the batches in hand, and release each lease as soon as its batches are done, saying so
// again, so the other processes take each partition over at once. Readiness: Redis and Postgres answer, no partition failing.
// Every tick also publishes its statistics for the edges' /metrics.
import { randomUUID } from "node:crypto"
import { once } from "node:events"
import { hostname } from "node:os"
import type { Redis } from "ioredis"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import type { Keys } from "../redis/keys.ts"
import { TAKEN_HOLD_MS } from "../redis/ready-queue.ts"
import type { RedisScripts } from "../redis/scripts.ts"
import type { Sql } from "../store/db.ts"
import type { ActorKind } from "./actor-kind.ts"
import { createAppend, createAppendEach } from "./append.ts"
import { ownCommandPayload } from "./inbox-codec.ts"
import { heartbeat, leave, assignedTo, onDepartures, wakeMembers } from "./membership.ts"
import { PartitionWorker } from "./partition-worker.ts"
import { publishStats, withdrawStats } from "./publish-stats.ts"
import type { Decoded } from "./plan-batch.ts"
import { createGroupCommit } from "./group-commit.ts"
import { createRouter } from "./router.ts"
import { RuntimeStats } from "./stats.ts"
import { watchEventLoop } from "./event-loop-stalls.ts"
import { createTurns } from "./turns.ts"

export interface RuntimeTuning {
  readonly batchSize: number
  /** The longest an idle partition's blocking read waits before it reads again (a new entry ends it at once). */
  readonly blockMs: number
  /** The longest a partition sleeps between two looks at its timers (it wakes when the earliest is due). */
  readonly timerTickMs: number
  readonly tickMs: number
  readonly leaseTtlMs: number
  readonly memberExpiryMs: number
  readonly maxActors: number
  readonly passivateAfterMs: number
  readonly eventRetention: number
  /** How often the holder of partition 0 sweeps ready tasks back into their queues, and how
   * long a task must have waited in `ready` to be swept. */
  readonly sweepMs: number
  /** How long a task taken from its ready queue counts as on its way to an agent: the sweep queues it
   * again only after this (src/redis/ready-queue.ts, TAKEN_HOLD_MS). */
  readonly takenHoldMs: number
  /** Group-commit transactions a process runs at once, each on its own connection (group-commit.ts). */
  readonly commitConcurrency: number
}

export const DEFAULT_TUNING: RuntimeTuning = {
  batchSize: 256,
  // Both only bound an idle partition's sleep (an entry or a due timer wakes it): an idle process makes a read
  // and a timers call a partition every 5 s, not four a second (docs/performance.md, round 35).
  blockMs: 5_000,
  timerTickMs: 5_000,
  tickMs: 1_000,
  leaseTtlMs: 5_000,
  memberExpiryMs: 5_000,
  maxActors: 10_000,
  passivateAfterMs: 60_000,
  eventRetention: 100_000,
  sweepMs: 2_000,
  takenHoldMs: TAKEN_HOLD_MS,
  commitConcurrency: 2,
}

/** Tuning from the configuration: renew five times per lease TTL (a silent member expires with its
 * leases), and keep about `eventRetention` events for `since` replays. */
export const tuningFor = (config: { readonly leaseTtlMs: number; readonly eventRetention: number }): Partial<RuntimeTuning> => ({
  leaseTtlMs: config.leaseTtlMs,
  memberExpiryMs: config.leaseTtlMs,
  tickMs: Math.max(50, Math.floor(config.leaseTtlMs / 5)),
  eventRetention: config.eventRetention,
})

export interface RuntimeDeps {
  readonly redis: Redis
  readonly sql: Sql
  readonly scripts: RedisScripts
  readonly keys: Keys
  readonly partitions: number
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
  /** Its worker is finishing the batch in hand; the lease is still renewed meanwhile. */
  releasing: boolean
}

/** A periodic step that never overlaps itself: a tick that comes while it runs is skipped. */
class Step {
  private current: Promise<void> | undefined
  constructor(private readonly step: () => Promise<void>) {}
  run(): Promise<void> {
    this.current ??= this.step().finally(() => {
      this.current = undefined
    })
    return this.current
  }
  /** Runs once more after the run under way (which began before what prompted this), or now. */
  async again(): Promise<void> {
    await this.current
    await this.run()
  }
  idle(): Promise<void> {
    return this.current ?? Promise.resolve()
  }
}

export const startRuntime = async (deps: RuntimeDeps): Promise<Runtime> => {
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning }
  const clock = deps.clock ?? Date.now
  const member = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const log = deps.log
  const stats = new RuntimeStats()
  const held = new Map<number, Held>()
  const kinds = new Map(deps.kinds.map((kind) => [kind.kind, kind]))
  // The runtime appends only its own commands (coverage answers and PURGE one by one, the router's proposals a batch's
  // together), checked as the rest of what it sends is (ownCommandPayload: the Schemas' checks, the payload as they
  // encode it), on its connection.
  const own = { scripts: deps.scripts, keys: deps.keys, partitions: deps.partitions, validate: ownCommandPayload }
  const append = createAppend(own)
  const router = createRouter({
    sql: deps.sql,
    redis: deps.redis,
    keys: deps.keys,
    appendEach: createAppendEach(own),
    clock,
    takenHoldMs: tuning.takenHoldMs,
    decisionMs: deps.scripts.dedupeTtlMs,
  })
  const turns = createTurns()
  const io = {
    sql: deps.sql,
    commit: createGroupCommit(deps.sql, { concurrency: tuning.commitConcurrency, turns }),
    redis: deps.redis,
    scripts: deps.scripts,
    keys: deps.keys,
    partitions: deps.partitions,
    eventRetention: tuning.eventRetention,
    append,
    router,
    turns,
  }

  let stopping = false
  const release = async (partition: number, why: string) => {
    const entry = held.get(partition)
    if (!entry || entry.releasing) return
    entry.releasing = true
    // Closing its blocking connection ends the worker's wait for new entries at once.
    const stopped = entry.worker.stop()
    entry.blocking.disconnect()
    await stopped
    held.delete(partition)
    stats.recovered(partition)
    if (!entry.worker.lost)
      await deps.scripts.releaseLease(deps.keys.partition(partition), member, entry.worker.fence).catch(() => undefined)
    log.info("partition released", { partition, why })
    // Stopping, it has left the membership: the others may take this partition now.
    if (stopping) await wakeMembers(deps.redis, deps.keys.departures, member).catch(() => undefined)
  }

  const acquire = async (partition: number) => {
    const askedAt = clock()
    const lease = await deps.scripts.acquireLease(deps.keys.partition(partition), member, tuning.leaseTtlMs)
    if (!lease.ok) return
    const blocking = deps.redis.duplicate()
    blocking.on("error", () => undefined) // reconnects on its own; the worker logs failed reads
    const worker = new PartitionWorker(
      {
        io,
        blocking,
        kinds,
        decode: deps.decode,
        consumer: member,
        batchSize: tuning.batchSize,
        blockMs: tuning.blockMs,
        timerTickMs: tuning.timerTickMs,
        maxActors: tuning.maxActors,
        passivateAfterMs: tuning.passivateAfterMs,
        leaseTtlMs: tuning.leaseTtlMs,
        clock,
        log,
        stats,
      },
      partition,
      lease.value,
      askedAt,
    )
    // Held (so renewed) from now on, while its connection opens. The rebalancing that took the lease
    // does not wait for that: under load a connect can take longer than a whole hand-over, and the
    // next wake-up (another partition released) would wait behind it.
    const entry: Held = { worker, blocking, releasing: false }
    held.set(partition, entry)
    log.info("partition acquired", { partition, fence: lease.value })
    once(blocking, "ready")
      .then(
        () => {
          if (!entry.releasing) worker.start()
        },
        (error: unknown) => release(partition, `could not connect: ${errorFields(error)["error"]}`),
      )
      .catch((error: unknown) => log.warn("partition not started", { partition, ...errorFields(error) }))
  }

  // Keeping alive (membership heartbeat, lease renewals) never waits for a worker to start or
  // stop, so a slow hand-over cannot let the other leases lapse.
  let membershipOk = false
  let members: string[] = []
  /** Heartbeats and reads the live members; false when Redis did not answer, or once stopping (a
   * heartbeat would join the membership it left). */
  const seeMembers = async (): Promise<boolean> => {
    if (stopping) return false
    try {
      members = await heartbeat(deps.redis, deps.keys.members, member, clock(), tuning.memberExpiryMs)
      membershipOk = true
    } catch (error) {
      membershipOk = false
      log.warn("membership tick failed", errorFields(error))
    }
    return membershipOk
  }
  // Stopping, it renews the leases of the batches it finishes, out of the membership.
  const keepAlive = new Step(async () => {
    if (!(await seeMembers()) && !stopping) return
    await Promise.all([
      ...[...held].map(async ([partition, { worker }]) => {
        if (worker.lost) return
        const sentAt = clock()
        const renewed = await deps.scripts
          .renewLease(deps.keys.partition(partition), member, worker.fence, tuning.leaseTtlMs)
          .catch((error: unknown) => log.warn("lease renewal failed", { partition, ...errorFields(error) }))
        if (renewed?.ok) worker.leaseRenewed(sentAt)
        else if (renewed) worker.lost = true
      }),
      publishStats(deps.redis, deps.keys.stats, member, stats.snapshot(held.size), members).catch((error: unknown) =>
        log.warn("statistics not published", errorFields(error)),
      ),
    ])
  })

  // A lease this process lost (Redis restarted without its data, or the lease lapsed in a stall) may have gone with
  // the routing state: the next sweep rebuilds it (router.ts), not only the tasks that waited a whole period.
  let rebuildRouting = false
  const rebalance = new Step(async () => {
    if (!membershipOk || stopping) return
    const mine = assignedTo(member, members, deps.partitions)
    const lost = [...held.values()].some(({ worker }) => worker.lost)
    const moves = [
      ...[...held]
        .filter(([partition, { worker }]) => worker.lost || !mine.has(partition))
        .map(([partition, { worker }]) =>
          release(partition, worker.lost ? "lease lost to another process" : "rebalanced to another process"),
        ),
      ...[...mine].filter((partition) => !held.has(partition)).map(acquire),
    ]
    const settle = (steps: ReadonlyArray<Promise<void>>) =>
      Promise.all(steps.map((step) => step.catch((error: unknown) => log.warn("rebalancing failed", errorFields(error)))))
    await settle(moves)
    // A lease lost (e.g. a Redis restart forgot it) and released above is taken again now, not a tick later.
    await settle([...mine].filter((partition) => !held.has(partition)).map(acquire))
    if (lost) {
      rebuildRouting = true
      void sweep.again()
    }
  })

  /** The held partitions whose lease Redis no longer gives to this member and fence (a Redis restart forgets
   * leases): marked lost, so the next rebalance releases and takes them again. */
  const checkLeases = async (): Promise<number[]> => {
    const entries = [...held].filter(([, entry]) => !entry.releasing && !entry.worker.lost)
    // The PING answers for Redis itself when no lease is held (an empty pipeline would ask nothing).
    const pipeline = deps.redis.pipeline().ping()
    for (const [partition] of entries) pipeline.hmget(deps.keys.partition(partition).lease, "owner", "token")
    const [pong, ...answers] = (await pipeline.exec()) ?? []
    if (pong?.[0]) throw pong[0]
    const lost: number[] = []
    entries.forEach(([partition, entry], index) => {
      const [error, value] = answers[index] ?? [null, undefined]
      const [owner, token] = (value as Array<string | null> | undefined) ?? []
      if (error === null && !entry.worker.holdsLease(owner, token)) {
        entry.worker.lost = true
        lost.push(partition)
      }
    })
    return lost
  }

  // One process (the holder of partition 0) sweeps: ready tasks a crash dropped between being
  // taken from their queue and proposed go back, and agents with free capacity are woken.
  const sweep = new Step(async () => {
    if (!held.has(0) || stopping) return
    const rebuild = rebuildRouting
    rebuildRouting = false
    await router.sweep(clock(), tuning.sweepMs, rebuild).catch((error: unknown) => {
      rebuildRouting ||= rebuild
      log.warn("routing sweep failed", errorFields(error))
    })
  })

  // Another member left after releasing its leases: see the membership without it and take over now.
  const departed = new Step(async () => {
    if (await seeMembers()) await rebalance.again()
  })
  const stopListening = await onDepartures(deps.redis, deps.keys.departures, member, () => void departed.again())
  const timer = setInterval(() => {
    void keepAlive.run()
    void rebalance.run()
  }, tuning.tickMs)
  const sweeper = setInterval(() => void sweep.run(), tuning.sweepMs)
  // A stall of a quarter of the lease TTL is told: at about the whole TTL, the leases lapse and others take over.
  const stalls = watchEventLoop({
    observe: (seconds) => stats.eventLoopDelaySeconds.observe(seconds),
    warnAfterMs: tuning.leaseTtlMs / 4,
    stalled: (ms) =>
      log.warn("event loop stalled: no lease renewed meanwhile; a stall of the lease TTL loses the partitions", {
        stalledMs: ms,
        leaseTtlMs: tuning.leaseTtlMs,
      }),
  })
  await keepAlive.run()
  await rebalance.run()
  log.info("runtime started", { member, partitions: [...held.keys()].sort((a, b) => a - b) })

  return {
    member,
    stats,
    owned: () => [...held.keys()].sort((a, b) => a - b),
    async readiness() {
      const [lost, postgresOk] = await Promise.all([
        // Redis answers, and still names this member the holder of every lease it works under.
        checkLeases().catch(() => undefined),
        deps.sql`select 1`.then(
          () => true,
          () => false,
        ),
      ])
      const failing = Object.fromEntries([...stats.failingPartitions()].map(([p, error]) => [String(p), error]))
      const redisOk = lost !== undefined
      if (lost !== undefined && lost.length > 0) void rebalance.again()
      return {
        ready: redisOk && lost.length === 0 && postgresOk && membershipOk && Object.keys(failing).length === 0,
        redis: redisOk,
        postgres: postgresOk,
        partitions: [...held.keys()].sort((a, b) => a - b),
        failing,
      }
    },
    async stop() {
      stopping = true
      stopListening()
      // Out of the membership (once no heartbeat in flight can put it back), so the others' assignment
      // leaves it out; that and each lease released wake them, so whichever comes last, they take the
      // partition then.
      const left = Promise.all([keepAlive.idle(), departed.idle()])
        .then(() => leave(deps.redis, deps.keys, member))
        .catch((error: unknown) => log.warn("departure not announced; the others take over at their next tick", errorFields(error)))
      await rebalance.idle()
      // Workers stop reading, finish and acknowledge the batch in hand; their leases stay renewed
      // until then, and are released right after.
      await Promise.all([...held.keys()].map((partition) => release(partition, "shutdown")))
      await left
      clearInterval(timer)
      clearInterval(sweeper)
      stalls.stop()
      await Promise.all([keepAlive.idle(), sweep.idle()])
      await withdrawStats(deps.redis, deps.keys.stats, member).catch(() => undefined)
      log.info("runtime stopped", { member })
    },
  }
}
