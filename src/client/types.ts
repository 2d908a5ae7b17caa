// The client's types, all taken from the server's own Schemas (src/schema, and the HTTP views of
// src/edge/http/views.ts, imported for their types only): what the client sends and receives is the
// wire form, snake_case exactly as docs/protocol.md shows it.
import type { ActorKind } from "../schema/common.ts"
import type { ErrorDetail } from "../schema/errors.ts"
import type { PublishedEvent, Topic } from "../schema/events.ts"
import type {
  AckPayload,
  BotFrame,
  ConnectedPayload,
  FleetNotice,
  HeartbeatPayload,
  TaskAssignedPayload,
  TaskCancelledPayload,
} from "../schema/frames.ts"
import type { AgentView, ContextView, SessionSummary, SessionView, TaskView } from "../edge/http/views.ts"

export type { ActorKind, AgentView, ErrorDetail, SessionSummary, SessionView, TaskView, Topic }

/** One transition as the event socket sends it (`payload` of an `event` frame). */
export type EventPayload = typeof PublishedEvent.Encoded

/** A transition as a subscriber receives it: the event and its `cursor` (what `since` takes). */
export type SubscribedEvent = EventPayload & { readonly cursor: string }

export type Connected = typeof ConnectedPayload.Encoded
/** A task handed to a bot (`task_assigned`). */
export type AssignedTask = typeof TaskAssignedPayload.Encoded
export type TaskCancelled = typeof TaskCancelledPayload.Encoded & { readonly attempt?: number }
export type Ack = typeof AckPayload.Encoded
export type Heartbeat = typeof HeartbeatPayload.Encoded
/** The `fleet` topic's figures, each second (beyond PROTOCOL v1.1): inbox lag and dead letters. */
export type FleetFigures = typeof FleetNotice.Encoded
/** A frame a bot sends. */
export type OutgoingBotFrame = typeof BotFrame.Encoded

/** The view `GET` answers for each actor kind; a session's mirror leaves out the `tasks` list it links to. */
export interface ViewOf {
  readonly agent: AgentView
  readonly task: TaskView
  readonly session: SessionSummary
  readonly context: ContextView
}
export type ActorView<K extends ActorKind = ActorKind> = ViewOf[K]
