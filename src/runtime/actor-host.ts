// Actor host: keeps the live XState actors of one partition in an LRU, restores them from
// their stored snapshot (or creates them from a creation command), applies one command at a
// time and reports what the machine decided, with the effects it emitted.
import { createActor, type AnyActor, type AnyMachineSnapshot } from "xstate"
import type { ActorKind, Emitted } from "./actor-kind.ts"

/** What Postgres holds of an actor (decoded by the snapshot store). */
export interface StoredActor {
  readonly snapshot: unknown
  readonly streamId: string
  readonly version: number
}

export type ApplyResult =
  | {
      readonly _tag: "applied"
      readonly from: string | null
      readonly to: string
      /** The state value or the context changed (a transition worth recording). */
      readonly changed: boolean
      readonly effects: ReadonlyArray<Emitted>
      readonly context: unknown
    }
  | { readonly _tag: "rejected"; readonly code: string; readonly reason: string; readonly state: string | null }
  | { readonly _tag: "failed"; readonly reason: string }

interface Live {
  readonly kind: ActorKind
  actor: AnyActor
  /** The id of the last inbox entry applied (persisted or not). */
  streamId: string
  version: number
  lastUsed: number
  readonly buffer: Emitted[]
}

export const REJECTED = "command.rejected"

/** A state value as one string: `running`, or `parent.child` for nested states. */
export const stateName = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => `${key}.${stateName(child)}`)
      .join(",")
  }
  return String(value)
}

export class ActorHost {
  private readonly live = new Map<string, Live>()

  /** `maxActors` must exceed the largest batch, so no actor of a batch is evicted mid-batch. */
  constructor(private readonly options: { readonly maxActors: number }) {}

  has(key: string): boolean {
    return this.live.has(key)
  }

  /** Last applied entry id and version of a cached actor. */
  position(key: string): { streamId: string; version: number } | undefined {
    const entry = this.live.get(key)
    return entry && { streamId: entry.streamId, version: entry.version }
  }

  /** Brings a stored actor into memory (no-op when it is cached already). */
  restore(key: string, kind: ActorKind, stored: StoredActor, now: number): void {
    if (this.live.has(key)) return
    const buffer: Emitted[] = []
    const actor = startActor(kind, { snapshot: stored.snapshot }, buffer)
    this.remember(key, { kind, actor, streamId: stored.streamId, version: stored.version, lastUsed: now, buffer })
  }

  /** Creates a new actor from its creation command's payload. */
  create(key: string, kind: ActorKind, input: Record<string, unknown>, streamId: string, now: number): ApplyResult {
    const buffer: Emitted[] = []
    const actor = startActor(kind, { input }, buffer)
    const snapshot = actor.getSnapshot() as AnyMachineSnapshot
    if (snapshot.status === "error") {
      actor.stop()
      return { _tag: "failed", reason: `creating ${key} failed: ${describe(snapshot.error)}` }
    }
    this.remember(key, { kind, actor, streamId, version: 1, lastUsed: now, buffer })
    return { _tag: "applied", from: null, to: stateName(snapshot.value), changed: true, effects: buffer.splice(0), context: snapshot.context }
  }

  /** Sends one event to a cached actor. */
  send(key: string, event: Record<string, unknown> & { type: string }, streamId: string, now: number): ApplyResult {
    const entry = this.live.get(key)
    if (!entry) throw new Error(`actor ${key} is not in memory`)
    entry.lastUsed = now
    // Most recently used last: actors of the batch in hand are never the ones evicted.
    this.live.delete(key)
    this.live.set(key, entry)
    entry.buffer.length = 0
    const before = entry.actor.getSnapshot() as AnyMachineSnapshot
    entry.streamId = streamId
    if (before.status === "done") return this.afterFinal(entry, key, event, before)
    entry.actor.send(event)
    const after = entry.actor.getSnapshot() as AnyMachineSnapshot
    const effects = entry.buffer.splice(0)
    if (after.status === "error") {
      // A machine that throws is a bug; put the actor back as it was and report it.
      entry.actor.stop()
      entry.actor = startActor(entry.kind, { snapshot: entry.kind.machine.getPersistedSnapshot(before) }, entry.buffer)
      return { _tag: "failed", reason: `${event.type} made ${key} fail: ${describe(after.error)}` }
    }
    const rejection = rejected(effects, event.type, stateName(before.value))
    if (rejection) return rejection
    const from = stateName(before.value)
    const to = stateName(after.value)
    const changed = from !== to || before.context !== after.context
    if (changed) entry.version += 1
    return { _tag: "applied", from, to, changed, effects, context: after.context }
  }

