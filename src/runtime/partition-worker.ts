// Partition worker: while this process holds a partition's lease, applies its inbox in
// stream order. It first stores its fence (so no former owner can write any more), takes over
// the entries former owners left pending, then reads new ones; it fires the partition's due
// timers; a failing batch is retried (never acked) with backoff until it succeeds or the
// lease is lost.
import type { Redis } from "ioredis"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import { autoclaim, ensureGroup, pendingElsewhere, readGroup, type StreamEntry } from "../redis/streams.ts"
import { loadSnapshots, writeBatch } from "../store/snapshots.ts"
import { ActorHost } from "./actor-host.ts"
import type { ActorKind } from "./actor-kind.ts"
import { executeBatch, type BatchIo } from "./execute-batch.ts"
import type { OutboxItem } from "./outbox.ts"
import { planBatch, type BatchPlan, type Decoded, type StoredWithOutbox } from "./plan-batch.ts"
import type { RuntimeStats } from "./stats.ts"

export interface WorkerOptions {
  readonly io: BatchIo
  /** A connection of its own for blocking reads. */
  readonly blocking: Redis
  readonly kinds: ReadonlyMap<string, ActorKind>
  readonly decode: (fields: Readonly<Record<string, string>>) => Decoded
  readonly consumer: string
  readonly batchSize: number
  readonly blockMs: number
  readonly timerTickMs: number
  readonly maxActors: number
  readonly passivateAfterMs: number
  readonly clock: () => number
  readonly log: Logger
  readonly stats: RuntimeStats
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const backoffMs = (attempt: number) => Math.min(5_000, 100 * 2 ** attempt)

export class PartitionWorker {
  private running = true
  private loop: Promise<void> | undefined
  private timers: NodeJS.Timeout | undefined
  private readonly host: ActorHost
  /** Set when a write was refused for a newer fence: another process owns the partition. */
  lost = false

  constructor(
    private readonly options: WorkerOptions,
    readonly partition: number,
    readonly fence: number,
  ) {
    // The host keeps every actor of the batch in hand only while it may hold a whole batch.
    if (options.maxActors < options.batchSize) {
      throw new RangeError(`maxActors (${options.maxActors}) must be at least batchSize (${options.batchSize})`)
    }
    this.host = new ActorHost({ maxActors: options.maxActors })
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => this.options.log.error("partition worker stopped", { partition: this.partition, ...errorFields(error) }))
    this.timers = setInterval(() => void this.fireTimers(), this.options.timerTickMs)
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.running = false
    clearInterval(this.timers)
    await this.loop
    this.host.clear()
  }

  private get inbox(): string {
    return this.options.io.keys.partition(this.partition).inbox
  }

  private async run(): Promise<void> {
    const { io, consumer, batchSize } = this.options
    await this.retrying("join the consumer group", () => ensureGroup(io.redis, this.inbox))
    // Fence first: a former owner that has not noticed yet can write nothing from now on, so
    // the state loaded below is the last written, and what it read but did not write is pending.
    const claimed = await this.retrying("claim the partition", () =>
      writeBatch(io.sql, { partition: this.partition, fence: this.fence, rows: [], transitions: [] }))
    if (claimed === undefined) return
    if (claimed._tag === "StaleFence") return this.lose()
    await this.takeOver()

    while (this.running) {
      const entries = await this.retrying("read the inbox", () => readGroup(this.options.blocking, this.inbox, consumer, batchSize, this.options.blockMs))
      if (entries === undefined) return
      // A former owner may still have read entries after the takeover: they come before these,
      // so take them over together, in stream order.
      const strays = await this.retrying("look for entries pending elsewhere", () => pendingElsewhere(io.redis, this.inbox, consumer))
      if (strays === undefined) return
      if (strays) {
        this.options.log.warn("entries read by a former owner are pending; taking them over", { partition: this.partition })
        await this.takeOver()
      } else if (entries.length > 0) await this.apply(entries)
      else this.host.passivate(this.options.clock(), this.options.passivateAfterMs)
    }
  }

