// Stored outboxes: the form the outbox items of an actor's last batch take in its `actors` row (kept so
// a redelivered entry carries out its effects again). Items are grouped by the entry that caused them,
// so its id is written once, not once per item; a timer's `ref`, which is the actor itself, is left
// out, and so is a routing item's own task or agent id (`taskId` of `route_task`, `group_release` and `release`,
// `agentId` of `fill_agent`: the actor itself); a command id derived from the entry (`<partition>/<entryId>/<n>`, see plan-batch.ts) keeps only
// `#<n>`; a send to the actor's own session (a task's report) leaves out its `to`; a reply's `actor` naming the actor
// itself, and a pushed frame's `task_id` and `session_id` naming the actor and its session, are stored as `#` (in place:
// what is sent keeps its members' order). Sends of one entry with the same type and payload to actors of one kind, under consecutive derived command ids
// (a session's sweep: one SESSION_RUN per task), are stored as one `sends` naming their ids, or, when they are the
// first n of the ids its sweeps address (its kind's `sweepIds`: a session's tasks), their count. A task's report to its
// session (`TASK_STATUS {index, from, status, epoch}`, a session task stores about four) is stored as a `report` of
// those values, compact as its entry carries them (src/schema/task-report.ts); a task's own `route_task` saying what
// its row and entry say (the row's capability and priority, ready since the entry's time, no group: a session task
// stores one at SESSION_RUN) as `routed`. Reading puts all of it back. An outbox stored before these forms (a plain
// list, a report as its send, a route whole) reads the same.
import type { ActorRef } from "./actor-kind.ts"
import type { OutboxItem } from "./outbox.ts"
import { compactReport, keyedReport } from "../schema/task-report.ts"
import { streamIdMs } from "../redis/stream-id.ts"

/** Entry id → its items, each without `entryId`, and without `ref` when it is the actor itself. */
type StoredOutbox = Record<string, Array<Record<string, unknown>>>

const DERIVED = "#"
const SENDS = "sends"
const REPORT = "report"
const ROUTE = "route_task"
const ROUTED = "routed"
const REPORT_TYPE = "TASK_STATUS"
/** The items that name their own actor (`ref`). */
const OWN_REF = new Set(["timer_arm", "timer_clear", "erase"])
/** A reply's member naming the actor it answers for: `#` when it is the actor itself (in place: a reply's body is sent in
 * its members' order). */
const REPLY_ACTOR = "actor"
/** The members of a pushed frame's payload that may name the actor itself (`task_id`) and its session (`session_id`). */
const FRAME_SELF = "task_id"
const FRAME_SESSION = "session_id"
/** The member of an item that names its own actor's id, by tag. */
const OWN_ID: Readonly<Record<string, string>> = {
  route_task: "taskId",
  group_release: "taskId",
  release: "taskId",
  fill_agent: "agentId",
}

const sameRef = (ref: unknown, self: ActorRef): boolean =>
  typeof ref === "object" && ref !== null && (ref as ActorRef).kind === self.kind && (ref as ActorRef).id === self.id

/** An actor as its stored outbox names it: its session, when it has one (its row's `session_id`), and a task's
 * capability and priority (its row's `capability`, `priority`: what its own `route_task` says). */
type Self = ActorRef & {
  readonly session?: string | null | undefined
  readonly capability?: string | null | undefined
  readonly priority?: number | null | undefined
  /** The ids its sweeps address (its kind's `sweepIds`): a `sends` to exactly its first n is stored as `count: n`. */
  readonly sweepIds?: ((count: number) => ReadonlyArray<string>) | undefined
}

/** The item's `to` is `self`'s session, as a plain ref. */
const toOwnSession = (item: OutboxItem, self: Self): boolean => {
  if (item._tag !== "send" || self.session === undefined || self.session === null) return false
  const to = item.to
  return to.kind === "session" && to.id === self.session && Object.keys(to).length === 2
}

