// Plans one inbox batch of a partition: brings each actor from the host, the batch's working
// copy or its stored snapshot, advances it with its commands in stream order, and collects what
// changed (rows for Postgres, transitions as patches for the history) and what must happen next
// (the outbox). Pure: the host is only read; the executor does the I/O and commits the working copy.
import type { ActorHost, HeldActor, StoredActor } from "./actor-host.ts"
import type { ActorColumns, ActorKind, Emitted } from "./actor-kind.ts"
import { refKey } from "./actor-kind.ts"
import type { AnyMachineSnapshot } from "xstate"
import { createStep, REJECTED, sendStep, stateName, type Step } from "./advance.ts"
import { diffViews, type Json, type JsonObject } from "./merge-patch.ts"
import type { OutboxItem } from "./outbox.ts"
import { machineVersion, restoreStored } from "./snapshot-version.ts"
import { storedSnapshot } from "./stored-snapshot.ts"
import { partitionOf } from "../redis/partition.ts"
import { compareStreamIds, streamIdMs } from "../redis/stream-id.ts"
import type { TransitionWrite } from "../store/snapshots.ts"

export interface InboxEntry {
  readonly id: string
  readonly fields: Readonly<Record<string, string>>
  /** Fields whose bytes were not UTF-8 (see src/redis/streams.ts): dead-lettered, never applied. */
  readonly notUtf8?: ReadonlyArray<string>
}

/** A decoded inbox command (see src/schema/commands.ts). */
export interface Command {
  readonly kind: string
  readonly id: string
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly cmdId?: string | undefined
  readonly replyTo?: string | undefined
  /** `rejected`: only a refusal is answered (absent, as in an entry written before it: every outcome). */
  readonly replyWhen?: "rejected" | undefined
}

/** A decoded inbox entry: its commands, in order (more than one only for a batched entry: one actor, one type). */
export type Decoded = { readonly ok: true; readonly commands: ReadonlyArray<Command> } | { readonly ok: false; readonly reason: string }

export interface PlannedRow {
  readonly kind: string
  readonly id: string
  readonly state: string
  /** Without the kind's members stored once. */
  readonly snapshot: unknown
  /** The kind's members stored once, when its row may lack them (created or restored by this batch). */
  readonly storedOnce: Readonly<Record<string, unknown>> | undefined
  readonly streamId: string
  readonly version: number
  /** The version of its kind's machine, recorded with the snapshot. */
  readonly machineVersion: number
  readonly outbox: ReadonlyArray<OutboxItem>
  readonly columns: ActorColumns
  /** The session it belongs to (its row's `session_id`), whether `columns` sends it or not: its stored sends to it
   * leave it out (stored-outbox.ts). */
  readonly session: string | undefined
  /** A task's capability and priority (its row's), whether `columns` sends them or not: its own stored `route_task`
   * leaves out what they say (stored-outbox.ts). */
  readonly capability: string | null | undefined
  readonly priority: number | null | undefined
  /** Its kind's `sweepIds` for it: a sweep's stored sends name their count (stored-outbox.ts). */
  readonly sweepIds: ((count: number) => ReadonlyArray<string>) | undefined
}

export interface BatchPlan {
  readonly rows: ReadonlyArray<PlannedRow>
  /** Actors erased by this batch: their rows and history are deleted in its commit. */
  readonly purges: ReadonlyArray<{ readonly kind: string; readonly id: string }>
  readonly transitions: ReadonlyArray<TransitionWrite>
  /** In stream order: what to carry out after the rows are committed. */
  readonly outbox: ReadonlyArray<OutboxItem>
  readonly deadLetters: ReadonlyArray<{ readonly entry: InboxEntry; readonly reason: string }>
  /** Entries to acknowledge once the outbox is carried out (dead letters are acked apart). */
  readonly ackIds: ReadonlyArray<string>
  /** The actors as this batch leaves them: the host takes them once the batch is committed. */
  readonly working: ReadonlyMap<string, HeldActor>
  readonly counts: { readonly applied: number; readonly rejected: number; readonly redelivered: number }
  /** The entries applied before (redeliveries) whose items `outbox` carries out again; absent: none. */
  readonly replayed?: ReadonlySet<string>
}

