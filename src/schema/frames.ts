// WebSocket frames, both sockets and both ways: `{type, id?, payload, timestamp?}`. The bot control
// socket (server→bot: connected, task_assigned, task_cancelled, ack, error; bot→server: claim_task,
// task_started, task_progress, task_complete, heartbeat) and the event socket (client: subscribe,
// unsubscribe; server: event, error; beyond PROTOCOL v1.1, ack, dead_letters, fleet). Payload fields are camelCase in TypeScript, snake_case on the wire.
import { Schema } from "effect"
import { Capability, HealthStatus, IsoTime, Json, Load, NonNegativeInt, Progress, ProgressMessage, StreamId, Uuid } from "./common.ts"
import { decodeInput, decodeJsonOr, ErrorDetail, parseJsonInput, type Decoded, type JsonInput } from "./errors.ts"
import { PublishedEvent, plainPublishedEvent, Topic } from "./events.ts"
import { fieldGuard, isPlainRecord, type PlainPayload, plainDecoder, plainEncoder, plainFields } from "./plain.ts"
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

const connectedFields = {
  agentId: Uuid,
  heartbeatIntervalMs: Schema.Int.check(Schema.isGreaterThan(0)),
  sessionResumed: Schema.Boolean,
}
export const ConnectedPayload = wire("ConnectedPayload", Schema.Struct(connectedFields))

const taskAssignedFields = {
  taskId: Uuid,
  sessionId: Schema.optionalKey(Uuid),
  capability: Capability,
  title: Schema.String,
  payload: Json,
  attempt: NonNegativeInt,
  deadline: IsoTime,
}
export const TaskAssignedPayload = wire("TaskAssignedPayload", Schema.Struct(taskAssignedFields))

const taskCancelledFields = { taskId: Uuid, attempt: NonNegativeInt, reason: Schema.String }
export const TaskCancelledPayload = wire("TaskCancelledPayload", Schema.Struct(taskCancelledFields))

const ackFields = { ref: FrameId, streamId: StreamId }
export const AckPayload = wire("AckPayload", Schema.Struct(ackFields))

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

const taskRefFields = { taskId: Uuid, attempt }
export const TaskRefPayload = wire("TaskRefPayload", Schema.Struct(taskRefFields))

const taskProgressFields = { taskId: Uuid, attempt, progress: Progress, message: Schema.optionalKey(ProgressMessage) }
export const TaskProgressPayload = wire("TaskProgressPayload", Schema.Struct(taskProgressFields))

const taskCompleteFields = {
  taskId: Uuid,
  attempt,
  success: Schema.Boolean,
  result: Schema.optionalKey(Json),
  error: Schema.optionalKey(Schema.String),
}
export const TaskCompletePayload = wire("TaskCompletePayload", Schema.Struct(taskCompleteFields))

/** A bot's heartbeat, over the socket or `POST /agents/{id}/heartbeat`. */
const heartbeatFields = { load: Schema.optionalKey(Load), status: Schema.optionalKey(HealthStatus) }
export const HeartbeatPayload = Schema.Struct(heartbeatFields).annotate({ identifier: "HeartbeatPayload" })

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

// ---- plain checks ----

/** One way of a frame type's payload field by field (plain.ts): `plainDecoder` or `plainEncoder`. */
type PlainStep = (checks: NonNullable<ReturnType<typeof plainFields>>) => PlainPayload

/** The plain payload step of each frame type whose payload fields have plain checks, as the union's members declare them. */
const plainSteps = (members: ReadonlyArray<readonly [string, Schema.Struct.Fields]>, step: PlainStep): ReadonlyMap<string, PlainPayload> =>
  new Map(
    members.flatMap(([type, fields]) => {
      const checks = plainFields(fields)
      return checks === undefined ? [] : [[type, step(checks)] as const]
    }),
  )

const BOT_FRAMES = [
  ["claim_task", taskRefFields],
  ["task_started", taskRefFields],
  ["task_progress", taskProgressFields],
  ["task_complete", taskCompleteFields],
  ["heartbeat", heartbeatFields],
] as const

const SERVER_FRAMES = [
  ["connected", connectedFields],
  ["task_assigned", taskAssignedFields],
  ["task_cancelled", taskCancelledFields],
  ["ack", ackFields],
  ["error", ErrorDetail.fields],
] as const

/** Bots' frames are only decoded here; the server's are decoded (a push read from the event stream) and encoded (a frame the edge sends). */
const botDecoders = plainSteps(BOT_FRAMES, plainDecoder)
const serverDecoders = plainSteps(SERVER_FRAMES, plainDecoder)
const serverEncoders = plainSteps(SERVER_FRAMES, plainEncoder)

const isFrameId = fieldGuard(FrameId)
const isIsoTime = fieldGuard(IsoTime)

