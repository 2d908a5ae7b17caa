// Entries of the event stream `{<prefix>:ev}` and of an edge's reply stream as the edge reads them (written by the runtime's
// `eventStreamEntry`): fields `type` (event | push | reply), `topics` (comma-separated) and
// `body` (JSON). Decoded into a transition to fan out, a frame for one bot, or a command's answer.
import { Schema, SchemaTransformation } from "effect"
import { StreamId, Uuid } from "./common.ts"
import { decodeOr, type Decoded } from "./errors.ts"
import { PublishedEvent, Topic } from "./events.ts"
import { ServerFrame } from "./frames.ts"

/** The runtime's answer to a command that carried `replyTo` (the edge's `Reply`). */
export const ReplyBody = Schema.Struct({
  outcome: Schema.Literals(["applied", "rejected"]),
  actor: Schema.Struct({ kind: Schema.String, id: Schema.String }),
  state: Schema.NullOr(Schema.String),
  code: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  stream_id: StreamId,
}).annotate({ identifier: "ReplyBody" })
export type ReplyBody = typeof ReplyBody.Type

/** `a,b,c` on the stream, `[a, b, c]` (each a valid topic) decoded. */
const TopicList = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Array(Topic).check(Schema.isNonEmpty()),
    SchemaTransformation.transform({
      decode: (text: string): ReadonlyArray<string> => text.split(","),
      encode: (topics: ReadonlyArray<string>) => topics.join(","),
    }),
  ),
)

const isUuid = Schema.is(Uuid)
const ControlTopic = Schema.String.check(
  Schema.makeFilter((text: string) => text.startsWith("control:") && isUuid(text.slice("control:".length)), {
    expected: "control:<agent id>",
  }),
)
const ReplyTopic = Schema.String.check(Schema.isPattern(/^reply:.+$/su, { expected: "reply:<address>" }))

const RawEntry = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("event"),
    topics: TopicList,
    body: Schema.fromJsonString(Schema.Record(Schema.String, Schema.Unknown)),
  }),
  Schema.Struct({
    type: Schema.Literal("push"),
    topics: ControlTopic,
    body: Schema.fromJsonString(ServerFrame),
  }),
  Schema.Struct({
    type: Schema.Literal("reply"),
    topics: ReplyTopic,
    body: Schema.fromJsonString(ReplyBody),
  }),
])

export type EventStreamEntry =
  /** A transition; `event.topic` is the first of `topics` (each subscriber's frame names its own). */
  | { readonly type: "event"; readonly topics: ReadonlyArray<Topic>; readonly event: PublishedEvent }
  /** A frame for one bot's control socket. */
  | { readonly type: "push"; readonly agentId: string; readonly frame: ServerFrame }
  /** The answer to the command that carried `replyTo`. */
  | { readonly type: "reply"; readonly replyTo: string; readonly reply: ReplyBody }

/** Decodes one event-stream entry's fields; a failure names the field (to log; the entry is skipped). */
export function decodeEventStreamEntry(fields: Readonly<Record<string, string>>): Decoded<EventStreamEntry> {
  const raw = decodeOr(RawEntry, fields)
  if (!raw.ok) return raw
  const entry = raw.value
  switch (entry.type) {
    case "event": {
      const [topic] = entry.topics
      const event = decodeOr(PublishedEvent, { ...entry.body, topic })
      return event.ok ? { ok: true, value: { type: "event", topics: entry.topics, event: event.value } } : event
    }
    case "push":
      return { ok: true, value: { type: "push", agentId: entry.topics.slice("control:".length), frame: entry.body } }
    case "reply":
      return { ok: true, value: { type: "reply", replyTo: entry.topics.slice("reply:".length), reply: entry.body } }
  }
}