export interface PlanInput {
  readonly partition: number
  /** How many partitions the deployment has: an entry of another partition's actor is dead-lettered. */
  readonly partitions: number
  readonly entries: ReadonlyArray<InboxEntry>
  readonly decode: (fields: Readonly<Record<string, string>>) => Decoded
  readonly kinds: ReadonlyMap<string, ActorKind>
  readonly host: ActorHost
  /** The previous batch's actors while it is still being committed: this batch is planned on top. */
  readonly pending?: ReadonlyMap<string, HeldActor> | undefined
  /** The previous batch's entry ids: what they caused may not be carried out yet when this batch commits, so
   * an actor's row written by this batch keeps those items too (a redelivery of them finds them there). */
  readonly pendingEntryIds?: ReadonlySet<string> | undefined
  /** Stored state of the batch's actors that the host does not hold (from one query). */
  readonly stored: ReadonlyMap<string, StoredActor>
}

const CREATED = "created"
const TIMER_ARM = "timer.arm"
const TIMER_CLEAR = "timer.clear"
const ERASE_AFTER_EFFECTS = "actor.erase"
const PURGE = "actor.purge"
/** Who caused an entry, when its producer said (`operator`, `agent:<id>`): recorded in the history. */
const BY = /^[a-z_]{1,32}(:[0-9A-Za-z-]{1,64})?$/u

/** An actor brought into memory from its stored snapshot (migrated to its machine's version), or
 * why it cannot be: every command to it is then dead-lettered with that reason. */
const restored = (kind: ActorKind, id: string, stored: StoredActor): HeldActor | { readonly quarantined: string } => {
  const brought = restoreStored(kind, `${kind.kind}:${id}`, stored)
  if (!brought.ok) return brought
  const snapshot = brought.snapshot
  const state = stateName(snapshot.value)
  return {
    kind,
    id,
    snapshot,
    state,
    view: kind.view(id, snapshot.context, state) as JsonObject,
    streamId: stored.streamId,
    version: stored.version,
    outbox: stored.outbox,
  }
}

/** The answer to a command whose producer waits for one (`replyTo`), else nothing; nothing either for an acceptance
 * when it asked for refusals only (`replyWhen`), whose refusal then names the command (`cmdId`: its edge answers a
 * bot's frame by it, having kept nothing of the frame once acked). */
const replyItem = (
  command: Command,
  entryId: string,
  outcome: "applied" | "rejected",
  state: string | null,
  refusal?: { readonly code: string; readonly reason: string },
): OutboxItem | undefined => {
  const { replyTo, replyWhen } = command
  if (replyTo === undefined || (replyWhen === "rejected" && outcome === "applied")) return undefined
  const actor = { kind: command.kind, id: command.id }
  const item: OutboxItem = { _tag: "reply", entryId, replyTo, actor, outcome, state, ...refusal }
  return replyWhen === "rejected" && command.cmdId !== undefined ? { ...item, cmdId: command.cmdId } : item
}

