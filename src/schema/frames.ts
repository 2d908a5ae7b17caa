// WebSocket frames, both sockets and both ways: `{type, id?, payload, timestamp?}`. The bot control
// socket (server→bot: connected, task_assigned, task_cancelled, ack, error; bot→server: claim_task,
// task_started, task_progress, task_complete, heartbeat) and the event socket (client: subscribe,
// unsubscribe; server: event, error; beyond PROTOCOL v1.1, ack, dead_letters, fleet). Payload fields are camelCase in TypeScript, snake_case on the wire.
import { Schema } from "effect"
import { Capability, HealthStatus, IsoTime, Json, Load, NonNegativeInt, Progress, ProgressMessage, StreamId, Uuid } from "./common.ts"
import { decodeJsonOr, ErrorDetail, type Decoded, type JsonInput } from "./errors.ts"
import { PublishedEvent, Topic } from "./events.ts"
import { wire } from "./wire.ts"

/** A client's frame id, echoed as `ref` in the answer. */
export const FrameId = Schema.String.check(Schema.isBetweenLength(1, 128)).annotate({ identifier: "FrameId" })

const frame = <T extends string, P extends Schema.Top>(type: T, payload: P) =>
  Schema.Struct({
    type: Schema.Literal(type),
    id: Schema.optionalKey(FrameId),
    payload,
    timestamp: Schema.optionalKey(IsoTime),
  })

// ---- bot control socket, server → bot ----

export const ConnectedPayload = wire(
  "ConnectedPayload",
  Schema.Struct({
    agentId: Uuid,
    heartbeatIntervalMs: Schema.Int.check(Schema.isGreaterThan(0)),
    sessionResumed: Schema.Boolean,
  }),
)

export const TaskAssignedPayload = wire(
  "TaskAssignedPayload",
  Schema.Struct({
    taskId: Uuid,
    sessionId: Schema.optionalKey(Uuid),
    capability: Capability,
    title: Schema.String,
    payload: Json,
    attempt: NonNegativeInt,
    deadline: IsoTime,
  }),
)

export const TaskCancelledPayload = wire(
  "TaskCancelledPayload",
  Schema.Struct({ taskId: Uuid, attempt: NonNegativeInt, reason: Schema.String }),
)

export const AckPayload = wire("AckPayload", Schema.Struct({ ref: FrameId, streamId: StreamId }))

export const ServerFrame = Schema.Union([
  frame("connected", ConnectedPayload),
  frame("task_assigned", TaskAssignedPayload),
  frame("task_cancelled", TaskCancelledPayload),
  frame("ack", AckPayload),
  frame("error", ErrorDetail),
]).annotate({ identifier: "ServerFrame" })
export type ServerFrame = typeof ServerFrame.Type

// ---- bot control socket, bot → server ----

/** The attempt a bot reports on (PROTOCOL v1.1): the task's current one, or the frame is refused. */
const attempt = Schema.optionalKey(NonNegativeInt)

export const TaskRefPayload = wire("TaskRefPayload", Schema.Struct({ taskId: Uuid, attempt }))

export const TaskProgressPayload = wire(
  "TaskProgressPayload",
  Schema.Struct({ taskId: Uuid, attempt, progress: Progress, message: Schema.optionalKey(ProgressMessage) }),
)

export const TaskCompletePayload = wire(
  "TaskCompletePayload",
  Schema.Struct({
    taskId: Uuid,
    attempt,
    success: Schema.Boolean,
    result: Schema.optionalKey(Json),
    error: Schema.optionalKey(Schema.String),
  }),
)

/** A bot's heartbeat, over the socket or `POST /agents/{id}/heartbeat`. */
export const HeartbeatPayload = Schema.Struct({
  load: Schema.optionalKey(Load),
  status: Schema.optionalKey(HealthStatus),
}).annotate({ identifier: "HeartbeatPayload" })

export const BotFrame = Schema.Union([
  frame("claim_task", TaskRefPayload),
  frame("task_started", TaskRefPayload),
  frame("task_progress", TaskProgressPayload),
  frame("task_complete", TaskCompletePayload),
  frame("heartbeat", HeartbeatPayload),
]).annotate({ identifier: "BotFrame" })
export type BotFrame = typeof BotFrame.Type

// ---- event socket ----

export const TopicsPayload = Schema.Struct({ topics: Schema.Array(Topic).check(Schema.isNonEmpty()) }).annotate({
  identifier: "TopicsPayload",
})

export const EventClientFrame = Schema.Union([frame("subscribe", TopicsPayload), frame("unsubscribe", TopicsPayload)]).annotate({
  identifier: "EventClientFrame",
})
export type EventClientFrame = typeof EventClientFrame.Type

/** The `dead_letters` topic's frame (beyond PROTOCOL v1.1): how many dead letters there are now, after some were
 * added or removed. */
export const DeadLettersNotice = Schema.Struct({ count: NonNegativeInt }).annotate({ identifier: "DeadLettersNotice" })

/** The `fleet` topic's frame (beyond PROTOCOL v1.1), sent every second: the inbox lag of the whole deployment
 * (entries appended to the inboxes and not yet applied, and the age in ms of the oldest of them, null when there is
 * none) and the dead letters' total. */
export const FleetNotice = Schema.Struct({
  inbox_entries: NonNegativeInt,
  oldest_entry_age_ms: Schema.NullOr(NonNegativeInt),
  dead_letters: NonNegativeInt,
}).annotate({ identifier: "FleetNotice" })
export type FleetNotice = typeof FleetNotice.Type

/** The answer to a `subscribe` / `unsubscribe` frame with an `id` (beyond PROTOCOL v1.1, only on a socket opened
 * with `acks=1`): its topics are in effect, for every event appended to the stream from then on. */
export const TopicsAck = Schema.Struct({ ref: FrameId }).annotate({ identifier: "TopicsAck" })

export const EventServerFrame = Schema.Union([
  frame("event", PublishedEvent),
  frame("error", ErrorDetail),
  frame("ack", TopicsAck),
  frame("dead_letters", DeadLettersNotice),
  frame("fleet", FleetNotice),
]).annotate({
  identifier: "EventServerFrame",
})
export type EventServerFrame = typeof EventServerFrame.Type

// ---- text in and out ----

const isFrameId = Schema.is(FrameId)

/** The frame's own `id` when it has a usable one, to echo as `ref` even when the frame is rejected. */
function refOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined
  return isFrameId(value.id) ? value.id : undefined
}

/**
 * Checks one frame (its bytes or text) under PROTOCOL's input rules and decodes it, unknown fields
 * refused; a rejection carries the frame's `id` as `ref` whenever the frame parsed.
 */
export const decodeFrame = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, frame: JsonInput): Decoded<S["Type"]> =>
  decodeJsonOr(schema, frame, refOf)

/**
 * The wire text of a frame the server sends, in PROTOCOL's envelope `{type, id?, payload, timestamp}`, stamped with
 * the time it is sent (`at`, ms since the epoch): every frame of the control socket, and the event socket's `error`,
 * `dead_letters` and `fleet`. Only `event` frames are not built here: PROTOCOL fixes them as `{type, cursor, payload}`
 * (src/edge/sockets/event-frames.ts), the event's own time in `payload.at`.
 */
export const encodeFrame = <T extends { readonly timestamp?: string }, E>(schema: Schema.Codec<T, E>, value: T, at: number): string =>
  JSON.stringify(Schema.encodeSync(schema)({ ...value, timestamp: new Date(at).toISOString() }))