/**
 * A frame `{type, id?, payload, timestamp?}` as the strict decode of its union (`frames`' types) makes it, checked
 * field by field: a JSON object with `type`, `payload` and at most `id` and `timestamp`, each passing its field's own
 * Schema, decodes to the same frame, members in the Schema's order; undefined for anything else (the union then
 * decodes it, to name what is wrong). tests/unit/schema/plain-frames.test.ts holds the two to the same answers.
 * `othersLeftOut`: as a client's decode makes it instead, which leaves other members out (an event's `cursor`).
 */
const plainFrameOf =
  (decoders: ReadonlyMap<string, PlainPayload>, { othersLeftOut = false } = {}) =>
  (value: unknown): Record<string, unknown> | undefined => {
    if (!isPlainRecord(value)) return undefined
    const { type, id, payload, timestamp } = value
    const decoded = typeof type === "string" ? decoders.get(type)?.(payload) : undefined
    if (decoded === undefined) return undefined
    let found = 2
    if (Object.hasOwn(value, "id")) {
      if (!isFrameId(id)) return undefined
      found += 1
    }
    if (Object.hasOwn(value, "timestamp")) {
      if (!isIsoTime(timestamp)) return undefined
      found += 1
    }
    if (!othersLeftOut && Object.keys(value).length !== found) return undefined
    const frame: Record<string, unknown> = { type }
    if (id !== undefined) frame["id"] = id
    frame["payload"] = decoded
    if (timestamp !== undefined) frame["timestamp"] = timestamp
    return frame
  }

/** A bot's frame as BotFrame decodes it, checked field by field (`plainFrameOf`); undefined when the Schema must. */
export const plainBotFrame = plainFrameOf(botDecoders) as (value: unknown) => BotFrame | undefined

/** A server frame (the wire form, as the runtime pushes it) as ServerFrame decodes it (`plainFrameOf`). */
export const plainServerFrame = plainFrameOf(serverDecoders) as (value: unknown) => ServerFrame | undefined

/**
 * An event socket's `event` frame (`{type, cursor, payload}`, PROTOCOL) as a client decodes it with EventServerFrame,
 * its values as JSON.parse makes them (`plainFrameOf`, other members such as the cursor left out; the payload by
 * `plainPublishedEvent`): a client's everyday event at a tenth of the Schema's cost (tests/unit/client/pieces.test.ts
 * holds the two to the same answers).
 */
export const plainEventFrame = plainFrameOf(new Map([["event", plainPublishedEvent]]), { othersLeftOut: true }) as (
  value: unknown,
) => EventServerFrame | undefined

// ---- text in and out ----

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
 * `decodeFrame(BotFrame, frame)` with the plain check first (`plainBotFrame`): the same frame or the same refusal,
 * the bots' everyday frames at a fraction of the Schema's cost.
 */
export function decodeBotFrame(frame: JsonInput): Decoded<BotFrame> {
  const parsed = parseJsonInput(frame, { refOf })
  if (!parsed.ok) return parsed
  const plain = plainBotFrame(parsed.value)
  return plain === undefined ? decodeInput(BotFrame, parsed.value, refOf(parsed.value)) : { ok: true, value: plain }
}

/**
 * The wire text of a frame the server sends, in PROTOCOL's envelope `{type, id?, payload, timestamp}`, stamped with
 * the time it is sent (`at`, ms since the epoch): every frame of the control socket, and the event socket's `error`,
 * `dead_letters` and `fleet`. Only `event` frames are not built here: PROTOCOL fixes them as `{type, cursor, payload}`
 * (src/edge/sockets/event-frames.ts), the event's own time in `payload.at`.
 */
export const encodeFrame = <T extends { readonly timestamp?: string }, E>(schema: Schema.Codec<T, E>, value: T, at: number): string =>
  JSON.stringify(Schema.encodeSync(schema)({ ...value, timestamp: new Date(at).toISOString() }))

/**
 * `encodeFrame(ServerFrame, frame, at)`, the payload encoded field by field (plain.ts) when it can be: a plain
 * object with `type`, `payload` and at most `id` (a frame id) and `timestamp` (replaced), its payload's members
 * each passing their field's own Schema, gives the same text at a fraction of the Schema's cost; anything else
 * goes to encodeFrame (tests/unit/schema/plain-frames.test.ts holds the two to the same answers).
 */
export function encodeServerFrame(frame: ServerFrame, at: number): string {
  const { type, id, payload } = frame
  const encoded = isPlainRecord(frame) ? serverEncoders.get(type)?.(payload) : undefined
  const hasId = Object.hasOwn(frame, "id")
  const known = 2 + (hasId ? 1 : 0) + (Object.hasOwn(frame, "timestamp") ? 1 : 0)
  if (encoded === undefined || Object.keys(frame).length !== known || (hasId && !isFrameId(id))) return encodeFrame(ServerFrame, frame, at)
  const timestamp = new Date(at).toISOString()
  return JSON.stringify(hasId ? { type, id, payload: encoded, timestamp } : { type, payload: encoded, timestamp })
}
