// Shared wire primitives: ids, times, priorities, capabilities, actor references, stream ids,
// progress, load and JSON values. Every other schema module builds on these.
import { Schema, SchemaTransformation } from "effect"
import { fieldGuard } from "./plain.ts"

/** A UUID string (any version). Ids are UUIDs unless PROTOCOL.md says otherwise. */
export const Uuid = Schema.String.check(Schema.isUUID()).annotate({
  identifier: "Uuid",
  description: "A UUID string",
})
export type Uuid = typeof Uuid.Type

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/u
const ISO_EXPECTED = "an ISO-8601 UTC time like 2026-11-21T10:00:00Z"

/** An ISO-8601 UTC time string ending in `Z`. */
export const IsoTime = Schema.String.check(
  Schema.isPattern(ISO_UTC, { expected: ISO_EXPECTED }),
  Schema.makeFilter((s: string) => !Number.isNaN(Date.parse(s)), {
    expected: ISO_EXPECTED,
    toJsonSchema: () => ({ format: "date-time" }),
  }),
).annotate({ identifier: "IsoTime", description: "ISO-8601 UTC time" })
export type IsoTime = typeof IsoTime.Type

/** Task or session priority: 0 critical … 4 deferred. */
export const Priority = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 4 })).annotate({
  identifier: "Priority",
  description: "0 critical … 4 deferred",
})
export type Priority = typeof Priority.Type

/** A capability name: 1 to 64 characters of a-z, 0-9, `_`, `.`, `:`, `-`. */
export const Capability = Schema.String.check(
  Schema.isPattern(/^[a-z0-9_.:-]{1,64}$/u, {
    expected: "a capability (1 to 64 characters of a-z, 0-9, _ . : -)",
  }),
).annotate({ identifier: "Capability" })
export type Capability = typeof Capability.Type

/** The most labels an agent registers with. */
export const MAX_LABELS = 32

/** A label's key, as a pattern: 1 to 63 characters of A-Z a-z 0-9 _ . : / - (no `=`: `?label=key=value` splits at the first). */
const LABEL_KEY = "[A-Za-z0-9_.:/-]{1,63}"
const LABEL_KEY_EXPECTED = "a label key (1 to 63 characters of A-Z a-z 0-9 _ . : / -)"
/** A label's value, as a pattern: up to 255 characters, no control characters. */
const LABEL_VALUE = "\\P{Cc}{0,255}"

export const LabelKey = Schema.String.check(Schema.isPattern(new RegExp(`^${LABEL_KEY}$`, "u"), { expected: LABEL_KEY_EXPECTED })).annotate(
  {
    identifier: "LabelKey",
  },
)

export const LabelValue = Schema.String.check(
  Schema.isPattern(new RegExp(`^${LABEL_VALUE}$`, "u"), { expected: "a label value (up to 255 characters, no control characters)" }),
).annotate({ identifier: "LabelValue" })

/** What `GET /agents?label=` selects by: a label's key, or `key=value`. */
export const LABEL_SELECTOR = new RegExp(`^${LABEL_KEY}(=${LABEL_VALUE})?$`, "u")

const isLabelKey = Schema.is(LabelKey)

/** An agent's labels: key/value pairs it registers with, listed by `GET /agents?label=`. Keys are checked by a
 * filter rather than as the record's key Schema, which would answer a bad key "unknown field". */
export const Labels = Schema.Record(Schema.String, LabelValue)
  .check(
    Schema.makeFilter((labels: object) => {
      const keys = Object.keys(labels)
      if (keys.length > MAX_LABELS) return `expected at most ${MAX_LABELS} labels, got ${keys.length}`
      const bad = keys.find((key) => !isLabelKey(key))
      return bad === undefined ? undefined : { path: [bad], issue: `expected ${LABEL_KEY_EXPECTED}, got ${JSON.stringify(bad)}` }
    }),
  )
  .annotate({ identifier: "Labels" })

/** A group key (a tenant, a repository, an API key): 1 to 128 characters of A-Z a-z 0-9 _ . : @ - (no slash: it is a path segment). */
export const GroupKey = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_.:@-]{1,128}$/u, {
    expected: "a group key (1 to 128 characters of A-Z, a-z, 0-9, _ . : @ -)",
  }),
).annotate({ identifier: "GroupKey" })
export type GroupKey = typeof GroupKey.Type

export const ActorKind = Schema.Literals(["session", "task", "agent", "context"]).annotate({ identifier: "ActorKind" })
export type ActorKind = typeof ActorKind.Type

