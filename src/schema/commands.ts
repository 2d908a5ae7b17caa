// Inbox commands: for each actor kind, the tagged union (by `type`) of the commands its machine accepts
// (docs/machines.md; payloads without `at`, which the runtime stamps), its creation command CREATE whose
// payload is the machine input, the InboxCommand envelope, and the codec of raw inbox stream entries.
import { Effect, Schema, SchemaTransformation, Tuple } from "effect"
import {
  ActorKind,
  ActorRefParts,
  Capability,
  HealthStatus,
  Json,
  JsonObject,
  Load,
  NonEmptyString,
  NonNegativeInt,
  Priority,
  Progress,
  Uuid,
  actorRef,
} from "./common.ts"
import { checkDag, firstDuplicate } from "./dag.ts"
import { decodeOr, validationError, type Decoded } from "./errors.ts"
import { TaskState } from "./states.ts"

/** A payload with no fields: any JSON object, decoded to `{}`. */
const EmptyPayload = Schema.Record(Schema.String, Schema.Unknown).pipe(
  Schema.decodeTo(Schema.Struct({}), SchemaTransformation.transform({ decode: () => ({}), encode: () => ({}) })),
)

const command = <T extends string, F extends Schema.Struct.Fields>(type: T, fields: F) =>
  Schema.Struct({ type: Schema.Literal(type), payload: Schema.Struct(fields) })

const bare = <T extends string>(type: T) => Schema.Struct({ type: Schema.Literal(type), payload: EmptyPayload })

const create = <S extends Schema.Top>(payload: S) => Schema.Struct({ type: Schema.Literal("CREATE"), payload })

// ---- task ----

/** Seconds an attempt may run before it times out. */
export const TimeoutS = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 3600 }))
/** Attempts before a failing task fails for good. */
export const MaxAttempts = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 20 }))

/** How a task runs, with its defaults: payload `{}`, timeoutS 300, maxAttempts 3, priority 2. */
export const taskSpecFields = {
  payload: Json.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  timeoutS: TimeoutS.pipe(Schema.withDecodingDefaultKey(Effect.succeed(300))),
  maxAttempts: MaxAttempts.pipe(Schema.withDecodingDefaultKey(Effect.succeed(3))),
  priority: Priority.pipe(Schema.withDecodingDefaultKey(Effect.succeed(2))),
}

/** The task machine's input without `at`. */
export const TaskInput = Schema.Struct({
  id: Uuid,
  sessionId: Schema.optionalKey(Uuid),
  index: Schema.optionalKey(NonNegativeInt),
  key: Schema.optionalKey(NonEmptyString),
  title: NonEmptyString,
  capability: Capability,
  dependsOn: Schema.Array(Uuid),
  dependants: Schema.optionalKey(Schema.Array(Uuid)),
  blocked: Schema.Boolean,
  epoch: Schema.optionalKey(NonNegativeInt),
  ...taskSpecFields,
})
export type TaskInput = typeof TaskInput.Type

/** Why an agent gives a task back. */
export const ReleaseOutcome = Schema.Literals(["completed", "failed", "cancelled", "timed_out", "lost"])
export type ReleaseOutcome = typeof ReleaseOutcome.Type

/** How a task's dependency finished, as it tells its dependants. */
const FinishedStatus = Schema.Literals(["completed", "failed", "cancelled", "timed_out"])

export const TaskCommand = Schema.Union([
  create(TaskInput),
  command("DEPENDENCY_FINISHED", { taskId: Uuid, status: FinishedStatus, epoch: NonNegativeInt }),
  command("SESSION_RUN", { epoch: NonNegativeInt }),
  bare("SESSION_HOLD"),
  command("SESSION_CANCEL", { reason: Schema.String, epoch: NonNegativeInt }),
  command("ASSIGN", { agentId: Uuid }),
  command("CLAIM", { agentId: Uuid }),
  command("START", { agentId: Uuid }),
  command("PROGRESS", { agentId: Uuid, progress: Progress, message: Schema.optionalKey(Schema.String) }),
  command("COMPLETE", { agentId: Uuid, result: Schema.optionalKey(Json) }),
  command("FAIL", { agentId: Uuid, error: Schema.optionalKey(Schema.String) }),
  command("RETRY_DUE", { attempt: NonNegativeInt }),
  command("DEADLINE", { attempt: NonNegativeInt }),
  command("AGENT_LOST", { agentId: Uuid }),
  command("CANCEL", { reason: Schema.String }),
  bare("RETRY"),
])
export type TaskCommand = typeof TaskCommand.Type

