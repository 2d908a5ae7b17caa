// Entries of the event stream `{<prefix>:ev}` and of an edge's reply stream as the edge reads them (written by the runtime's
// `eventStreamEntry`): fields `type` (event | push | reply), `topics` (comma-separated) and
// `body` (JSON). Decoded into a transition to fan out, a frame for one bot, or a command's answer.
// A transition is stored compact (`eventEntryFields`): one-letter keys, and nothing the edge can
// derive (its own and its list's topics, `machines`, the patch's `updated_at`, `stream_id` and
// `version`, a time equal to its entry's, a creation's members at their kind's usual value: creation-view.ts): about
// 40% fewer bytes per event, half of a new task's. A task of a session goes to one topic beyond the derived ones,
// `session:<id>`: its session id is stored as the body's `s` (no `topics` field; the UUID's bytes in base64url, 22
// characters), and a creation's `session_id` equal to it is left out of the patch, both put back when decoded. An
// entry in the full form (body with `id`, every topic) or with the session's topic in `topics` (written before `s`)
// still decodes.
import { Schema, SchemaTransformation } from "effect"
import { StreamId, Uuid } from "./common.ts"
import { decodeOr, type Decoded, validationError } from "./errors.ts"
import { isTopic, PublishedEvent, plainPublishedEvent, Topic, topicsOf } from "./events.ts"
import { plainServerFrame, ServerFrame } from "./frames.ts"
import { CREATION_TABLE, leaveUsual, withUsual } from "./creation-view.ts"
import { withoutPosition, withPosition } from "./patch-position.ts"
import { fieldGuard, isPlainRecord, plainDecoder, plainFields } from "./plain.ts"

const actorFields = { kind: Schema.String, id: Schema.String }
const replyFields = {
  outcome: Schema.Literals(["applied", "rejected"]),
  actor: Schema.Struct(actorFields),
  state: Schema.NullOr(Schema.String),
  code: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  /** A refusal of a command that asked for refusals only (`replyWhen`): its command id. */
  cmd_id: Schema.optionalKey(Schema.String),
  stream_id: StreamId,
}

/** The runtime's answer to a command that carried `replyTo` (the edge's `Reply`). */
export const ReplyBody = Schema.Struct(replyFields).annotate({ identifier: "ReplyBody" })
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

const isUuid = fieldGuard(Uuid)
const ControlTopic = Schema.String.check(
  Schema.makeFilter((text: string) => text.startsWith("control:") && isUuid(text.slice("control:".length)), {
    expected: "control:<agent id>",
  }),
)
const ReplyTopic = Schema.String.check(Schema.isPattern(/^reply:.+$/su, { expected: "reply:<address>" }))

const RawEntry = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("event"),
    /** Compact: only the topics beyond the derived ones (absent when none); full form: every topic. */
    topics: Schema.optionalKey(TopicList),
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

/** A reply body's members checked by plain.ts (`actor`, an object, on its own), as ReplyBody decodes them. */
const plainReplyMembers = plainDecoder(plainFields({ ...replyFields, actor: Schema.Unknown }) ?? [])
const plainActor = plainDecoder(plainFields(actorFields) ?? [])
const isControlTopic = fieldGuard(ControlTopic)
const isReplyTopic = fieldGuard(ReplyTopic)

