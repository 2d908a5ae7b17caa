// Stored snapshots: the form an actor's XState snapshot takes in its `actors` row. A context member
// still at its kind's stored default (a null time, a zero count, an empty list, the actor's own id,
// which its row holds already) and XState's empty
// bookkeeping (`status: "active"`, `historyValue: {}`, `children: {}`) are left out when written and put
// back when read, so a row carries what the actor holds, not its shape: a task written four times per
// lifecycle stored about 950 bytes each time, of which half were such members. A snapshot stored in
// full (before this form existed) reads the same.
// The members a kind stores once (`ActorKind.storedOnce`: given at creation, never changed) are split off
// as well: the runtime writes them in the row's `stored_once` column only when the row may lack them, and
// the store puts them back into the context when it reads a row (src/store/actor-row.ts `withStoredOnce`),
// so what expandSnapshot is given is the snapshot as if stored whole.
import type { AnyMachineSnapshot } from "xstate"
import { OWN_ID, type ActorKind, type PersistedSnapshot, type StoredDefault } from "./actor-kind.ts"

const isDefault = (value: unknown, stored: StoredDefault, id: string): boolean =>
  stored === OWN_ID ? value === id : Array.isArray(stored) ? Array.isArray(value) && value.length === 0 : value === stored

const isEmptyObject = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0

/** Whether `object` has a member `for…in` visits (XState's test of children and history). */
const anyMember = (object: unknown): boolean => {
  for (const _ in object as object) return true
  return false
}

/**
 * The snapshot to store for actor `id` (plain JSON): XState's persisted snapshot without what reading it puts back.
 * Built from the snapshot itself when XState's `getPersistedSnapshot` would only copy it (no children, no history:
 * every actor of ours): the same members in the same order, without that function's copies (a fifth of the planner's
 * stored-snapshot cost in a profile); else through it. Either way the context is stored as it is: XState's persisting
 * takes any object with `sessionId`, `send` and `ref` members for an actor reference and writes `{xstate$$type, id}`
 * in its place, which would rewrite a task's payload or result, or an agent's metadata (a bot's `{sessionId, ref,
 * send}` is data); no actor of ours holds a reference. With `once`, the kind's members stored once (not at their
 * default) are put in it instead of the snapshot's context.
 */
export const storedSnapshot = (
  kind: ActorKind,
  id: string,
  snapshot: AnyMachineSnapshot,
  once?: Record<string, unknown>,
): Record<string, unknown> => {
  const { children, historyValue, context } = snapshot
  if (anyMember(children) || anyMember(historyValue)) {
    const persisted = kind.machine.getPersistedSnapshot(snapshot) as unknown as PersistedSnapshot
    return compactSnapshot(kind, id, { ...persisted, context }, once)
  }
  // XState's persisted form is {status, output, error, value, historyValue, context, children}: what
  // compactSnapshot keeps of it, in its order.
  const compact: Record<string, unknown> = { output: snapshot.output, error: snapshot.error, value: snapshot.value }
  if (snapshot.status !== "active") compact["status"] = snapshot.status
  compact["context"] = compactContext(kind, id, context, once)
  return compact
}

/** `persisted` (as XState persists it for actor `id`) without what reading it puts back; with `once`, as storedSnapshot. */
export const compactSnapshot = (
  kind: ActorKind,
  id: string,
  persisted: PersistedSnapshot,
  once?: Record<string, unknown>,
): Record<string, unknown> => {
  const { status, historyValue, children, context, ...rest } = persisted
  const compact: Record<string, unknown> = { ...rest }
  if (status !== "active") compact["status"] = status
  if (!isEmptyObject(historyValue)) compact["historyValue"] = historyValue
  if (!isEmptyObject(children)) compact["children"] = children
  compact["context"] = compactContext(kind, id, context, once)
  return compact
}

const NONE: ReadonlySet<string> = new Set()
const onceNames = new WeakMap<ActorKind, ReadonlySet<string>>()

/** The kind's members stored once, as a set (made once per kind). */
const storedOnceOf = (kind: ActorKind): ReadonlySet<string> => {
  if (kind.storedOnce === undefined) return NONE
  let names = onceNames.get(kind)
  if (names === undefined) {
    names = new Set(kind.storedOnce)
    onceNames.set(kind, names)
  }
  return names
}

/** A persisted context without the members at their kind's stored default, and with `once`, without its members
 * stored once (put in `once`). */
const compactContext = (kind: ActorKind, id: string, context: unknown, once?: Record<string, unknown>): unknown => {
  const defaults = kind.storedDefaults
  const split = once === undefined ? NONE : storedOnceOf(kind)
  if ((defaults === undefined && split.size === 0) || typeof context !== "object" || context === null) return context
  const members: Record<string, unknown> = {}
  const keys = Object.keys(context)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const value = (context as Record<string, unknown>)[key]
    const stored = defaults?.[key]
    if (stored !== undefined && isDefault(value, stored, id)) continue
    if (split.has(key)) (once as Record<string, unknown>)[key] = value
    else members[key] = value
  }
  return members
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