export const planBatch = (input: PlanInput): BatchPlan => {
  const { partition, host } = input
  const outbox: OutboxItem[] = []
  const transitions: TransitionWrite[] = []
  const deadLetters: Array<{ entry: InboxEntry; reason: string }> = []
  const ackIds: string[] = []
  const working = new Map<string, HeldActor>()
  const counts = { applied: 0, rejected: 0, redelivered: 0 }
  const replayed = new Set<string>()
  // Actors whose rows may lack their members stored once: not held since a commit of this process wrote them
  // (restored from a row, which a migration or an edit may have changed, or created; erased and created again).
  const rowsWithoutOnce = new Set<string>()

  const current = (key: string, kind: ActorKind, id: string): HeldActor | { readonly quarantined: string } | undefined => {
    const held = working.get(key) ?? input.pending?.get(key) ?? host.get(key)
    if (held && !held.purged) return held
    rowsWithoutOnce.add(key)
    if (held) return undefined
    const stored = input.stored.get(key)
    return stored && restored(kind, id, stored)
  }

  // An actor this batch takes from the previous one: that batch's items for it, which its carrying out may
  // not have done when this batch's row replaces its row (items of batches before it are done by then).
  const stillPending = (key: string): ReadonlyArray<OutboxItem> => {
    const held = input.pending?.get(key)
    const ids = input.pendingEntryIds
    return held && ids ? held.outbox.filter((item) => ids.has(item.entryId)) : []
  }

  for (const entry of input.entries) {
    if (entry.notUtf8) {
      deadLetters.push({ entry, reason: `${entry.notUtf8.join(", ")}: invalid UTF-8` })
      continue
    }
    const decoded = input.decode(entry.fields)
    const command = decoded.ok ? decoded.commands[0] : undefined
    const kind = command && input.kinds.get(command.kind)
    if (!decoded.ok || !command || !kind) {
      deadLetters.push({ entry, reason: decoded.ok ? `actor: unknown kind "${command?.kind}"` : decoded.reason })
      continue
    }
    const home = partitionOf(command.kind, command.id, input.partitions)
    if (home !== partition) {
      deadLetters.push({ entry, reason: `actor: ${command.kind}:${command.id} belongs to partition ${home}, not ${partition}` })
      continue
    }
    const key = refKey(command)
    const found = current(key, kind, command.id)
    if (found !== undefined && "quarantined" in found) {
      // Kept for a replay once the snapshot fits; whoever waits for a verdict hears why now.
      deadLetters.push({ entry, reason: found.quarantined })
      const answer = replyItem(command, entry.id, "rejected", null, { code: "conflict", reason: found.quarantined })
      if (answer) outbox.push(answer)
      continue
    }
    const before = found

    if (before && compareStreamIds(entry.id, before.streamId) <= 0) {
      // Applied before (a redelivery): carry out what it caused again, change nothing.
      ackIds.push(entry.id)
      counts.redelivered += 1
      replayed.add(entry.id)
      for (const item of before.outbox) {
        if (item.entryId !== entry.id) continue
        if (item._tag === CREATED) outbox.push(...createdAgain(kind, key, decoded.commands, entry.id, partition))
        else outbox.push(item)
      }
      continue
    }

    const at = streamIdMs(entry.id)
    const folded = foldCommands(kind, key, before?.snapshot, decoded.commands, at)
    if (folded._tag === "failed") {
      deadLetters.push({ entry, reason: folded.reason })
      continue
    }
    ackIds.push(entry.id)
    counts.rejected += folded.refusals.length
    counts.applied += folded.applied

    const items: OutboxItem[] = []
    const [refusal] = folded.refusals
    if (!folded.step) {
      // Every command refused (a batch's refusals have no one waiting: it carries no replyTo).
      const answer = refusal && replyItem(command, entry.id, "rejected", refusal.state, { code: refusal.code, reason: refusal.reason })
      if (answer) items.push(answer)
      if (!before) items.push(...whenMissing(kind, decoded.commands, entry.id, partition))
    }
    let after = before
    const step = folded.step
    if (!step) {
      // nothing applied: `after` stays `before`
    } else if (step.parts.some((part) => part.effects.some((effect) => effect.type === PURGE))) {
      // Erased: nothing of it is written; its row and history are deleted with this batch.
      const answer = replyItem(command, entry.id, "applied", step.to)
      if (answer) items.push(answer)
      after = { ...before!, streamId: entry.id, outbox: [], purged: true }
    } else {
      const { snapshot, to } = step
      const version = (before?.version ?? 0) + (step.changed ? 1 : 0)
      const view = step.changed ? (kind.view(command.id, snapshot.context, to) as JsonObject) : before!.view
      if (step.changed) {
        const iso = isoAt(at)
        // The diff is a new object: its position members are added to it (as a spread of it would place them).
        const patch: Record<string, Json> = diffViews(before?.view ?? {}, view)
        if (!before) patch["created_at"] = iso
        patch["updated_at"] = iso
        patch["stream_id"] = entry.id
        patch["version"] = version
        const by = entry.fields["by"]
        transitions.push({
          kind: kind.kind,
          actorId: command.id,
          // no sessionId: the statement takes its row's `session_id` (a session's own id for a session), so a task's
          // history rows do not each carry it
          from: step.from,
          to,
          event: command.type,
          streamId: entry.id,
          at,
          version,
          patch,
          by: by !== undefined && BY.test(by) ? by : null,
        })
        items.push(
          eventItem(kind, command.id, snapshot.context, partition, {
            streamId: entry.id,
            version,
            from: step.from,
            to,
            event: command.type,
            patch,
            at,
          }),
        )
      }
      items.push(...stepItems(kind, command, step, entry.id, partition))
      const createdBy = before ? before.createdBy : entry.id
      after = { kind, id: command.id, snapshot, state: to, view, streamId: entry.id, version, outbox: [], createdBy }
    }
    outbox.push(...items)
    // Rejections of existing actors still advance the actor's stream id, so their reply is kept.
    if (after) {
      const previous = working.get(key)?.outbox ?? stillPending(key)
      working.set(key, { ...after, streamId: entry.id, outbox: [...previous, ...items] })
    }
  }

  // The stored outbox leaves out the events: the batch's `transitions` rows hold them (a redelivery
  // of a stored actor rebuilds them with `eventItem`).
  const erased = [...working.values()].filter((actor) => actor.purged)
  const purgedKeys = new Set(erased.map((actor) => `${actor.kind.kind}:${actor.id}`))
  const rows: PlannedRow[] = [...working.entries()]
    .filter(([, actor]) => !actor.purged)
    .map(([key, actor]) => {
      const columns = actor.kind.columns(actor.snapshot.context, actor.state)
      const once: Record<string, unknown> = {}
      const snapshot = storedSnapshot(actor.kind, actor.id, actor.snapshot, once)
      return {
        kind: actor.kind.kind,
        id: actor.id,
        state: actor.state,
        snapshot,
        storedOnce: actor.kind.storedOnce !== undefined && rowsWithoutOnce.has(key) ? once : undefined,
        streamId: actor.streamId,
        version: actor.version,
        machineVersion: machineVersion(actor.kind),
        outbox: storedItems(actor),
        columns: rowColumns(columns, rowsWithoutOnce.has(key)),
        session: columns.sessionId ?? undefined,
        capability: columns.capability,
        priority: columns.priority,
        sweepIds: sweepIdsOf(actor.kind, actor.id),
      }
    })
  return {
    rows,
    purges: erased.map((actor) => ({ kind: actor.kind.kind, id: actor.id })),
    transitions:
      purgedKeys.size === 0 ? transitions : transitions.filter((transition) => !purgedKeys.has(`${transition.kind}:${transition.actorId}`)),
    outbox,
    deadLetters,
    ackIds,
    working,
    counts,
    replayed,
  }
}

