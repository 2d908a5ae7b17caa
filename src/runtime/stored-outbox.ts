// Stored outboxes: the form the outbox items of an actor's last batch take in its `actors` row (kept so
// a redelivered entry carries out its effects again). Items are grouped by the entry that caused them,
// so its id is written once, not once per item; a timer's `ref`, which is the actor itself, is left
// out, and so is a routing item's own task or agent id (`taskId` of `route_task`, `group_release` and `release`,
// `agentId` of `fill_agent`: the actor itself); a command id derived from the entry (`<partition>/<entryId>/<n>`, see plan-batch.ts) keeps only
// `#<n>`; a send to the actor's own session (a task's report) leaves out its `to`; a reply's `actor` naming the actor
// itself, and a pushed frame's `task_id` and `session_id` naming the actor and its session, are stored as `#` (in place:
// what is sent keeps its members' order). Sends of one entry with the same type and payload to actors of one kind, under consecutive derived command ids
// (a session's sweep: one SESSION_RUN per task), are stored as one `sends` naming their ids. Reading puts all of it
// back. An outbox stored before this form (a plain list) reads the same.
import type { ActorRef } from "./actor-kind.ts"
import type { OutboxItem } from "./outbox.ts"

/** Entry id → its items, each without `entryId`, and without `ref` when it is the actor itself. */
type StoredOutbox = Record<string, Array<Record<string, unknown>>>

const DERIVED = "#"
const SENDS = "sends"
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

/** An actor as its stored outbox names it: its session, when it has one (its row's `session_id`). */
type Self = ActorRef & { readonly session?: string | null | undefined }

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
    if (!joined(group, item, shortId)) group.push(compact)
  }
  return stored
}

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

/** A stored `sends` as the sends it stands for, each under its own derived command id. */
const expandedSends = (compact: Record<string, unknown>): Array<Record<string, unknown>> => {
  const first = Number(String(compact["cmdId"]).slice(DERIVED.length))
  return (compact["ids"] as string[]).map((id, n) => ({
    _tag: "send",
    to: { kind: compact["kind"], id },
    type: compact["type"],
    payload: compact["payload"],
    cmdId: `${DERIVED}${first + n}`,
  }))
}

/** The outbox items a stored outbox holds (either form), as `storedOutbox` was given them. */
export const restoredOutbox = (self: Self, partition: number, stored: unknown): OutboxItem[] => {
  if (Array.isArray(stored)) return stored as OutboxItem[]
  if (typeof stored !== "object" || stored === null) return []
  const items: OutboxItem[] = []
  for (const [entryId, compacts] of Object.entries(stored as StoredOutbox)) {
    for (const compact of compacts.flatMap((stored) => (stored["_tag"] === SENDS ? expandedSends(stored) : [stored]))) {
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
