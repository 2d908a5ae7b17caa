// Snapshot versions: a stored snapshot brought up to its kind's machine version by the kind's
// registered migrations, or the reason it cannot be (quarantine). The runtime restores actors with
// it before applying commands; the edge shows stored actors through it, so both give one verdict.
import { Result } from "effect"
import type { AnyMachineSnapshot } from "xstate"
import { decoderOf } from "../schema/codecs.ts"
import { formatIssue } from "../schema/issue.ts"
import type { ActorKind, PersistedSnapshot } from "./actor-kind.ts"
import { restoreSnapshot, stateName } from "./advance.ts"
import { expandSnapshot } from "./stored-snapshot.ts"

/** What a stored snapshot is, as far as its version goes. */
export interface VersionedSnapshot {
  readonly snapshot: unknown
  /** The version of its kind's machine that wrote `snapshot`. */
  readonly machineVersion: number
}

/** A stored snapshot brought up to its machine (persisted and restored), or why it cannot be. */
export type Restored =
  | {
      readonly ok: true
      readonly persisted: PersistedSnapshot
      readonly snapshot: AnyMachineSnapshot
      /** Its state value as one string (a migration may have renamed the stored one). */
      readonly state: string
    }
  | { readonly ok: false; readonly quarantined: string }

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Why `context` does not decode as the kind's stored context, or undefined when it does (or the kind has no Schema). */
const contextFault = (kind: ActorKind, context: unknown): string | undefined => {
  if (kind.context === undefined) return undefined
  const decoded = decoderOf(kind.context)(context, { errors: "first", onExcessProperty: "ignore" })
  return Result.isSuccess(decoded) ? undefined : formatIssue(decoded.failure.issue)
}

/** The kind's machine version (1 unless it says). */
export const machineVersion = (kind: ActorKind): number => kind.version ?? 1

/** The stored machine versions the kind's migrations bring up to its current one: `from` to `to` (the current), inclusive. */
export const fittingVersions = (kind: ActorKind): { readonly from: number; readonly to: number } => {
  const to = machineVersion(kind)
  let from = to
  while (from > 1 && kind.migrations?.[from - 1] !== undefined) from -= 1
  return { from, to }
}

/**
 * Restores `stored` for `kind`: an older snapshot goes through the kind's migrations one version at
 * a time, then gets back the members its stored form left out (src/runtime/stored-snapshot.ts). A
 * snapshot without a way up, written by a newer machine (a runtime older than the one that wrote it),
 * whose context does not decode as the kind's (its `context` Schema), or that the machine cannot
 * restore (a state it lacks) is quarantined: the reason says what was found and what to do.
 * The one verdict on a stored snapshot: the runtime restores with it, the edge shows and lists with it.
 */
export const restoreStored = (kind: ActorKind, key: string, stored: VersionedSnapshot): Restored => {
  const current = machineVersion(kind)
  const quarantine = (why: string): Restored => ({ ok: false, quarantined: `quarantined: ${key}: ${why}` })
  if (stored.machineVersion > current) {
    return quarantine(
      `its snapshot was written by version ${stored.machineVersion} of the ${kind.kind} machine, newer than this runtime's ${current}; run the newer runtime, then replay these dead letters`,
    )
  }
  let persisted = stored.snapshot as PersistedSnapshot
  for (let version = stored.machineVersion; version < current; version += 1) {
    const migrate = kind.migrations?.[version]
    if (migrate === undefined) {
      return quarantine(
        `its snapshot is of version ${version} of the ${kind.kind} machine, now at ${current}, and no migration from ${version} is registered; register one (the kind's migrations), then replay these dead letters`,
      )
    }
    try {
      persisted = migrate(persisted)
    } catch (error) {
      return quarantine(`migrating its snapshot from version ${version} of the ${kind.kind} machine failed: ${describe(error)}`)
    }
  }
  const unfit = (why: string): Restored =>
    quarantine(
      `its snapshot (${kind.kind} machine version ${current}) does not fit the machine: ${why}; raise the kind's version and register a migration, then replay these dead letters`,
    )
  persisted = expandSnapshot(kind, key.slice(kind.kind.length + 1), persisted)
  const fault = contextFault(kind, persisted?.context)
  if (fault !== undefined) return unfit(`its context does not decode: ${fault}`)
  try {
    const snapshot = restoreSnapshot(kind, persisted)
    return { ok: true, persisted, snapshot, state: stateName(snapshot.value) }
  } catch (error) {
    return unfit(describe(error))
  }
}