/** The items of an actor's row: no events (the batch's `transitions` rows hold them), and the items of the entry that
 * created it as one `created` (a redelivery of that entry creates it again: `createdAgain`). */
const storedItems = (actor: HeldActor): OutboxItem[] => {
  const items: OutboxItem[] = []
  let created = false
  for (const item of actor.outbox) {
    if (item._tag === "event") continue
    if (item.entryId !== actor.createdBy) items.push(item)
    else if (!created) {
      created = true
      items.push({ _tag: CREATED, entryId: item.entryId })
    }
  }
  return items
}

/** What an applied step causes beyond its event: each command's timers and outputs, then the reply to whoever waits. */
const stepItems = (kind: ActorKind, command: Command, step: FoldedStep, entryId: string, partition: number): OutboxItem[] => {
  const items: OutboxItem[] = []
  let offset = 0
  for (const part of step.parts) {
    const effects = effectItems(kind, command, part.effects, part.context, entryId, partition, offset)
    offset += effects.length
    items.push(...effects)
  }
  const answer = replyItem(command, entryId, "applied", step.to)
  if (answer) items.push(answer)
  return items
}

/** The items (less its event) of the entry that created an actor, for its redelivery: the creation is a pure step of
 * that entry's commands and time alone, so taking it again gives what it gave the first time, command ids included. */