// ---- agent ----

/** What a bot says about itself when it registers (`POST /agents`), with defaults. */
export const agentProfileFields = {
  name: NonEmptyString,
  capabilities: Schema.Array(Capability).check(Schema.isNonEmpty()),
  type: Schema.optionalKey(NonEmptyString),
  maxConcurrency: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(1)),
  ),
  metadata: Schema.optionalKey(JsonObject),
}

/** The agent machine's input without `at`. */
export const AgentInput = Schema.Struct({
  id: Uuid,
  ...agentProfileFields,
  heartbeatIntervalMs: Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 3_600_000 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(10_000)),
  ),
})
export type AgentInput = typeof AgentInput.Type

export const AgentCommand = Schema.Union([
  create(AgentInput),
  bare("CONNECT"),
  command("HEARTBEAT", { load: Schema.optionalKey(Load), status: Schema.optionalKey(HealthStatus) }),
  command("HEARTBEAT_EXPIRED", { seq: NonNegativeInt }),
  bare("DISCONNECT"),
  command("RESERVE", { taskId: Uuid }),
  command("RELEASE", { taskId: Uuid, outcome: ReleaseOutcome }),
  bare("DRAIN"),
  bare("UNDRAIN"),
  command("BREAKER_COOLDOWN", { openedAt: NonNegativeInt }),
  bare("DEREGISTER"),
])
export type AgentCommand = typeof AgentCommand.Type

// ---- session ----

/** One task of a session: dependencies are ids of other tasks of the same session. */
export const SessionTask = Schema.Struct({
  id: Uuid,
  key: NonEmptyString,
  title: NonEmptyString,
  capability: Capability,
  dependsOn: Schema.Array(Uuid),
  spec: Schema.Struct(taskSpecFields),
})
export type SessionTask = typeof SessionTask.Type

/** What a client says about a session it creates (`POST /sessions`), with defaults. */
export const sessionProfileFields = {
  title: NonEmptyString,
  prompt: Schema.optionalKey(Schema.String),
  type: Schema.optionalKey(NonEmptyString),
  priority: Priority.pipe(Schema.withDecodingDefaultKey(Effect.succeed(2))),
  start: Schema.optionalKey(Schema.Boolean),
}

/** The session machine's input without `at`. */
export const SessionInput = Schema.Struct({
  id: Uuid,
  ...sessionProfileFields,
  tasks: Schema.Array(SessionTask),
  timeoutS: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  maxRetries: NonNegativeInt.pipe(Schema.withDecodingDefaultKey(Effect.succeed(3))),
}).check(
  Schema.makeFilter((input) => {
    const duplicateKey = firstDuplicate(input.tasks.map((t) => t.key))
    if (duplicateKey !== undefined) {
      const key = JSON.stringify(input.tasks[duplicateKey]?.key)
      return { path: ["tasks", duplicateKey, "key"], issue: `duplicate task key ${key}` }
    }
    const nodes = input.tasks.map((t) => ({ name: t.id, deps: t.dependsOn }))
    return checkDag(nodes, { list: "tasks", name: "id", deps: "dependsOn", noun: "task id" })
  }),
)
export type SessionInput = typeof SessionInput.Type

export const SessionCommand = Schema.Union([
  create(SessionInput),
  bare("QUEUE"),
  bare("START"),
  bare("PAUSE"),
  bare("RESUME"),
  bare("STOP"),
  bare("CANCEL"),
  command("FAIL", { reason: Schema.String }),
  command("TIMEOUT", { seq: NonNegativeInt }),
  bare("RETRY"),
  bare("ORPHAN"),
  command("TASK_STATUS", { taskId: Uuid, index: NonNegativeInt, from: TaskState, status: TaskState, epoch: NonNegativeInt }),
  command("CHECKPOINT", { data: Json }),
])
export type SessionCommand = typeof SessionCommand.Type