/** The outbox to store for `self` (living in `partition`): its items grouped by entry; an empty outbox is `[]`. */
export const storedOutbox = (self: Self, partition: number, items: ReadonlyArray<OutboxItem>): StoredOutbox | [] => {
  if (items.length === 0) return []
  // Keyed by entry ids, a new key each time: an object without a prototype is a hash table from the start (V8), where
  // a plain one takes a new hidden class per new key (about 0.7 µs a key). Its JSON is the same.
  const stored: StoredOutbox = Object.create(null)
  for (const item of items) {
    const record = item as OutboxItem & Record<string, unknown>
    const { entryId, cmdId } = record
    // The item's members in their order, less those left out: one copy, no `delete` (which turns an object into
    // dictionary mode, slower for the JSON that follows).
    const leftRef = OWN_REF.has(item._tag) && sameRef(record["ref"], self)
    const ownActor = item._tag === "reply" && sameRef(record[REPLY_ACTOR], self)
    const leftTo = toOwnSession(item, self)
    const ownId = OWN_ID[item._tag]
    const leftId = ownId !== undefined && record[ownId] === self.id ? ownId : undefined
    const derived = `${partition}/${entryId}/`
    const shortId = typeof cmdId === "string" && cmdId.startsWith(derived) ? `${DERIVED}${cmdId.slice(derived.length)}` : undefined
    const compact: Record<string, unknown> = {}
    const keys = Object.keys(record)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      if (key === "entryId" || (key === "ref" && leftRef) || key === leftId || (key === "to" && leftTo)) continue
      compact[key] =
        key === "cmdId" && shortId !== undefined
          ? shortId
          : key === "frame"
            ? storedFrame(record[key], self)
            : key === REPLY_ACTOR && ownActor
              ? DERIVED
              : record[key]
    }
    const group = (stored[entryId] ??= [])
    if (!joined(group, item, shortId))
      group.push(leftTo ? storedReport(compact) : leftId !== undefined ? storedRoute(compact, self, entryId) : compact)
  }
  if (self.sweepIds !== undefined) for (const entryId in stored) stored[entryId] = stored[entryId]!.map((item) => counted(item, self))
  return stored
}

/** A `sends` to exactly the first n of the ids `self`'s sweeps address, as `count: n` in place of its `ids`. */
const counted = (item: Record<string, unknown>, self: Self): Record<string, unknown> => {
  const ids = item["ids"]
  if (item["_tag"] !== SENDS || !Array.isArray(ids) || self.sweepIds === undefined || self.sweepIds(1)[0] !== ids[0]) return item
  const swept = self.sweepIds(ids.length)
  if (ids.some((id, at) => id !== swept[at])) return item
  const { ids: _ids, ...rest } = item
  return { ...rest, count: ids.length }
}

/** A send to the actor's own session (its `to` left out already) stored as a `report` when it is exactly a report
 * (`_tag`, `type`, the report's four members, a command id): `{_tag, r, cmdId}`, `r` as its entry carries it
 * (src/schema/task-report.ts: a payload of those members in another order reads back in theirs, the same send). */
const storedReport = (compact: Record<string, unknown>): Record<string, unknown> => {
  const { type, payload, cmdId } = compact
  if (type !== REPORT_TYPE || Object.keys(compact).length !== 4 || typeof cmdId !== "string") return compact
  const r = compactReport(payload)
  return r === undefined ? compact : { _tag: REPORT, r, cmdId }
}

/** A task's own `route_task` (its `taskId` left out already) stored as `routed` when it says what its row and entry
 * do (the row's capability and priority, ready since the entry's time, no group): `{_tag, cmdId}`. */