const createdAgain = (kind: ActorKind, key: string, commands: ReadonlyArray<Command>, entryId: string, partition: number): OutboxItem[] => {
  const folded = foldCommands(kind, key, undefined, commands, streamIdMs(entryId))
  const command = commands[0]
  return folded._tag === "folded" && folded.step && command ? stepItems(kind, command, folded.step, entryId, partition) : []
}

/** A kind's `sweepIds` bound to actor `id`, when the kind has them. */
export const sweepIdsOf = (kind: ActorKind, id: string): ((count: number) => ReadonlyArray<string>) | undefined => {
  const sweepIds = kind.sweepIds
  return sweepIds === undefined ? undefined : (count) => sweepIds(id, count)
}

/** An actor's query columns for its row; a task's `sessionId` and `index`, which never change, only when its row may lack
 * them (the statement keeps those its row holds when they are not sent): not repeated in each write of a session's task. */
const rowColumns = (columns: ActorColumns, rowMayLackThem: boolean): ActorColumns => {
  if (rowMayLackThem || ((columns.sessionId ?? null) === null && (columns.index ?? null) === null)) return columns
  const { sessionId: _sessionId, index: _index, ...rest } = columns
  return rest
}

interface FoldedStep {
  readonly snapshot: AnyMachineSnapshot
  readonly from: string | null
  readonly to: string
  /** Some command changed the state value or the context (a transition worth recording). */
  readonly changed: boolean
  /** Each applied command's effects, with the context it left (what its outputs are built from). */
  readonly parts: ReadonlyArray<{ readonly effects: ReadonlyArray<Emitted>; readonly context: unknown }>
}

type Refusal = Extract<Step, { readonly _tag: "rejected" }>

/** What an entry's commands did, applied in order to one actor: the step of those applied taken as
 * one (from the state before the first to the state after the last; no step when none applied), the
 * refusals, or the failure that dead-letters the whole entry. One command is the common case; a
 * batched entry (append-runs.lua) is recorded as one transition, as if its commands were one. */
type Folded =
  | { readonly _tag: "failed"; readonly reason: string }
  | {
      readonly _tag: "folded"
      readonly step: FoldedStep | undefined
      readonly applied: number
      readonly refusals: ReadonlyArray<Refusal>
    }

const foldCommands = (
  kind: ActorKind,
  key: string,
  before: AnyMachineSnapshot | undefined,
  commands: ReadonlyArray<Command>,
  at: number,
): Folded => {
  let snapshot = before
  let step: FoldedStep | undefined
  let applied = 0
  const refusals: Refusal[] = []
  for (const command of commands) {
    const next: Step = !snapshot
      ? command.type === kind.createType
        ? createStep(kind, key, extended(command.payload, { at }))
        : { _tag: "rejected", code: "not_found", reason: `${command.kind} ${command.id} does not exist`, state: null }
      : command.type === kind.createType
        ? { _tag: "rejected", code: "conflict", reason: `${command.kind} ${command.id} already exists`, state: null }
        : sendStep(kind, key, snapshot, extended(command.payload, { type: command.type, at }))
    if (next._tag === "failed") return next
    if (next._tag === "rejected") {
      refusals.push(next)
      continue
    }
    applied += 1
    snapshot = next.snapshot
    step = {
      snapshot: next.snapshot,
      from: step ? step.from : next.from,
      to: next.to,
      changed: (step?.changed ?? false) || next.changed,
      parts: [...(step?.parts ?? []), { effects: next.effects, context: next.snapshot.context }],
    }
  }
  return { _tag: "folded", step, applied, refusals }
}