const ActorParts = Schema.Struct({ kind: ActorKind, id: Uuid })
export type ActorParts = typeof ActorParts.Type
const isActorKind = fieldGuard(ActorKind)
const isUuid = fieldGuard(Uuid)

const splitActorRef = (ref: string) => {
  const colon = ref.indexOf(":")
  return { kind: ref.slice(0, colon), id: ref.slice(colon + 1) }
}

/** Splits `kind:id` into its parts, or returns undefined when it is not a valid actor reference. */
export function parseActorRef(ref: string): ActorParts | undefined {
  const parts = splitActorRef(ref)
  // ActorParts' two fields checked each by its own Schema, without the Struct's walk (an actor reference is read per inbox entry).
  return isActorKind(parts.kind) && isUuid(parts.id) ? (parts as ActorParts) : undefined
}

/** Formats an actor reference `kind:id`. */
export const actorRef = (kind: ActorKind, id: Uuid): string => `${kind}:${id}`

/** An actor reference `kind:id`, e.g. `task:6f1c…`. */
export const ActorRef = Schema.String.check(
  Schema.makeFilter((s: string) => parseActorRef(s) !== undefined, {
    expected: "an actor reference <session|task|agent|context>:<uuid>",
  }),
).annotate({ identifier: "ActorRef" })

/** `kind:id` on the wire, `{kind, id}` decoded. */
export const ActorRefParts = ActorRef.pipe(
  Schema.decodeTo(
    ActorParts,
    SchemaTransformation.transform({
      decode: (ref: string) => splitActorRef(ref) as ActorParts,
      encode: (parts: ActorParts) => actorRef(parts.kind, parts.id),
    }),
  ),
)

/** The largest part of a Redis stream entry id: each is an unsigned 64-bit integer. */
const MAX_STREAM_ID_PART = 2n ** 64n - 1n

/** A Redis stream entry id `<ms>-<seq>`, each part one Redis can hold. */
export const StreamId = Schema.String.check(
  Schema.isPattern(/^\d{1,20}-\d{1,20}$/u, { expected: "a stream id like 1732185600000-3" }),
  Schema.makeFilter((id: string) =>
    id.split("-").every((part) => BigInt(part) <= MAX_STREAM_ID_PART)
      ? undefined
      : `expected each part at most ${MAX_STREAM_ID_PART}, got "${id}"`,
  ),
).annotate({ identifier: "StreamId" })
export type StreamId = typeof StreamId.Type

/** A fraction of work done, in [0, 1]. */
export const Progress = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })).annotate({
  identifier: "Progress",
})

/** The longest `message` a progress report may carry, in characters: progress is fanned out to every dashboard. */
export const MAX_PROGRESS_MESSAGE = 1024

/** A progress report's free text. */
export const ProgressMessage = Schema.String.check(Schema.isMaxLength(MAX_PROGRESS_MESSAGE)).annotate({
  identifier: "ProgressMessage",
})

/** The largest load a bot may report, and the smallest above 0: the stored column (a Postgres `real`) holds both. */
export const MAX_LOAD = 1000
export const MIN_POSITIVE_LOAD = 1e-6

/** A load figure reported by a bot (0 idle; 1 means at capacity; more, overloaded), 0 or 1e-6 to 1000. */
export const Load = Schema.Finite.check(
  Schema.isBetween({ minimum: 0, maximum: MAX_LOAD }),
  Schema.makeFilter((load: number) =>
    load === 0 || load >= MIN_POSITIVE_LOAD ? undefined : `expected 0 or at least ${MIN_POSITIVE_LOAD}, got ${load}`,
  ),
).annotate({ identifier: "Load" })

/** The health a bot reports with its heartbeat. */
export const HealthStatus = Schema.Literals(["healthy", "degraded", "busy"]).annotate({ identifier: "HealthStatus" })
export type HealthStatus = typeof HealthStatus.Type

/** A non-negative integer (attempt numbers, sequence numbers, versions, epoch milliseconds). */
export const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** A non-empty string (titles, names, reasons, keys). */
export const NonEmptyString = Schema.String.check(Schema.isNonEmpty({ expected: "a non-empty string" }))

/** Any JSON value. */
export const Json = Schema.Json.annotate({ expected: "a JSON value" })
export type Json = typeof Json.Type

/** A JSON object (string keys, JSON values). */
export const JsonObject = Schema.Record(Schema.String, Json)
export type JsonObject = typeof JsonObject.Type