// ---- envelope ----

const envelope = <K extends ActorKind>(kind: K) =>
  Schema.fieldsAssign({
    kind: Schema.Literal(kind),
    id: Uuid,
    cmdId: Schema.optionalKey(NonEmptyString),
    replyTo: Schema.optionalKey(NonEmptyString),
  })

export const TaskInboxCommand = TaskCommand.mapMembers(Tuple.map(envelope("task")))
export const AgentInboxCommand = AgentCommand.mapMembers(Tuple.map(envelope("agent")))
export const SessionInboxCommand = SessionCommand.mapMembers(Tuple.map(envelope("session")))

/**
 * A command to one actor: `{kind, id, type, payload, cmdId?, replyTo?}`. `cmdId` deduplicates a
 * client's repeated frame id; `replyTo` says where the acceptance or refusal is reported.
 */
export const InboxCommand = Schema.Union([TaskInboxCommand, AgentInboxCommand, SessionInboxCommand])
export type InboxCommand = typeof InboxCommand.Type

const inboxByKind = { task: TaskInboxCommand, agent: AgentInboxCommand, session: SessionInboxCommand }

const InboxHeader = Schema.Struct({ kind: ActorKind, id: Uuid, type: Schema.String, payload: Schema.Unknown })

/** Decodes an envelope: the actor first, then the command against that kind's commands only. */
export function decodeInboxCommand(input: unknown): Decoded<InboxCommand> {
  const header = decodeOr(InboxHeader, input)
  if (!header.ok) return header
  const { kind, id } = header.value
  const decoded: Decoded<InboxCommand> = decodeOr(inboxByKind[kind], input)
  if (decoded.ok && decoded.value.type === "CREATE" && decoded.value.payload.id !== id) {
    const [expected, got] = [JSON.stringify(id), JSON.stringify(decoded.value.payload.id)]
    return { ok: false, error: validationError(`payload.id: expected the actor id ${expected}, got ${got}`) }
  }
  return decoded
}

// ---- raw stream entries ----

/** An inbox stream entry: PROTOCOL.md's `type`, `actor`, `payload`, plus the runtime's `cmdId`, `replyTo`. */
const StreamEntry = Schema.Struct({
  type: Schema.String,
  actor: ActorRefParts,
  payload: Schema.fromJsonString(Schema.Unknown),
  cmdId: Schema.optionalKey(NonEmptyString),
  replyTo: Schema.optionalKey(NonEmptyString),
})

/** Pairs a flat `[field, value, ...]` list (XREADGROUP's shape) into a record; a repeated field keeps the first. */
function fieldRecord(fields: ReadonlyArray<string>): Record<string, string> {
  const record: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [name, value] = [fields[i] as string, fields[i + 1] as string]
    if (!Object.hasOwn(record, name)) record[name] = value
  }
  return record
}

/**
 * Decodes a raw inbox stream entry (fields `type`, `actor` = `kind:id`, `payload` = JSON text, optional
 * `cmdId`, `replyTo`; other fields such as `timer` are ignored). A failure's `error.message` is the
 * reason to record in the dead-letter stream.
 */
export function decodeStreamEntry(
  fields: ReadonlyArray<string> | Readonly<Record<string, string>>,
): Decoded<InboxCommand> {
  const entry = decodeOr(StreamEntry, Array.isArray(fields) ? fieldRecord(fields) : fields)
  if (!entry.ok) return entry
  const { type, actor, payload, cmdId, replyTo } = entry.value
  return decodeInboxCommand({
    ...actor,
    type,
    payload,
    ...(cmdId === undefined ? {} : { cmdId }),
    ...(replyTo === undefined ? {} : { replyTo }),
  })
}

/** The flat `[field, value, ...]` list to XADD for a command; `decodeStreamEntry` reads it back. */
export function toStreamFields(cmd: InboxCommand): string[] {
  const fields = ["type", cmd.type, "actor", actorRef(cmd.kind, cmd.id), "payload", JSON.stringify(cmd.payload)]
  if (cmd.cmdId !== undefined) fields.push("cmdId", cmd.cmdId)
  if (cmd.replyTo !== undefined) fields.push("replyTo", cmd.replyTo)
  return fields
}
