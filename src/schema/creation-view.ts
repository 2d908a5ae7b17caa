// What a new actor's view most often holds, per kind: a creation's event on the event stream leaves out the members at
// these values and the edge's one decoder puts them back (event-stream.ts), so a new task's event carries what it was
// created with (its id, title, capability, payload, time) instead of twenty members every new task has. A task's view
// is actors/views.ts `taskView` then `created_at`; tests/unit/schema/creation-view.test.ts holds the two together.
// A stored entry names the table it was compacted by (`n`), so a later change of these values adds a table rather
// than editing one that stored entries were written with.

/** A member's usual value: a scalar, null or the empty list (compared by value). */
type Usual = string | number | boolean | null | readonly []

interface CreationView {
  /** Every member of the view, in its order. */
  readonly order: ReadonlyArray<string>
  /** The members left out when at their usual value. */
  readonly usual: Readonly<Record<string, Usual>>
}

/** A table's view with each member's position, looked up once per member of a creation. */
interface Indexed extends CreationView {
  readonly position: ReadonlyMap<string, number>
  readonly usualCount: number
}

const indexed = (view: CreationView): Indexed => ({
  ...view,
  position: new Map(view.order.map((key, at) => [key, at])),
  usualCount: Object.keys(view.usual).length,
})

const TASK: CreationView = {
  order: [
    "id",
    "session_id",
    "key",
    "title",
    "capability",
    "payload",
    "depends_on",
    "priority",
    "group",
    "requires_approval",
    "approved_at",
    "timeout_s",
    "max_attempts",
    "status",
    "agent_id",
    "attempt",
    "progress",
    "progress_message",
    "result",
    "error",
    "cancel_reason",
    "deadline_at",
    "started_at",
    "finished_at",
    "created_at",
  ],
  usual: {
    session_id: null,
    key: null,
    depends_on: [],
    priority: 2,
    group: null,
    requires_approval: false,
    approved_at: null,
    timeout_s: 300,
    max_attempts: 3,
    status: "ready",
    agent_id: null,
    attempt: 0,
    progress: 0,
    progress_message: null,
    result: null,
    error: null,
    cancel_reason: null,
    deadline_at: null,
    started_at: null,
    finished_at: null,
  },
}

/** The tables by the number a stored entry names (`n`), and the one new entries are written with. */
const TABLES: Readonly<Record<number, Readonly<Record<string, Indexed>>>> = { 1: { task: indexed(TASK) } }
export const CREATION_TABLE = 1

const isUsual = (value: unknown, usual: Usual): boolean =>
  Array.isArray(usual) ? Array.isArray(value) && value.length === 0 : value === usual

/**
 * A creation's patch without its members at their usual value, or undefined when `kind` has no table or the patch is
 * not a view of it (a member it does not know, out of order, or a usual member missing): then it is stored whole.
 */
export function leaveUsual(kind: string, patch: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const view = TABLES[CREATION_TABLE]?.[kind]
  if (view === undefined) return undefined
  const kept: Record<string, unknown> = {}
  let position = -1
  let usualSeen = 0
  for (const key in patch) {
    const at = view.position.get(key)
    if (at === undefined || at <= position) return undefined
    position = at
    const value = patch[key]
    if (Object.hasOwn(view.usual, key)) {
      usualSeen += 1
      if (isUsual(value, view.usual[key] as Usual)) continue
    }
    kept[key] = value
  }
  return usualSeen === view.usualCount ? kept : undefined
}

/** A patch `leaveUsual` made with table `table`, whole again (the view's members in its order, then any other the
 * entry holds); undefined for a table or kind it does not know. */
export function withUsual(table: number, kind: string, kept: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const view = TABLES[table]?.[kind]
  if (view === undefined) return undefined
  const patch: Record<string, unknown> = {}
  for (const key of view.order) {
    if (Object.hasOwn(kept, key)) patch[key] = kept[key]
    else if (Object.hasOwn(view.usual, key)) {
      const usual = view.usual[key] as Usual
      patch[key] = Array.isArray(usual) ? [] : usual
    }
  }
  for (const key in kept) if (!view.position.has(key)) patch[key] = kept[key]
  return patch
}
