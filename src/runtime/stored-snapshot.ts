// Stored snapshots: the form an actor's XState snapshot takes in its `actors` row. A context member
// still at its kind's stored default (a null time, a zero count, an empty list, the actor's own id,
// which its row holds already) and XState's empty
// bookkeeping (`status: "active"`, `historyValue: {}`, `children: {}`) are left out when written and put
// back when read, so a row carries what the actor holds, not its shape: a task written four times per
// lifecycle stored about 950 bytes each time, of which half were such members. A snapshot stored in
// full (before this form existed) reads the same.
import type { AnyMachineSnapshot } from "xstate"
import { OWN_ID, type ActorKind, type PersistedSnapshot, type StoredDefault } from "./actor-kind.ts"

const isDefault = (value: unknown, stored: StoredDefault, id: string): boolean =>
  stored === OWN_ID ? value === id : Array.isArray(stored) ? Array.isArray(value) && value.length === 0 : value === stored

const isEmptyObject = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0

/** The snapshot to store for actor `id` (plain JSON): XState's persisted snapshot without what reading it puts back. */
export const storedSnapshot = (kind: ActorKind, id: string, snapshot: AnyMachineSnapshot): Record<string, unknown> =>
  compactSnapshot(kind, id, kind.machine.getPersistedSnapshot(snapshot) as unknown as PersistedSnapshot)

/** `persisted` (as XState persists it for actor `id`) without what reading it puts back. */
export const compactSnapshot = (kind: ActorKind, id: string, persisted: PersistedSnapshot): Record<string, unknown> => {
  const { status, historyValue, children, context, ...rest } = persisted
  const compact: Record<string, unknown> = { ...rest }
  if (status !== "active") compact["status"] = status
  if (!isEmptyObject(historyValue)) compact["historyValue"] = historyValue
  if (!isEmptyObject(children)) compact["children"] = children
  const defaults = kind.storedDefaults
  if (defaults === undefined || typeof context !== "object" || context === null) {
    compact["context"] = context
    return compact
  }
  const members: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(context)) {
    const stored = defaults[key]
    if (stored === undefined || !isDefault(value, stored, id)) members[key] = value
  }
  compact["context"] = members
  return compact
}

/** A stored snapshot (compact or in full) of actor `id` as XState persists it. */
export const expandSnapshot = (kind: ActorKind, id: string, stored: unknown): PersistedSnapshot => {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return stored as PersistedSnapshot
  const snapshot = stored as Record<string, unknown>
  const context = snapshot["context"]
  const defaults = kind.storedDefaults
  const full =
    defaults === undefined || typeof context !== "object" || context === null || Array.isArray(context)
      ? context
      : { ...fresh(defaults, id), ...(context as Record<string, unknown>) }
  return { status: "active", historyValue: {}, children: {}, ...snapshot, context: full } as unknown as PersistedSnapshot
}

/** The defaults of actor `id` as new values (each empty list its own, so no two snapshots share one). */
const fresh = (defaults: Readonly<Record<string, StoredDefault>>, id: string): Record<string, unknown> => {
  const values: Record<string, unknown> = {}
  for (const key in defaults) {
    const stored = defaults[key]
    values[key] = stored === OWN_ID ? id : Array.isArray(stored) ? [] : stored
  }
  return values
}
