// Partition worker: while this process holds a partition's lease, applies its inbox in stream
// order. It first stores its fence (so no former owner can write any more), takes over the
// entries former owners left pending, then reads new ones. A batch that fails because a server is
// unreachable is retried (never acked) with backoff until it succeeds or the lease is lost; a
// batch that fails for any other reason is split until the entry that causes it is alone, and
// that entry is dead-lettered (invariant 10). Due timers fire when the earliest is due. A batch carried out
// when the lease was last renewed more than half its TTL ago (the process was paused or stalled) first checks that
// the lease is still its own: a newer owner has then carried it out already, from its redelivery.
import type { Redis } from "ioredis"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import { announceDeadLetters } from "../redis/dead-letters.ts"
import { autoclaim, ensureGroup, lastDelivered, waitForEntries, type StreamEntry } from "../redis/streams.ts"
import { transitionsAt } from "../store/history.ts"
import type { StoredActor as StoredRow } from "../store/actor-row.ts"
import { loadSnapshots, writeBatch } from "../store/snapshots.ts"
import { expandSnapshot } from "./stored-snapshot.ts"
import { compareStreamIds } from "../redis/stream-id.ts"
import { ActorHost, type HeldActor, type StoredActor } from "./actor-host.ts"
import type { ActorKind } from "./actor-kind.ts"
import { acknowledgeBatch, carryOutBatch, commitBatch, type BatchIo } from "./execute-batch.ts"
import { failureReason, isUnavailable } from "./failure.ts"
import { restoredOutbox } from "./stored-outbox.ts"
import { eventItem, planBatch, sweepIdsOf, type BatchPlan, type Decoded } from "./plan-batch.ts"
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
  /** The longest the worker sleeps between two looks at its timers (it wakes earlier when one is due). */
  readonly timerTickMs: number
  readonly maxActors: number
  readonly passivateAfterMs: number
  /** The lease's TTL: past half of it since the last renewal, the lease is checked before a batch is carried out. */
  readonly leaseTtlMs: number
  readonly clock: () => number
  readonly log: Logger
  readonly stats: RuntimeStats
}

/** An actor's row as its stored outbox names it (stored-outbox.ts): its session, capability and priority columns, and
 * the ids its kind's sweeps address. */
