// Published events (the `payload` of an event socket frame and the entries of the event stream),
// their ids and the topic names subscribers choose from.
import { Schema } from "effect"
import { ActorKind, IsoTime, JsonObject, Uuid } from "./common.ts"
import { isPlainRecord, plainDecoder, plainFields } from "./plain.ts"
import { wire } from "./wire.ts"

const isUuid = Schema.is(Uuid)
const TOPIC_FAMILIES: ReadonlySet<string> = new Set(["session", "task", "agent", "context"])
/** PROTOCOL's lists, `dead_letters` (the dead letters' total) and `fleet` (the inbox lag and dead letters each
 * second): topics beyond PROTOCOL v1.1 for dashboards. */
const LISTS: ReadonlySet<string> = new Set(["machines", "sessions", "tasks", "agents", "contexts", "dead_letters", "fleet"])

/** True for `sessions`, `session:{id}`, `tasks`, `task:{id}`, `agents`, `agent:{id}`, `contexts`, `context:{id}`, `machines`, `dead_letters` and `fleet`. */
export function isTopic(topic: string): boolean {
  if (LISTS.has(topic)) return true
  const colon = topic.indexOf(":")
  return TOPIC_FAMILIES.has(topic.slice(0, colon)) && isUuid(topic.slice(colon + 1))
}

const HEX_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

export const Topic = Schema.String.check(
  Schema.makeFilter(isTopic, {
    expected:
      "a topic (sessions, session:<id>, tasks, task:<id>, agents, agent:<id>, contexts, context:<id>, machines, dead_letters or fleet)",
    toJsonSchema: () => ({
      pattern: `^(sessions|tasks|agents|contexts|machines|dead_letters|fleet|(session|task|agent|context):${HEX_UUID})$`,
    }),
  }),
).annotate({ identifier: "Topic" })
export type Topic = typeof Topic.Type

/** Every topic an actor's transition is published on: its kind's list, its own topic, and `machines`. */
export const topicsOf = (kind: ActorKind, id: Uuid): ReadonlyArray<Topic> => [`${kind}s`, `${kind}:${id}`, "machines"]

/** An event id `<stream id>:<n>`: the inbox entry that caused it and its rank among that entry's events. */
export const EventId = Schema.String.check(Schema.isPattern(/^\d+-\d+:\d+$/u, { expected: "an event id like 1732185600000-3:0" })).annotate(
  { identifier: "EventId" },
)

/** The id of the `n`th event caused by inbox entry `streamId`: stable across redeliveries. */
export const eventId = (streamId: string, n: number): string => `${streamId}:${n}`

/** PublishedEvent's fields. */
export const publishedEventFields = {
  id: EventId,
  topic: Topic,
  kind: ActorKind,
  actorId: Uuid,
  version: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  from: Schema.NullOr(Schema.String),
  to: Schema.String,
  event: Schema.String,
  patch: JsonObject,
  at: IsoTime,
}
/** One transition of one actor, as subscribers receive it: its new `version` and the RFC 7396 merge
 * patch that turns its view at `version - 1` into its view at `version`. `from` is null for the creation. */
export const PublishedEvent = wire("PublishedEvent", Schema.Struct(publishedEventFields))
export type PublishedEvent = typeof PublishedEvent.Type

/** PublishedEvent's members but the patch (a JSON object, checked apart), checked by plain.ts. */
const { patch: _patch, ...flatEventFields } = publishedEventFields
const plainEventMembers = plainDecoder(plainFields(flatEventFields) ?? [])

/**
 * An event in its wire form, its values as JSON.parse makes them, as PublishedEvent decodes it, checked field by field:
 * every member but the patch passing its field's own Schema (plain.ts), and the patch a JSON object (what JSON.parse
 * made of it is JSON all through); members in the Schema's order. Undefined for anything else, the Schema then decodes
 * it, to name what is wrong. The edge's fan-out (event-stream.ts, a compact entry expanded) and the client's event
 * socket (frames.ts `plainEventFrame`) take it first; tests/unit/schema/plain-events.test.ts and
 * tests/unit/client/pieces.test.ts hold it to the Schema's answers.
 */
export const plainPublishedEvent = (payload: unknown): PublishedEvent | undefined => {
  if (!isPlainRecord(payload)) return undefined
  const { patch, ...members } = payload
  const event = plainEventMembers(members)
  if (event === undefined || !isPlainRecord(patch)) return undefined
  const { id, topic, kind, actorId, version, from, to, event: name, at } = event
  return { id, topic, kind, actorId, version, from, to, event: name, patch, at } as PublishedEvent
}