  /** Claims every pending entry of the partition (former owners' and its own) and applies them in stream order. */
  private async takeOver(): Promise<void> {
    const { io, consumer, batchSize } = this.options
    let cursor = "0-0"
    do {
      const claimed = await this.retrying("take over pending entries", () => autoclaim(io.redis, this.inbox, consumer, 0, batchSize, cursor))
      if (claimed === undefined) return
      if (claimed.deleted.length > 0) {
        this.options.log.warn("pending entries were deleted from the inbox before they were applied", { partition: this.partition, ids: claimed.deleted })
      }
      await this.apply(claimed.entries)
      cursor = claimed.next
    } while (cursor !== "0-0" && this.running)
  }

  /** A newer owner has written the partition: stop without acknowledging anything. */
  private lose(): void {
    this.options.log.warn("partition taken over by a newer owner; stopping", { partition: this.partition, fence: this.fence })
    this.lost = true
    this.running = false
  }

  /** Applies one batch, retrying until it is done or the partition is lost. */
  private async apply(entries: ReadonlyArray<StreamEntry>): Promise<void> {
    if (entries.length === 0) return
    const { stats } = this.options
    for (let attempt = 0; ; attempt += 1) {
      let plan: BatchPlan | undefined
      try {
        const started = performance.now()
        plan = planBatch({
          partition: this.partition, entries, decode: this.options.decode, kinds: this.options.kinds, host: this.host,
          stored: await this.load(entries), now: this.options.clock(),
        })
        const outcome = await executeBatch(this.options.io, this.partition, this.fence, plan)
        if (outcome._tag === "StaleFence") {
          this.host.forget(plan.touched)
          return this.lose()
        }
        stats.batch(this.partition, plan, { seconds: (performance.now() - started) / 1000, writeSeconds: outcome.writeSeconds })
        return
      } catch (error) {
        // What is in memory may be ahead of Postgres: start again from the stored state.
        this.host.forget(plan?.touched ?? [])
        if (plan === undefined) this.host.clear()
        stats.failure(this.partition, error)
        this.options.log.warn("batch failed; retrying", { partition: this.partition, attempt, ...errorFields(error) })
        if (!this.running) return
        await sleep(backoffMs(attempt))
      }
    }
  }

  /** Stored state of the entries' actors that are not in memory, in one query. */
  private async load(entries: ReadonlyArray<StreamEntry>): Promise<Map<string, StoredWithOutbox>> {
    const refs = new Map<string, { kind: string; id: string }>()
    for (const entry of entries) {
      const actor = entry.fields["actor"] ?? ""
      const colon = actor.indexOf(":")
      if (colon > 0 && !this.host.has(actor)) refs.set(actor, { kind: actor.slice(0, colon), id: actor.slice(colon + 1) })
    }
    const stored = new Map<string, StoredWithOutbox>()
    if (refs.size === 0) return stored
    for (const [key, actor] of await loadSnapshots(this.options.io.sql, [...refs.values()])) {
      stored.set(key, {
        snapshot: actor.snapshot, streamId: actor.streamId, version: actor.version,
        outbox: Array.isArray(actor.outbox) ? (actor.outbox as OutboxItem[]) : [],
      })
    }
    return stored
  }

  private async fireTimers(): Promise<void> {
    if (!this.running) return
    try {
      await this.options.io.scripts.fireTimers(this.options.io.keys.partition(this.partition), this.options.clock(), 500)
    } catch (error) {
      // Due timers stay in the sorted set and fire at the next tick that reaches Redis.
      this.options.log.debug("could not fire timers", { partition: this.partition, ...errorFields(error) })
    }
  }

  /** Runs a Redis step until it succeeds; undefined once the worker is stopping. */
  private async retrying<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; this.running; attempt += 1) {
      try {
        const result = await step()
        if (attempt > 0) this.options.stats.recovered(this.partition)
        return result
      } catch (error) {
        this.options.stats.failure(this.partition, error)
        this.options.log.warn(`could not ${what}; retrying`, { partition: this.partition, attempt, ...errorFields(error) })
        await sleep(backoffMs(attempt))
      }
    }
    return undefined
  }
}