  /** XState drops events sent to a finished actor: the kind's `afterFinal` answers, else a refusal. */
  private afterFinal(entry: Live, key: string, event: { type: string }, snapshot: AnyMachineSnapshot): ApplyResult {
    const state = stateName(snapshot.value)
    const effects = (entry.kind.afterFinal?.(event) as ReadonlyArray<Emitted> | undefined) ?? [
      { type: REJECTED, code: "conflict", reason: `${event.type} is not allowed: ${key} is ${state}, a final state` },
    ]
    return rejected(effects, event.type, state) ?? { _tag: "applied", from: state, to: state, changed: false, effects, context: snapshot.context }
  }

  /** Records that an entry was handled without reaching the machine (refused by the runtime). */
  advance(key: string, streamId: string): void {
    const entry = this.live.get(key)
    if (entry) entry.streamId = streamId
  }

  /** The snapshot to persist for a cached actor. */
  persisted(key: string): { snapshot: unknown; state: string; context: unknown; streamId: string; version: number } {
    const entry = this.live.get(key)
    if (!entry) throw new Error(`actor ${key} is not in memory`)
    const snapshot = entry.actor.getSnapshot() as AnyMachineSnapshot
    return {
      snapshot: entry.actor.getPersistedSnapshot(),
      state: stateName(snapshot.value),
      context: snapshot.context,
      streamId: entry.streamId,
      version: entry.version,
    }
  }

  /** Drops actors whose in-memory state may be ahead of Postgres (a failed write). */
  forget(keys: Iterable<string>): void {
    for (const key of keys) {
      this.live.get(key)?.actor.stop()
      this.live.delete(key)
    }
  }

  /** Passivates actors idle for longer than `idleMs`. Returns how many were dropped. */
  passivate(now: number, idleMs: number): number {
    let dropped = 0
    for (const [key, entry] of this.live) {
      if (now - entry.lastUsed < idleMs) continue
      entry.actor.stop()
      this.live.delete(key)
      dropped += 1
    }
    return dropped
  }

  clear(): void {
    this.forget([...this.live.keys()])
  }

  private remember(key: string, entry: Live): void {
    this.live.delete(key)
    this.live.set(key, entry)
    while (this.live.size > this.options.maxActors) {
      const oldest = this.live.keys().next().value as string
      this.forget([oldest])
    }
  }
}

/** The refusal among a command's effects, if the machine refused it. */
const rejected = (effects: ReadonlyArray<Emitted>, command: string, state: string): ApplyResult | undefined => {
  const rejection = effects.find((effect) => effect.type === REJECTED)
  return rejection && {
    _tag: "rejected",
    code: String(rejection["code"] ?? "conflict"),
    reason: String(rejection["reason"] ?? `${command} is not allowed`),
    state,
  }
}

/** Starts an actor whose emitted events land in `buffer`; errors stay in its snapshot. */
const startActor = (kind: ActorKind, options: { input?: unknown; snapshot?: unknown }, buffer: Emitted[]): AnyActor => {
  const actor = createActor(kind.machine, options as never)
  actor.on("*", (emitted: Emitted) => buffer.push(emitted))
  // An error observer marks machine errors as handled (else XState rethrows them later).
  actor.subscribe({ error: () => undefined })
  actor.start()
  return actor
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))
