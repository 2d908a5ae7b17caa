// Actor host: the actors of one partition held in memory as immutable records (their XState
// snapshot, public view, position and last outbox), most recently used last; not those at rest (a
// finished task), which their rows hold. A batch is planned
// on a working copy and `commit`ted only once Postgres holds it, so a failed batch leaves
// nothing to undo.
import type { AnyMachineSnapshot } from "xstate"
import type { ActorKind } from "./actor-kind.ts"
import type { JsonObject } from "./merge-patch.ts"
import type { OutboxItem } from "./outbox.ts"
import type { VersionedSnapshot } from "./snapshot-version.ts"

/** What Postgres holds of an actor (decoded by the snapshot store). */
export interface StoredActor extends VersionedSnapshot {
  readonly streamId: string
  readonly version: number
  /** The effects of its last applied batch, carried out again for a redelivered entry. */
  readonly outbox: ReadonlyArray<OutboxItem>
}

/** One actor as applied so far: committed (in the host) or planned (in a batch's working copy). */
export interface HeldActor {
  readonly kind: ActorKind
  readonly id: string
  readonly snapshot: AnyMachineSnapshot
  readonly state: string
  /** `kind.view` of the snapshot: the base of the next transition's patch. */
  readonly view: JsonObject
  /** The id of the last inbox entry applied. */
  readonly streamId: string
  readonly version: number
  readonly outbox: ReadonlyArray<OutboxItem>
  /** The entry that created it, while this process holds it since: its row stores that entry's items as one `created`. */
  readonly createdBy?: string | undefined
  /** Erased by this batch (its machine emitted `actor.purge`): its row and history are deleted at the commit,
   * and later commands find no actor. */
  readonly purged?: true
}

export class ActorHost {
  private readonly live = new Map<string, { actor: HeldActor; lastUsed: number }>()

  constructor(private readonly options: { readonly maxActors: number }) {}

  get(key: string): HeldActor | undefined {
    return this.live.get(key)?.actor
  }

  /** Stores what a committed batch applied, but for actors erased or come to rest (their kind's `restingStates`: a later
   * command restores them from their rows); evicts the least recently used beyond `maxActors`. */
  commit(actors: ReadonlyMap<string, HeldActor>, now: number): void {
    for (const [key, actor] of actors) {
      this.live.delete(key)
      if (!actor.purged && !actor.kind.restingStates?.has(actor.state)) this.live.set(key, { actor, lastUsed: now })
    }
    while (this.live.size > this.options.maxActors) {
      const oldest = this.live.keys().next().value as string
      this.live.delete(oldest)
    }
  }

  /** Drops actors idle for longer than `idleMs`. Returns how many were dropped. The least recently used come first
   * (`commit` moves an actor to the end), so the first one used since ends the look. */
  passivate(now: number, idleMs: number): number {
    let dropped = 0
    for (const [key, entry] of this.live) {
      if (now - entry.lastUsed < idleMs) break
      this.live.delete(key)
      dropped += 1
    }
    return dropped
  }

  clear(): void {
    this.live.clear()
  }
}