/**
 * `{ ...base, ...extra }`, the same members in the same order, for the objects the planner extends (payloads,
 * outputs: no `__proto__` member). On V8 (Node 20) every member added after a spread takes its slow path (about
 * 2 µs each, measured), where Object.assign copies onto a new object at a tenth of that.
 */
const extended = <A extends object, B extends object>(base: A, extra: B): A & B => Object.assign({}, base, extra)

/** What the sender of a command to a missing actor must still be told (ActorKind.whenMissing). */
const whenMissing = (kind: ActorKind, commands: ReadonlyArray<Command>, entryId: string, partition: number): OutboxItem[] =>
  commands
    .flatMap((command) => kind.whenMissing?.(command) ?? [])
    .map((output, index) => ({ ...output, entryId, cmdId: `${partition}/${entryId}/${index}` }))

/** A recorded transition of an actor as its event-stream item (topics from the actor's context). */
export const eventItem = (
  kind: ActorKind,
  actorId: string,
  context: unknown,
  partition: number,
  transition: {
    readonly streamId: string
    readonly version: number
    readonly from: string | null
    readonly to: string
    readonly event: string
    readonly patch: unknown
    readonly at: number
  },
): OutboxItem => ({
  _tag: "event",
  entryId: transition.streamId,
  id: `${transition.streamId}:${partition}`,
  topics: [...kind.topics(actorId, context), "machines"],
  kind: kind.kind,
  actor_id: actorId,
  version: transition.version,
  from: transition.from,
  to: transition.to,
  event: transition.event,
  patch: transition.patch as Readonly<Record<string, unknown>>,
  at: isoAt(transition.at),
})

/** The last time written as ISO text, and that text: a transition's time is written for its patch and its event. */
let lastAt = { ms: Number.NaN, iso: "" }
const isoAt = (ms: number): string => {
  if (ms !== lastAt.ms) lastAt = { ms, iso: new Date(ms).toISOString() }
  return lastAt.iso
}

/** Timers and domain effects of one applied command, as outbox items; `offset`: how many such items
 * the entry's earlier commands gave (a batched entry), so every command id of the entry is distinct. */
const effectItems = (
  kind: ActorKind,
  self: Command,
  effects: ReadonlyArray<Emitted>,
  context: unknown,
  entryId: string,
  partition: number,
  offset: number,
): OutboxItem[] => {
  const items: OutboxItem[] = []
  const ref = { kind: self.kind, id: self.id }
  for (const effect of effects) {
    if (effect.type === TIMER_ARM) {
      items.push({
        _tag: "timer_arm",
        entryId,
        ref,
        name: String(effect["name"]),
        fireAt: Number(effect["fireAt"]),
        event: effect["event"] as { type: string },
      })
    } else if (effect.type === TIMER_CLEAR) {
      items.push({ _tag: "timer_clear", entryId, ref, name: String(effect["name"]) })
    } else if (effect.type === ERASE_AFTER_EFFECTS) {
      items.push({ _tag: "erase", entryId, ref, cmdId: `${partition}/${entryId}/erase` })
    } else if (effect.type !== REJECTED && effect.type !== PURGE) {
      for (const output of kind.outputs(effect, { id: self.id, context })) {
        items.push(extended(output, { entryId, cmdId: `${partition}/${entryId}/${offset + items.length}` }))
      }
    }
  }
  return items
}