const storedRoute = (compact: Record<string, unknown>, self: Self, entryId: string): Record<string, unknown> => {
  const { _tag, capability, priority, since, cmdId } = compact
  const keys = Object.keys(compact).length
  if (_tag !== ROUTE || keys !== (cmdId === undefined ? 4 : 5) || (cmdId !== undefined && typeof cmdId !== "string")) return compact
  if (typeof capability !== "string" || capability !== self.capability || typeof priority !== "number" || priority !== self.priority)
    return compact
  if (since !== streamIdMs(entryId)) return compact
  return cmdId === undefined ? { _tag: ROUTED } : { _tag: ROUTED, cmdId }
}

/** A stored `routed` as the `route_task` it stands for (its `taskId` put back with the other own members). */
const expandedRoute = (compact: Record<string, unknown>, self: Self, entryId: string): Record<string, unknown> => {
  const route: Record<string, unknown> = { _tag: ROUTE, capability: self.capability, priority: self.priority, since: streamIdMs(entryId) }
  if (compact["cmdId"] !== undefined) route["cmdId"] = compact["cmdId"]
  return route
}

/** A stored `report` as the send it stands for (its `to` put back with the other own members). */
const expandedReport = (compact: Record<string, unknown>): Record<string, unknown> => ({
  _tag: "send",
  type: REPORT_TYPE,
  payload: keyedReport(compact["r"]),
  cmdId: compact["cmdId"],
})

/** A pushed frame whose payload names the actor itself or its session, with `#` in their place (members in their order). */
const storedFrame = (frame: unknown, self: Self): unknown => {
  const payload = (frame as { payload?: unknown } | null)?.payload
  if (typeof payload !== "object" || payload === null) return frame
  const members = payload as Record<string, unknown>
  const ownId = members[FRAME_SELF] === self.id
  const ownSession = self.session !== undefined && self.session !== null && members[FRAME_SESSION] === self.session
  if (!ownId && !ownSession) return frame
  const kept: Record<string, unknown> = {}
  for (const key of Object.keys(members))
    kept[key] = (key === FRAME_SELF && ownId) || (key === FRAME_SESSION && ownSession) ? DERIVED : members[key]
  return { ...(frame as object), payload: kept }
}

/** A stored frame with the actor's id and its session back in place of `#`. */
const restoredFrame = (frame: unknown, self: Self): unknown => {
  const payload = (frame as { payload?: unknown } | null)?.payload
  if (typeof payload !== "object" || payload === null) return frame
  const members = payload as Record<string, unknown>
  if (members[FRAME_SELF] !== DERIVED && members[FRAME_SESSION] !== DERIVED) return frame
  const kept: Record<string, unknown> = {}
  for (const key of Object.keys(members))
    kept[key] =
      key === FRAME_SELF && members[key] === DERIVED
        ? self.id
        : key === FRAME_SESSION && members[key] === DERIVED
          ? self.session
          : members[key]
  return { ...(frame as object), payload: kept }
}

/** A send with only the members of a sweep's (`to`, `type`, `payload`, `entryId`, a derived `cmdId`). */
const isPlainSend = (item: OutboxItem): item is Extract<OutboxItem, { _tag: "send" }> =>
  item._tag === "send" && Object.keys(item).length === 6 && Object.keys(item.to).length === 2

/** The last of `group`, when it is a `sends` that `item` (the next derived command id, the same kind, type and payload)
 * joins; the last plain send of the same shape becomes a `sends` of two. The payload is compared by identity: a
 * sweep's outputs share one. */
