// Outbox items: everything applying an inbox entry causes outside its actor. They are
// stored with the actor's snapshot (same statement; the events are the `transitions` rows of that
// statement, so they are not stored twice), then carried out; a redelivered entry carries out its
// items again, and every item is idempotent downstream.
import type { StreamedEvent } from "../schema/event-stream.ts"
import type { ActorRef, Output } from "./actor-kind.ts"

/** A transition for the event stream (PROTOCOL.md event payload, less the per-topic field): the
 * actor's new version and the merge patch of its view, never its whole context. */
export interface EventItem extends StreamedEvent {
  readonly _tag: "event"
}

export interface TimerArmItem {
  readonly _tag: "timer_arm"
  readonly ref: ActorRef
  readonly name: string
  readonly fireAt: number
  readonly event: { readonly type: string; readonly [field: string]: unknown }
}

export interface TimerClearItem {
  readonly _tag: "timer_clear"
  readonly ref: ActorRef
  readonly name: string
}

/** The answer to a command that asked for one (HTTP `?wait=1`, bot frames with an `id`). */
export interface ReplyItem {
  readonly _tag: "reply"
  readonly replyTo: string
  readonly entryId: string
  readonly actor: ActorRef
  readonly outcome: "applied" | "rejected"
  readonly state: string | null
  readonly code?: string
  readonly reason?: string
}

/** The actor asked to be erased once the rest of its command's outbox is carried out: PURGE is appended to it last. */
export interface EraseItem {
  readonly _tag: "erase"
  readonly ref: ActorRef
}

/** Only in a stored outbox (never carried out): stands for every item but the event of the entry that created the
 * actor. The creation is a pure step of that entry alone, so a redelivery of it creates the actor again, off the
 * record, and carries out what that gives: the same items, the same command ids (src/runtime/plan-batch.ts). A
 * session's creation stores this in place of one CREATE per task. */
export interface CreatedItem {
  readonly _tag: "created"
}

export type OutboxItem = (EventItem | TimerArmItem | TimerClearItem | ReplyItem | EraseItem | CreatedItem | Output) & {
  /** The inbox entry that caused it, so a redelivery finds its own items. */
  readonly entryId: string
  /** Deterministic id used to de-duplicate commands appended to other inboxes. */
  readonly cmdId?: string
}
