// Plans one inbox batch of a partition: restore each actor, send its commands in stream
// order, collect what changed (rows for Postgres, transitions for the history) and what must
// happen next (the outbox). Pure apart from the actor host's memory; the executor does I/O.
import type { ActorHost, ApplyResult, StoredActor } from "./actor-host.ts"
import { REJECTED } from "./actor-host.ts"
import type { ActorColumns, ActorKind, Emitted } from "./actor-kind.ts"
import { refKey } from "./actor-kind.ts"
import type { OutboxItem } from "./outbox.ts"
import { compareStreamIds, streamIdMs } from "../redis/stream-id.ts"
import type { TransitionWrite } from "../store/snapshots.ts"

export interface InboxEntry {
  readonly id: string
  readonly fields: Readonly<Record<string, string>>
}

/** A decoded inbox command (see src/schema/commands.ts). */
export interface Command {
  readonly kind: string
  readonly id: string
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly replyTo?: string | undefined
}

export type Decoded = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly reason: string }

export interface StoredWithOutbox extends StoredActor {
  readonly outbox: ReadonlyArray<OutboxItem>
}

export interface PlannedRow {
  readonly kind: string
  readonly id: string
  readonly state: string
  readonly snapshot: unknown
  readonly streamId: string
  readonly version: number
  readonly outbox: ReadonlyArray<OutboxItem>
  readonly columns: ActorColumns
}

/** A transition for the `transitions` history, as the snapshot store writes it. */
export type PlannedTransition = TransitionWrite

export interface BatchPlan {
  readonly rows: ReadonlyArray<PlannedRow>
  readonly transitions: ReadonlyArray<PlannedTransition>
  /** In stream order: what to carry out after the rows are committed. */
  readonly outbox: ReadonlyArray<OutboxItem>
  readonly deadLetters: ReadonlyArray<{ readonly entry: InboxEntry; readonly reason: string }>
  /** Entries to acknowledge once the outbox is carried out (dead letters are acked apart). */
  readonly ackIds: ReadonlyArray<string>
  /** Actors this batch changed in memory or replayed from their stored outbox: forget them if
   * the batch fails, so a retry starts again from their stored state and outbox. */
  readonly touched: ReadonlyArray<string>
  readonly counts: { readonly applied: number; readonly rejected: number; readonly redelivered: number }
}

export interface PlanInput {
  readonly partition: number
  readonly entries: ReadonlyArray<InboxEntry>
  readonly decode: (fields: Readonly<Record<string, string>>) => Decoded
  readonly kinds: ReadonlyMap<string, ActorKind>
  readonly host: ActorHost
  /** Stored state of the batch's actors that the host does not hold (from one query). */
  readonly stored: ReadonlyMap<string, StoredWithOutbox>
  readonly now: number
}

const TIMER_ARM = "timer.arm"
const TIMER_CLEAR = "timer.clear"