const storedSelf = (row: StoredRow, kind: ActorKind | undefined) => ({
  kind: row.kind,
  id: row.id,
  session: row.sessionId,
  capability: row.capability,
  priority: row.priority,
  sweepIds: kind === undefined ? undefined : sweepIdsOf(kind, row.id),
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const backoffMs = (attempt: number) => Math.min(5_000, 100 * 2 ** attempt)
/** Timers moved into the inbox per step; a full step looks again at once. */
const TIMERS_PER_STEP = 500
/** A look at the timers that did not reach Redis is made again after this (or `timerTickMs`, if sooner). */
const TIMER_RETRY_MS = 1_000

/** A newer owner has written the partition. */
class PartitionLost extends Error {}

/** An entry's actor (its `actor` field, `kind:id`) as its key and parts; undefined when the field is not of that form. */
const actorOf = (entry: StreamEntry): { key: string; kind: string; id: string } | undefined => {
  const key = entry.fields["actor"] ?? ""
  const colon = key.indexOf(":")
  return colon > 0 ? { key, kind: key.slice(0, colon), id: key.slice(colon + 1) } : undefined
}

/** A batch that created an actor without reading its row found the row there: nothing of it was written,
 * and it is applied again the careful way (rows read). */
class AssumedNewExists extends Error {}

/** A planned batch, when its planning began (for the batch's duration), and the actors it created without
 * reading their rows (its commit checks that none exists). */
interface Prepared {
  readonly plan: BatchPlan
  readonly started: number
  readonly assumedNew: ReadonlyArray<{ readonly kind: string; readonly id: string }>
}

/** A batch being committed or carried out while the next one is read, planned and committed. */
interface InFlight {
  readonly entries: ReadonlyArray<StreamEntry>
  readonly plan: BatchPlan
  /** Postgres holds it (the next batch may be committed). */
  readonly committed: Promise<void>
  /** Carried out, after the batch before it (the next batch may be carried out). */
  readonly carried: Promise<void>
  /** Carried out and acknowledged. */
  readonly done: Promise<void>
  /** The batch before it, until it is settled. */
  before: InFlight | undefined
}

export class PartitionWorker {
  private running = true
  private loop: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private readonly host: ActorHost
  /** When the last renewal of the lease that succeeded was sent: the lease ran at least its TTL from then. */
  private leaseRenewedAt: number
  /** Set when a write was refused for a newer fence: another process owns the partition. */
  lost = false

  /** `leaseTakenAt`: when the lease under `fence` was asked for. */
  constructor(
    private readonly options: WorkerOptions,
    readonly partition: number,
    readonly fence: number,
    leaseTakenAt: number,
  ) {
    this.leaseRenewedAt = leaseTakenAt
    // The host keeps every actor of the batch in hand only while it may hold a whole batch.
    if (options.maxActors < options.batchSize) {
      throw new RangeError(`maxActors (${options.maxActors}) must be at least batchSize (${options.batchSize})`)
    }
    this.host = new ActorHost({ maxActors: options.maxActors })
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) =>
      this.options.log.error("partition worker stopped", { partition: this.partition, ...errorFields(error) }),
    )
    this.wakeTimersAt(this.options.clock())
  }

  /** Stops reading, finishes and acknowledges the batches in hand, then stops. A wait on the blocking
   * connection ends when its owner closes that connection. */
  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    await this.loop
    this.host.clear()
  }

  /** The lease was renewed by a call sent at `sentAt`. */
  leaseRenewed(sentAt: number): void {
    this.leaseRenewedAt = Math.max(this.leaseRenewedAt, sentAt)
  }

  private get keys() {
    return this.options.io.keys.partition(this.partition)
  }

  private async run(): Promise<void> {
    const { io, consumer, batchSize } = this.options
    await this.retrying("join the consumer group", () => ensureGroup(io.redis, this.keys.inbox))
    // Fence first: a former owner that has not noticed yet can write nothing from now on, so
    // the state loaded below is the last written, and what it read but did not write is pending.
    const claimed = await this.retrying("claim the partition", () =>
      writeBatch(io.sql, { partition: this.partition, fence: this.fence, rows: [], transitions: [] }),
    )
    if (claimed === undefined) return
    if (claimed._tag === "StaleFence") return this.lose()
    await this.takeOver()

    // Where the group's reads stand: what was appended after it is new.
    let position = await this.retrying("find the group's position", () => lastDelivered(io.redis, this.keys.inbox))
    // Pipelined: the next batch is read and planned on top of the one before, and committed once that
    // one is committed (while it is still carried out); planned again if that one failed.
    let inFlight: InFlight | undefined
    while (this.running && position !== undefined) {
      // Only the lease holder can read (inbox-read.lua), so no former owner takes entries after
      // the takeover: there are no strays to look for after each read.
      const read = await this.retrying("read the inbox", () => io.scripts.readInbox(this.keys, consumer, this.fence, batchSize))
      if (read === undefined) break
      if (!read.ok) {
        this.lose()
        break
      }
      const entries = read.value
      if (entries.length === 0) {
        await this.settle(inFlight)
        inFlight = undefined
        this.host.passivate(this.options.clock(), this.options.passivateAfterMs)
        const from = position
        await this.retrying("wait for the inbox", () => waitForEntries(this.options.blocking, this.keys.inbox, from, this.options.blockMs))
        continue
      }
      position = entries.at(-1)!.id
      this.options.stats.read(entries, this.options.clock())
      // New entries (first deliveries): a CREATE of an actor not in memory is assumed new, its row not read.
      const next = await this.prepare(entries, inFlight, true).catch(() => undefined)
      // The batch before must be committed before this one is; its carrying out may still run.
      const ready =
        inFlight === undefined ||
        (await inFlight.committed.then(
          () => true,
          () => false,
        ))
      if (!ready || next === undefined || !this.running) {
        await this.settle(inFlight)
        inFlight = undefined
        if (this.running) await this.apply(entries)
        continue
      }
      // At most two batches in flight: the one before the previous must be done.
      if (inFlight?.before !== undefined) {
        const settled = await this.settle(inFlight.before)
        inFlight.before = undefined
        if (!settled) {
          await this.settle(inFlight)
          inFlight = undefined
          if (this.running) await this.apply(entries)
          continue
        }
      }
      inFlight = this.launch(next, entries, inFlight)
    }
    await this.settle(inFlight)
  }

  /** Commits a planned batch, then carries it out once the batch before it is carried out (not yet acknowledged: its
   * acknowledgement and this batch's carrying out go side by side), then acknowledges it. */
  private launch(prepared: Prepared, entries: ReadonlyArray<StreamEntry>, before: InFlight | undefined): InFlight {
    const outcome = this.commit(prepared)
    const committed = outcome.then(() => undefined)
    const carried = (async () => {
      await outcome
      await before?.carried
      await carryOutBatch(this.options.io, prepared.plan, this.leaseCheck)
    })()
    const done = (async () => {
      const writeSeconds = await outcome
      await carried
      await this.acknowledge(prepared, writeSeconds)
    })()
    // Handled when settled; marked handled now, so a failure while the next read waits is no crash.
    committed.catch(() => undefined)
    carried.catch(() => undefined)
    done.catch(() => undefined)
    return { entries, plan: prepared.plan, committed, carried, done, before }
  }

  /** Waits for a batch in flight and the ones before it, in order. A batch that failed is applied
   * again the careful way (retries, isolation); false then, since a batch planned on top of it must
   * be planned again. */
  private async settle(inFlight: InFlight | undefined): Promise<boolean> {
    if (inFlight === undefined) return true
    const before = await this.settle(inFlight.before)
    inFlight.before = undefined
    try {
      await inFlight.done
      return before
    } catch (error) {
      if (error instanceof PartitionLost) this.lose()
      else if (this.running) await this.apply(inFlight.entries)
      return false
    }
  }

  /** Claims every pending entry of the partition (former owners' and its own) and applies them in stream order. */
  private async takeOver(): Promise<void> {
    const { io, consumer, batchSize } = this.options
    let cursor = "0-0"
    do {
      const claimed = await this.retrying("take over pending entries", () =>
        autoclaim(io.redis, this.keys.inbox, consumer, 0, batchSize, cursor),
      )
      if (claimed === undefined) return
      if (claimed.deleted.length > 0) {
        this.options.log.warn("pending entries were deleted from the inbox before they were applied", {
          partition: this.partition,
          ids: claimed.deleted,
        })
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

  /** Applies one batch, waiting out unreachable servers, until it is done or the partition is lost. */
  private async apply(entries: ReadonlyArray<StreamEntry>): Promise<void> {
    if (entries.length === 0) return
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.isolating(entries)
        return
      } catch (error) {
        if (error instanceof PartitionLost) return this.lose()
        this.options.stats.failure(this.partition, error)
        this.options.log.warn("batch failed; retrying", { partition: this.partition, attempt, ...errorFields(error) })
        if (!this.running) return
        await sleep(backoffMs(attempt))
      }
    }
  }

  /** Applies `entries`; when that fails for a reason other than an unreachable server, applies each
   * half in turn, down to the one entry at fault, which is dead-lettered with the reason. */
  private async isolating(entries: ReadonlyArray<StreamEntry>): Promise<void> {
    try {
      await this.applyOnce(entries)
    } catch (error) {
      if (error instanceof PartitionLost || isUnavailable(error) || !this.running) throw error
      const [only] = entries
      if (only !== undefined && entries.length === 1) return this.deadLetter(only, failureReason(error))
      const half = Math.ceil(entries.length / 2)
      await this.isolating(entries.slice(0, half))
      await this.isolating(entries.slice(half))
    }
  }

  private async applyOnce(entries: ReadonlyArray<StreamEntry>): Promise<void> {
    const prepared = await this.prepare(entries)
    await this.finish(prepared, await this.commit(prepared))
  }

  /**
   * Loads and plans a batch, on top of `before` (the batch before it, still being committed). With
   * `assumeNew` (entries never delivered before, so none was applied), an actor not in memory whose first
   * entry in the batch is its creation is assumed new and its row is not read: a task's creation, the
   * most common command, then costs no query; the commit checks the assumption.
   */
  private async prepare(entries: ReadonlyArray<StreamEntry>, before?: InFlight, assumeNew = false): Promise<Prepared> {
    const { io } = this.options
    const started = performance.now()
    const pending = before?.plan.working
    const assumedNew = assumeNew ? this.creations(entries, pending) : new Map<string, { kind: string; id: string }>()
    const stored = await this.load(entries, pending, assumedNew)
    // A plan asks for its turn of the event loop: once the plans and carrying out before it took this turn's slice,
    // it waits for the next (turns.ts).
    const turn = io.turns.myTurn()
    if (turn !== undefined) await turn
    const plan = planBatch({
      partition: this.partition,
      partitions: io.partitions,
      entries,
      decode: this.options.decode,
      kinds: this.options.kinds,
      host: this.host,
      pending,
      pendingEntryIds: before && new Set(before.entries.map((entry) => entry.id)),
      stored,
    })
    return { plan, started, assumedNew: [...assumedNew.values()] }
  }

  /** The actors, not in memory, whose first entry in `entries` is their kind's creation, by `kind:id`. */
  private creations(
    entries: ReadonlyArray<StreamEntry>,
    pending?: ReadonlyMap<string, HeldActor>,
  ): Map<string, { kind: string; id: string }> {
    const seen = new Set<string>()
    const created = new Map<string, { kind: string; id: string }>()
    for (const entry of entries) {
      const actor = actorOf(entry)
      if (actor === undefined || seen.has(actor.key)) continue
      seen.add(actor.key)
      const kind = this.options.kinds.get(actor.kind)
      if (kind !== undefined && entry.fields["type"] === kind.createType && !this.inMemory(actor.key, pending))
        created.set(actor.key, { kind: actor.kind, id: actor.id })
    }
    return created
  }

  /** Held by the host, or by the batch before this one (still being committed). */
  private inMemory(key: string, pending?: ReadonlyMap<string, HeldActor>): boolean {
    return this.host.get(key) !== undefined || (pending?.has(key) ?? false)
  }

  /** Commits a planned batch and hands its actors to the host; how long the write took (s). */
  private async commit({ plan, assumedNew }: Prepared): Promise<number> {
    const outcome = await commitBatch(this.options.io, this.partition, this.fence, plan, assumedNew)
    if (outcome._tag === "StaleFence") throw new PartitionLost()
    if (outcome._tag === "Clashed") throw new AssumedNewExists()
    this.host.commit(plan.working, this.options.clock())
    return outcome.writeSeconds
  }

  /** Carries out what a committed batch caused and acknowledges it. */
  private async finish(prepared: Prepared, writeSeconds: number): Promise<void> {
    await carryOutBatch(this.options.io, prepared.plan, this.leaseCheck)
    await this.acknowledge(prepared, writeSeconds)
  }

  /**
   * Before a committed batch sends anything (its sends built, so that nothing but this check stands between it and
   * them): when the lease was last renewed more than half its TTL ago (this process was paused or its event loop
   * stalled, maybe between the commit and now), whether Redis still names this owner and fence. If not, a newer owner
   * has taken the partition over and carries the batch out from its redelivery: this one publishes nothing and
   * acknowledges nothing. A pause between the check's answer and the sends can still publish twice (events are at
   * least once); the check keeps a process that wakes from a long pause from doing so. Undefined (nothing to wait for)
   * while the lease is fresh.
   */
  private readonly leaseCheck = (): Promise<void> | undefined => {
    if (this.options.clock() - this.leaseRenewedAt <= this.options.leaseTtlMs / 2) return undefined
    return this.options.io.redis.hmget(this.keys.lease, "owner", "token").then(([owner, token]) => {
      if (!this.holdsLease(owner, token)) throw new PartitionLost()
    })
  }

  /** Whether a lease's `owner` and `token` (its hash's fields, null when gone) are this worker's: its consumer name (a
   * runtime's member id) and fence. */
  holdsLease(owner: string | null | undefined, token: string | null | undefined): boolean {
    return owner === this.options.consumer && token === String(this.fence)
  }

  /** Once a committed batch is carried out: acknowledges it, reports its dead letters, looks at the timers it armed. */
  private async acknowledge({ plan, started }: Prepared, writeSeconds: number): Promise<void> {
    await acknowledgeBatch(this.options.io, this.partition, plan)
    for (const { entry, reason } of plan.deadLetters) this.reportDeadLetter(entry.id, reason)
    if (plan.deadLetters.length > 0) await this.announceDeadLetters()
    const armed = plan.outbox.filter((item) => item._tag === "timer_arm").map((item) => item.fireAt)
    if (armed.length > 0) this.wakeTimersAt(Math.min(...armed))
    this.options.stats.batch(this.partition, plan, { seconds: (performance.now() - started) / 1000, writeSeconds })
  }

  /** Moves one entry that cannot be applied or stored to the dead-letter stream; its actor is unchanged. */
  private async deadLetter(entry: StreamEntry, reason: string): Promise<void> {
    await this.options.io.scripts.deadLetters(this.keys, [{ id: entry.id, reason }])
    this.options.stats.deadLettered += 1
    this.reportDeadLetter(entry.id, reason)
    await this.announceDeadLetters()
  }

  private reportDeadLetter(id: string, reason: string): void {
    this.options.log.warn("inbox entry dead-lettered", { partition: this.partition, id, reason })
  }

  /** Tells the edges (and so live dashboards) the new total; a notice lost is a count the page reads on opening. */
  private async announceDeadLetters(): Promise<void> {
    const { io } = this.options
    await announceDeadLetters(io.redis, io.keys, io.partitions).catch((error: unknown) =>
      this.options.log.warn("dead letters' total not announced", errorFields(error)),
    )
  }

  /** Stored state of the entries' actors that are not in memory, in one query; for an entry applied
   * before (a redelivery), the events it caused, from the history (the stored outbox leaves them out). */
  private async load(
    entries: ReadonlyArray<StreamEntry>,
    pending?: ReadonlyMap<string, HeldActor>,
    assumedNew?: ReadonlyMap<string, unknown>,
  ): Promise<Map<string, StoredActor>> {
    const refs = new Map<string, { kind: string; id: string }>()
    for (const entry of entries) {
      const actor = actorOf(entry)
      if (actor !== undefined && !this.inMemory(actor.key, pending) && !assumedNew?.has(actor.key))
        refs.set(actor.key, { kind: actor.kind, id: actor.id })
    }
    const stored = new Map<string, StoredActor>()
    if (refs.size === 0) return stored
    const rows = await loadSnapshots(this.options.io.sql, [...refs.values()])
    const redelivered = entries.flatMap((entry) => {
      const row = rows.get(entry.fields["actor"] ?? "")
      return row && compareStreamIds(entry.id, row.streamId) <= 0 ? [{ kind: row.kind, actorId: row.id, streamId: entry.id }] : []
    })
    const history = await transitionsAt(this.options.io.sql, redelivered)
    for (const [key, actor] of rows) {
      const kind = this.options.kinds.get(actor.kind)
      const own = history.filter((transition) => transition.kind === actor.kind && transition.actorId === actor.id)
      const context = kind === undefined || own.length === 0 ? undefined : expandSnapshot(kind, actor.id, actor.snapshot).context
      const events = kind === undefined ? [] : own.map((transition) => eventItem(kind, actor.id, context, this.partition, transition))
      stored.set(key, {
        snapshot: actor.snapshot,
        streamId: actor.streamId,
        version: actor.version,
        machineVersion: actor.machineVersion,
        outbox: [...events, ...restoredOutbox(storedSelf(actor, kind), this.partition, actor.outbox)],
      })
    }
    return stored
  }

  /** Looks at the timers at `dueMs` (or after `timerTickMs`, whichever comes first). */
  private wakeTimersAt(dueMs: number): void {
    if (!this.running) return
    const now = this.options.clock()
    const at = Math.min(dueMs, now + this.options.timerTickMs)
    if (this.timer !== undefined && at >= this.timerAt) return
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.timerAt = Number.POSITIVE_INFINITY
        void this.fireTimers()
      },
      Math.max(0, at - now),
    )
  }

  private async fireTimers(): Promise<void> {
    if (!this.running) return
    const now = this.options.clock()
    try {
      const fired = await this.options.io.scripts.fireTimers(this.keys, now, TIMERS_PER_STEP)
      this.wakeTimersAt(fired.moved === TIMERS_PER_STEP ? now : (fired.nextDue ?? Number.POSITIVE_INFINITY))
    } catch (error) {
      // Due timers stay in the sorted set and fire at the next look that reaches Redis.
      this.options.log.debug("could not fire timers", { partition: this.partition, ...errorFields(error) })
      this.wakeTimersAt(now + TIMER_RETRY_MS)
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
        // Stopping: the runtime closed the blocking connection to end a wait; nothing failed.
        if (!this.running) return undefined
        this.options.stats.failure(this.partition, error)
        this.options.log.warn(`could not ${what}; retrying`, { partition: this.partition, attempt, ...errorFields(error) })
        await sleep(backoffMs(attempt))
      }
    }
    return undefined
  }
}