const joined = (group: Array<Record<string, unknown>>, item: OutboxItem, shortId: string | undefined): boolean => {
  const last = group[group.length - 1]
  if (last === undefined || shortId === undefined || !isPlainSend(item)) return false
  const next = Number(shortId.slice(DERIVED.length))
  if (last["_tag"] === SENDS) {
    const ids = last["ids"] as string[]
    if (last["kind"] !== item.to.kind || last["type"] !== item.type || last["payload"] !== item.payload) return false
    if (Number(String(last["cmdId"]).slice(DERIVED.length)) + ids.length !== next) return false
    ids.push(item.to.id)
    return true
  }
  const to = last["to"] as ActorRef | undefined
  if (last["_tag"] !== "send" || Object.keys(last).length !== 5 || to === undefined || Object.keys(to).length !== 2) return false
  if (to.kind !== item.to.kind || last["type"] !== item.type || last["payload"] !== item.payload) return false
  const cmdId = last["cmdId"]
  if (typeof cmdId !== "string" || !cmdId.startsWith(DERIVED) || Number(cmdId.slice(DERIVED.length)) + 1 !== next) return false
  group[group.length - 1] = { _tag: SENDS, kind: to.kind, type: item.type, payload: item.payload, ids: [to.id, item.to.id], cmdId }
  return true
}

/** A stored `sends` as the sends it stands for, each under its own derived command id (`count`: to the first that many
 * of the ids `self`'s sweeps address). */
const expandedSends = (compact: Record<string, unknown>, self: Self): Array<Record<string, unknown>> => {
  const first = Number(String(compact["cmdId"]).slice(DERIVED.length))
  const count = compact["count"]
  const ids = typeof count === "number" ? sweptIds(self, count) : (compact["ids"] as string[])
  return ids.map((id, n) => ({
    _tag: "send",
    to: { kind: compact["kind"], id },
    type: compact["type"],
    payload: compact["payload"],
    cmdId: `${DERIVED}${first + n}`,
  }))
}

/** The ids of a stored `count`: an actor stored so has its kind's `sweepIds` (an error otherwise, not a sweep that
 * reaches no one). */
const sweptIds = (self: Self, count: number): ReadonlyArray<string> => {
  if (self.sweepIds === undefined) throw new Error(`${self.kind} ${self.id}: a sweep stored by its count, and no sweepIds to read it`)
  return self.sweepIds(count)
}

/** One stored item of an entry, as the items it stands for (several for a batch of sends). */
const expandedItems = (stored: Record<string, unknown>, self: Self, entryId: string): ReadonlyArray<Record<string, unknown>> => {
  switch (stored["_tag"]) {
    case SENDS:
      return expandedSends(stored, self)
    case REPORT:
      return [expandedReport(stored)]
    case ROUTED:
      return [expandedRoute(stored, self, entryId)]
    default:
      return [stored]
  }
}

/** The outbox items a stored outbox holds (either form), as `storedOutbox` was given them. */
export const restoredOutbox = (self: Self, partition: number, stored: unknown): OutboxItem[] => {
  if (Array.isArray(stored)) return stored as OutboxItem[]
  if (typeof stored !== "object" || stored === null) return []
  const items: OutboxItem[] = []
  for (const [entryId, compacts] of Object.entries(stored as StoredOutbox)) {
    const expanded = compacts.flatMap((stored) => expandedItems(stored, self, entryId))
    for (const compact of expanded) {
      const item: Record<string, unknown> = { ...compact, entryId }
      if (OWN_REF.has(String(item["_tag"])) && item["ref"] === undefined) item["ref"] = { kind: self.kind, id: self.id }
      if (item["_tag"] === "reply" && item[REPLY_ACTOR] === DERIVED) item[REPLY_ACTOR] = { kind: self.kind, id: self.id }
      if (item["_tag"] === "push") item["frame"] = restoredFrame(item["frame"], self)
      const ownId = OWN_ID[String(item["_tag"])]
      if (ownId !== undefined && item[ownId] === undefined) item[ownId] = self.id
      if (item["_tag"] === "send" && item["to"] === undefined) item["to"] = { kind: "session", id: self.session }
      const cmdId = item["cmdId"]
      if (typeof cmdId === "string" && cmdId.startsWith(DERIVED)) item["cmdId"] = `${partition}/${entryId}/${cmdId.slice(DERIVED.length)}`
      items.push(item as unknown as OutboxItem)
    }
  }
  return items
}