export const planBatch = (input: PlanInput): BatchPlan => {
  const { partition, host, now } = input
  const outbox: OutboxItem[] = []
  const transitions: PlannedTransition[] = []
  const deadLetters: Array<{ entry: InboxEntry; reason: string }> = []
  const ackIds: string[] = []
  const touched = new Map<string, { kind: ActorKind; id: string; items: OutboxItem[] }>()
  const replayed = new Set<string>()
  const counts = { applied: 0, rejected: 0, redelivered: 0 }

  for (const entry of input.entries) {
    const decoded = input.decode(entry.fields)
    const kind = decoded.ok ? input.kinds.get(decoded.command.kind) : undefined
    if (!decoded.ok || !kind) {
      deadLetters.push({ entry, reason: decoded.ok ? `actor: unknown kind "${decoded.command.kind}"` : decoded.reason })
      continue
    }
    ackIds.push(entry.id)
    const command = decoded.command
    const key = refKey(command)
    const stored = input.stored.get(key)
    if (stored) host.restore(key, kind, stored, now)
    const position = host.position(key)

    if (position && compareStreamIds(entry.id, position.streamId) <= 0) {
      // Applied before (a redelivery): carry out what it caused again, change nothing.
      counts.redelivered += 1
      outbox.push(...(stored?.outbox ?? []).filter((item) => item.entryId === entry.id))
      // Only the stored outbox knows what it caused: a retry must load it again.
      replayed.add(key)
      continue
    }

    const at = streamIdMs(entry.id)
    const result: ApplyResult = !position
      ? command.type === kind.createType
        ? host.create(key, kind, { ...command.payload, at }, entry.id, now)
        : { _tag: "rejected", code: "not_found", reason: `${command.kind} ${command.id} does not exist`, state: null }
      : command.type === kind.createType
        ? alreadyExists(host, key, command, entry.id)
        : host.send(key, { ...command.payload, type: command.type, at }, entry.id, now)

    if (result._tag === "failed") {
      deadLetters.push({ entry, reason: result.reason })
      ackIds.pop()
      continue
    }

    const items: OutboxItem[] = []
    if (result._tag === "rejected") {
      counts.rejected += 1
      if (command.replyTo) {
        items.push({
          _tag: "reply", entryId: entry.id, replyTo: command.replyTo, actor: { kind: command.kind, id: command.id }, outcome: "rejected",
          state: result.state, code: result.code, reason: result.reason,
        })
      }
    } else {
      counts.applied += 1
      const context = result.context
      if (result.changed) {
        const sessionId = kind.columns(context, result.to).sessionId ?? (kind.kind === "session" ? command.id : null)
        transitions.push({
          kind: kind.kind, actorId: command.id, sessionId, from: result.from, to: result.to,
          event: command.type, streamId: entry.id, at,
        })
        items.push({
          _tag: "event", entryId: entry.id, id: `${entry.id}:${partition}`,
          topics: [...kind.topics(command.id, context), "machines"], kind: kind.kind, actor_id: command.id,
          from: result.from, to: result.to, event: command.type, context, at: new Date(at).toISOString(),
        })
      }
      items.push(...effectItems(kind, command, result.effects, context, entry.id, partition))
      if (command.replyTo) {
        items.push({ _tag: "reply", entryId: entry.id, replyTo: command.replyTo, actor: { kind: command.kind, id: command.id }, outcome: "applied", state: result.to })
      }
    }
    outbox.push(...items)
    // Rejections of existing actors still advance the actor's stream id, so their reply is kept.
    if (host.has(key)) {
      const record = touched.get(key) ?? { kind, id: command.id, items: [] }
      record.items.push(...items)
      touched.set(key, record)
    }
  }

  const rows: PlannedRow[] = [...touched].map(([key, { kind, id, items }]) => {
    const persisted = host.persisted(key)
    return {
      kind: kind.kind, id, state: persisted.state, snapshot: persisted.snapshot, streamId: persisted.streamId,
      version: persisted.version, outbox: items, columns: kind.columns(persisted.context, persisted.state),
    }
  })
  return { rows, transitions, outbox, deadLetters, ackIds, touched: [...new Set([...touched.keys(), ...replayed])], counts }
}

const alreadyExists = (host: ActorHost, key: string, command: Command, entryId: string): ApplyResult => {
  host.advance(key, entryId)
  return { _tag: "rejected", code: "conflict", reason: `${command.kind} ${command.id} already exists`, state: null }
}

/** Timers and domain effects of one applied command, as outbox items. */
const effectItems = (
  kind: ActorKind,
  self: Command,
  effects: ReadonlyArray<Emitted>,
  context: unknown,
  entryId: string,
  partition: number,
): OutboxItem[] => {
  const items: OutboxItem[] = []
  const ref = { kind: self.kind, id: self.id }
  for (const effect of effects) {
    if (effect.type === TIMER_ARM) {
      items.push({
        _tag: "timer_arm", entryId, ref, name: String(effect["name"]), fireAt: Number(effect["fireAt"]),
        event: effect["event"] as { type: string },
      })
    } else if (effect.type === TIMER_CLEAR) {
      items.push({ _tag: "timer_clear", entryId, ref, name: String(effect["name"]) })
    } else if (effect.type !== REJECTED) {
      for (const output of kind.outputs(effect, { id: self.id, context })) {
        items.push({ ...output, entryId, cmdId: `${partition}/${entryId}/${items.length}` })
      }
    }
  }
  return items
}