/** JSON text parsed, or undefined when it is not JSON (the Schema then says so). */
const parsedOrUndefined = (text: string | undefined): unknown => {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** An entry's `body` parsed (undefined when it is not JSON), for a caller that both looks at an entry's topics and
 * decodes it (the fan-out): each then takes it instead of parsing the body again. */
export const parsedEntryBody = (fields: Readonly<Record<string, string>>): unknown => parsedOrUndefined(fields["body"])

/**
 * A compact event entry (a body without `id`, as the runtime writes it) as RawEntry and PublishedEvent decode it,
 * checked field by field: its topics, its body expanded (`expandBody`) and every member of the event passing the
 * field's own Schema (plain.ts); the patch is a JSON object, as JSON.parse made it and `expandBody` completed it with
 * JSON values. Undefined for anything else, the full form (written before the compact one) included: the Schema then
 * decodes it, to name what is wrong. About a third of
 * the Schemas' cost (bench/edge-cpu.ts), for every transition an edge fans out to an open event socket.
 */
export function plainEventEntry(fields: Readonly<Record<string, string>>, body = parsedEntryBody(fields)): EventStreamEntry | undefined {
  const stored = fields["topics"] === undefined ? [] : fields["topics"].split(",")
  if (!stored.every(isTopic)) return undefined
  if (!isPlainRecord(body) || "id" in body) return undefined
  const session = sessionOfBody(body)
  if (session === null) return undefined
  const { full, topics } = expandCompact(body, session, stored)
  // `full` is expandBody's own new object: its topic is set in place.
  const event = plainPublishedEvent(Object.assign(full, { topic: topics[0] }))
  return event === undefined ? undefined : { type: "event", topics: topics as Topic[], event }
}

/**
 * An entry as RawEntry decodes it, checked field by field (a compact event: `plainEventEntry`; a push: frames.ts
 * `plainServerFrame`; a reply: plain.ts): the entry the Schema would give, or undefined for anything else (the Schema
 * then decodes it, to name what is wrong). tests/unit/schema/plain-frames.test.ts and plain-events.test.ts hold the
 * two to the same answers.
 */
function plainEntry(fields: Readonly<Record<string, string>>, body: unknown): EventStreamEntry | undefined {
  const { type, topics } = fields
  if (type === "event") return plainEventEntry(fields, body)
  if (type === "push" && isControlTopic(topics)) {
    const frame = plainServerFrame(body)
    return frame === undefined ? undefined : { type: "push", agentId: topics.slice("control:".length), frame }
  }
  if (type !== "reply" || !isReplyTopic(topics)) return undefined
  const reply = plainReplyMembers(body)
  const actor = reply === undefined ? undefined : plainActor(reply["actor"])
  if (reply === undefined || actor === undefined) return undefined
  // The plain check's own new object: `actor` replaced in it keeps its position, as the Schema orders it.
  const members: Record<string, unknown> = reply
  members["actor"] = actor
  return { type: "reply", replyTo: topics.slice("reply:".length), reply: members as ReplyBody }
}

/** Decodes one event-stream entry's fields (`body`: its body parsed, when the caller has it: `parsedEntryBody`); a
 * failure names the field (to log; the entry is skipped). */
export function decodeEventStreamEntry(
  fields: Readonly<Record<string, string>>,
  body = parsedEntryBody(fields),
): Decoded<EventStreamEntry> {
  const plain = plainEntry(fields, body)
  return plain === undefined ? decodeEntryBySchema(fields) : { ok: true, value: plain }
}

/** `decodeEventStreamEntry` without the plain check: every entry through RawEntry (and the plain check's reference in tests). */
export function decodeEntryBySchema(fields: Readonly<Record<string, string>>): Decoded<EventStreamEntry> {
  const raw = decodeOr(RawEntry, fields)
  if (!raw.ok) return raw
  const entry = raw.value
  switch (entry.type) {
    case "event": {
      const session = sessionOfBody(entry.body)
      if (session === null) return { ok: false, error: validationError("body.s: expected a session id") }
      const { full, topics } =
        "id" in entry.body ? { full: entry.body, topics: entry.topics ?? [] } : expandCompact(entry.body, session, entry.topics ?? [])
      const event = decodeOr(PublishedEvent, { ...full, topic: topics[0] })
      return event.ok ? { ok: true, value: { type: "event", topics: topics as Topic[], event: event.value } } : event
    }
    case "push":
      return { ok: true, value: { type: "push", agentId: entry.topics.slice("control:".length), frame: entry.body } }
    case "reply":
      return { ok: true, value: { type: "reply", replyTo: entry.topics.slice("reply:".length), reply: entry.body } }
  }
}

/** A transition as the runtime publishes it (PROTOCOL's event payload, snake_case, less `topic`), with every topic it goes to. */
export interface StreamedEvent {
  readonly id: string
  readonly topics: ReadonlyArray<string>
  readonly kind: string
  readonly actor_id: string
  readonly version: number
  readonly from: string | null
  readonly to: string
  readonly event: string
  readonly patch: Readonly<Record<string, unknown>>
  readonly at: string
}

/** The inbox entry an event id names (`<stream id>:<n>`). */
const entryOf = (id: string): string => id.slice(0, id.lastIndexOf(":"))
const msOf = (streamId: string): number => Number(streamId.slice(0, streamId.indexOf("-")))

/** The event stream entry of `event`, compact (see the header). */
export const eventEntryFields = (event: StreamedEvent): Record<string, string> => {
  const entryId = entryOf(event.id)
  const atMs = Date.parse(event.at)
  const kept = withoutPosition(event.patch, { updated_at: event.at, stream_id: entryId, version: event.version })
  // Written out rather than spread in the middle: on V8 (Node 20) every member after a spread takes its slow path.
  const { id: i, kind: k, actor_id: a, version: v, from: f, to: t, event: e } = event
  // A creation's members at their kind's usual value are left out (creation-view.ts), named by the table's number.
  const usualLeft =
    f === null && v === 1 && typeof kept === "object" && kept !== null ? leaveUsual(k, kept as Record<string, unknown>) : undefined
  const body: Record<string, unknown> =
    usualLeft !== undefined
      ? { i, k, a, v, t, e, n: CREATION_TABLE, p: usualLeft }
      : f === null
        ? { i, k, a, v, t, e, p: kept }
        : { i, k, a, v, f, t, e, p: kept }
  if (atMs !== msOf(entryId)) body["at"] = atMs
  const derived = topicsOf(event.kind as never, event.actor_id)
  const extra = event.topics.filter((topic) => !derived.includes(topic))
  const session = extra.length === 1 ? sessionOf(extra[0]!, usualLeft) : undefined
  if (session !== undefined) {
    body["s"] = packedUuid(session)
    if (usualLeft !== undefined) delete usualLeft[SESSION_MEMBER]
    return { type: "event", body: JSON.stringify(body) }
  }
  const text = JSON.stringify(body)
  return extra.length === 0 ? { type: "event", body: text } : { type: "event", topics: extra.join(","), body: text }
}

const SESSION_TOPIC = "session:"
/** A creation's member naming its session (creation-view.ts's task table). */
const SESSION_MEMBER = "session_id"

/**
 * The session id a topic names, when it may be stored as `s`: a `session:<id>` topic, and, for a creation stored without
 * its usual members (`kept`), one whose patch names that session (so that `s` gives its `session_id` back); else
 * undefined (the topic is then stored in `topics`).
 */
const sessionOf = (topic: string, kept: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  if (!topic.startsWith(SESSION_TOPIC)) return undefined
  const id = topic.slice(SESSION_TOPIC.length)
  return CANONICAL_UUID.test(id) && (kept === undefined || kept[SESSION_MEMBER] === id) ? id : undefined
}

/** A UUID as every id of ours is written (lowercase, hyphenated): the only ones `s` carries, so it gives them back. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u
/** A UUID's 16 bytes in base64url, as `packedUuid` writes them: 22 characters for 36, the last holding the last 4 bits
 * (its 2 low bits 0), so each id has exactly one. */
const PACKED_UUID = /^[A-Za-z0-9_-]{21}[AEIMQUYcgkosw048]$/u

const packedUuid = (id: string): string => Buffer.from(id.replaceAll("-", ""), "hex").toString("base64url")

/** `s` as the session id it packs (lowercase, hyphenated), or undefined when it is not one (the entry is then refused). */
const sessionIdOf = (packed: unknown): string | undefined => {
  if (typeof packed !== "string" || !PACKED_UUID.test(packed)) return undefined
  const hex = Buffer.from(packed, "base64url").toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** A compact body's session (`s`, packed): its id, undefined when it has none, null when `s` is not a packed id. */
const sessionOfBody = (body: Readonly<Record<string, unknown>>): string | undefined | null => {
  if (!("s" in body)) return undefined
  return sessionIdOf(body["s"]) ?? null
}

/** The topics stored beyond the derived ones: `s`'s session topic (its id unpacked), or the `topics` field's. */
const storedTopics = (session: string | undefined, topics: ReadonlyArray<string>): ReadonlyArray<string> =>
  session === undefined ? topics : [`${SESSION_TOPIC}${session}`]

/** A compact body as the full one (unchecked here: PublishedEvent decodes the result). */
const expandBody = (body: Readonly<Record<string, unknown>>, session: string | undefined): Record<string, unknown> => {
  const id = String(body["i"])
  const entryId = entryOf(id)
  const at = new Date(typeof body["at"] === "number" ? body["at"] : msOf(entryId)).toISOString()
  const stored = typeof body["p"] === "object" && body["p"] !== null ? (body["p"] as Record<string, unknown>) : {}
  // A creation stored without its usual members takes them back; a table this code does not know leaves no patch
  // (PublishedEvent then refuses the entry, naming it) rather than a view missing members.
  // A creation's `session_id` left out for `s` goes back first (withUsual then puts it in its place).
  const kept = session !== undefined && typeof body["n"] === "number" ? { ...stored, [SESSION_MEMBER]: session } : stored
  const patch = typeof body["n"] === "number" ? (withUsual(body["n"], String(body["k"]), kept) ?? null) : stored
  return {
    id,
    kind: body["k"],
    actor_id: body["a"],
    version: body["v"],
    from: body["f"] ?? null,
    to: body["t"],
    event: body["e"],
    patch: withPosition(patch, { updated_at: at, stream_id: entryId, version: body["v"] as number }),
    at,
  }
}

/** A compact body as the full one (`expandBody`), with every topic it goes to (the derived ones around the stored). */
const expandCompact = (body: Readonly<Record<string, unknown>>, session: string | undefined, stored: ReadonlyArray<string>) => {
  const full = expandBody(body, session)
  return { full, topics: withDerivedTopics(full, storedTopics(session, stored)) }
}

/** The derived topics put back around the stored ones: the kind's list, the actor's own, the stored, `machines`. */
const withDerivedTopics = (body: Readonly<Record<string, unknown>>, extra: ReadonlyArray<string>): string[] => {
  const [list, own, machines] = topicsOf(String(body["kind"]) as never, String(body["actor_id"]))
  return [list!, own!, ...extra, machines!]
}

/**
 * The topics an event entry goes to, read without decoding it (a cheap look, so that the fan-out
 * decodes only what some socket subscribes to; `body`: its body parsed, when the caller has it); undefined for an entry that is not an event or cannot be
 * read that way (the full decode then reports it).
 */
export const eventEntryTopics = (
  fields: Readonly<Record<string, string>>,
  body = parsedEntryBody(fields),
): ReadonlyArray<string> | undefined => {
  if (fields["type"] !== "event") return undefined
  const stored = fields["topics"] === undefined || fields["topics"] === "" ? [] : fields["topics"].split(",")
  if (typeof body !== "object" || body === null) return undefined
  const record = body as Record<string, unknown>
  const session = sessionOfBody(record)
  if (session === null) return undefined
  if (!("id" in record)) return withDerivedTopics({ kind: record["k"], actor_id: record["a"] }, storedTopics(session, stored))
  return stored.length === 0 ? undefined : stored
}
