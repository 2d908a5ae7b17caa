// Actor host: the actors of one partition held in memory as immutable records (their XState
// snapshot, public view, position and last outbox), most recently used last. A batch is planned
// on a working copy and `commit`ted only once Postgres holds it, so a failed batch leaves
// nothing to undo. Also how a stored snapshot is brought in: migrated up to its machine's
// version, or quarantined with the reason when it does not fit.
import type { AnyMachineSnapshot } from "xstate"
import type { ActorKind, PersistedSnapshot } from "./actor-kind.ts"
import { restoreSnapshot } from "./advance.ts"
import type { JsonObject } from "./merge-patch.ts"
import type { OutboxItem } from "./outbox.ts"

/** What Postgres holds of an actor (decoded by the snapshot store). */
export interface StoredActor {
  readonly snapshot: unknown
  readonly streamId: string
  readonly version: number
  /** The version of its kind's machine that wrote `snapshot`. */
  readonly machineVersion: number
  /** The effects of its last applied batch, carried out again for a redelivered entry. */
  readonly outbox: ReadonlyArray<OutboxItem>
}

/** A stored snapshot brought up to its machine, or why it cannot be. */
export type Restored = { readonly ok: true; readonly snapshot: AnyMachineSnapshot } | { readonly ok: false; readonly quarantined: string }

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** The kind's machine version (1 unless it says). */
export const machineVersion = (kind: ActorKind): number => kind.version ?? 1

/**
 * Restores `stored` for `kind`: an older snapshot goes through the kind's migrations one version at
 * a time. A snapshot without a way up, written by a newer machine (a runtime older than the one
 * that wrote it), or that the machine cannot restore (a state it lacks) is quarantined: the reason
 * says what was found and what to do.
 */
export const restoreStored = (kind: ActorKind, key: string, stored: StoredActor): Restored => {
  const current = machineVersion(kind)
  const quarantine = (why: string): Restored => ({ ok: false, quarantined: `quarantined: ${key}: ${why}` })
  if (stored.machineVersion > current) {
    return quarantine(
      `its snapshot was written by version ${stored.machineVersion} of the ${kind.kind} machine, newer than this runtime's ${current}; run the newer runtime, then replay these dead letters`,
    )
  }
  let snapshot = stored.snapshot as PersistedSnapshot
  for (let version = stored.machineVersion; version < current; version += 1) {
    const migrate = kind.migrations?.[version]
    if (migrate === undefined) {
      return quarantine(
        `its snapshot is of version ${version} of the ${kind.kind} machine, now at ${current}, and no migration from ${version} is registered; register one (the kind's migrations), then replay these dead letters`,
      )
    }
    try {
      snapshot = migrate(snapshot)
    } catch (error) {
      return quarantine(`migrating its snapshot from version ${version} of the ${kind.kind} machine failed: ${describe(error)}`)
    }
  }
  try {
    return { ok: true, snapshot: restoreSnapshot(kind, snapshot) }
  } catch (error) {
    return quarantine(
      `its snapshot (${kind.kind} machine version ${current}) does not fit the machine: ${describe(error)}; raise the kind's version and register a migration, then replay these dead letters`,
    )
  }
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

  /** Stores what a committed batch applied; evicts the least recently used beyond `maxActors`. */
  commit(actors: ReadonlyMap<string, HeldActor>, now: number): void {
    for (const [key, actor] of actors) {
      this.live.delete(key)
      if (!actor.purged) this.live.set(key, { actor, lastUsed: now })
    }
    while (this.live.size > this.options.maxActors) {
      const oldest = this.live.keys().next().value as string
      this.live.delete(oldest)
    }
  }

  /** Drops actors idle for longer than `idleMs`. Returns how many were dropped. */
  passivate(now: number, idleMs: number): number {
    let dropped = 0
    for (const [key, entry] of this.live) {
      if (now - entry.lastUsed < idleMs) continue
      this.live.delete(key)
      dropped += 1
    }
    return dropped
  }

  clear(): void {
    this.live.clear()
  }
}
