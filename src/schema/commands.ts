// Inbox commands: for each actor kind, the tagged union (by `type`) of the commands its machine accepts
// (docs/machines.md; payloads without `at`, which the runtime stamps), its creation command CREATE whose
// payload is the machine input, the InboxCommand envelope, and the codec of raw inbox stream entries.
// Payloads are camelCase in memory (what the machines use) and snake_case in the stream, as on HTTP
// (PROTOCOL.md "Raw stream producers"): every payload Schema is snake-cased on its encoded side.
import { Effect, Schema, Tuple } from "effect"
import {
  ActorKind,
  ActorRefParts,
  Capability,
  GroupKey,
  HealthStatus,
  Json,
  JsonObject,
  Labels,
  Load,
  NonEmptyString,
  NonNegativeInt,
  Priority,
  Progress,
  ProgressMessage,
  parseActorRef,
  Uuid,
} from "./common.ts"
import { checkDag, firstDuplicate } from "./dag.ts"
import { ApiError, decodeInput, decodeOr, encodeInput, parseJsonInput, validationError, type Decoded } from "./errors.ts"
import { inputRuleViolation } from "./input.ts"
import { plainTaskReport, plainTaskReportEncode, TaskReportPayload } from "./task-report.ts"
import { fieldGuard, isPlainRecord, plainDecoder, plainEncoder, plainFields, plainNested, type PlainPayload } from "./plain.ts"
import { snakeCased } from "./wire.ts"

/** The plain payload check of each command `command` and `bare` build, by its Schema. */
const plainPayloads = new WeakMap<object, PlainPayload>()

/** The plain payload encode of the commands `command`, `bare` and `create` (given its fields) build, by their Schema. */
const plainEncoders = new WeakMap<object, PlainPayload>()

/** The same encodes writing in the defaults a payload leaves out (what the edge appends). */
const plainFillers = new WeakMap<object, PlainPayload>()

/** Notes the plain steps of command `schema` whose payload Struct has `fields` (none when they are not plain); `issue`:
 * the payload Schema's own check across its fields (its filter), which the plain decode makes too. */
const notePlain = (schema: object, fields: Schema.Struct.Fields, issue?: (payload: never) => unknown) => {
  const checks = plainFields(fields, decodingDefaultOf)
  if (checks === undefined) return
  plainPayloads.set(schema, plainDecoder(checks, issue))
  plainEncoders.set(schema, plainEncoder(checks))
  plainFillers.set(schema, plainEncoder(checks, { fill: true }))
}

const command = <T extends string, F extends Schema.Struct.Fields>(type: T, fields: F) => {
  const schema = Schema.Struct({ type: Schema.Literal(type), payload: snakeCased(Schema.Struct(fields)) })
  notePlain(schema, fields)
  return schema
}

/** The payload of a command without fields: `{}`, any field in it unknown (a Struct without fields would take any value). */
const NoFields = Schema.Record(Schema.String, Schema.Never)

const bare = <T extends string>(type: T) => {
  const schema = Schema.Struct({ type: Schema.Literal(type), payload: NoFields })
  notePlain(schema, {})
  return schema
}

/** A creation command; `fields`: its payload Struct's fields, when a plain check may decode and encode it (`plainDecoder`,
 * `plainEncoder`), and `issue`: the payload Schema's filter across them, if it has one. */
const create = <S extends Schema.Top>(payload: S, fields?: Schema.Struct.Fields, issue?: (payload: S["Type"]) => unknown) => {
  const schema = Schema.Struct({ type: Schema.Literal("CREATE"), payload })
  if (fields !== undefined) notePlain(schema, fields, issue)
  return schema
}

/** Fields a decode fills in when their key is absent, with the field's own Schema and the value. */
const decodingDefaults = new WeakMap<object, { readonly field: Schema.Top; readonly value: unknown }>()

/** The field a decode fills in when absent, and the value, for `plainFields`. */
export const decodingDefaultOf = (field: Schema.Top) => decodingDefaults.get(field)

/** `field`, filled in with `value` when its key is absent (`Schema.withDecodingDefaultKey`), noted for the plain check. */
export const withDefault = <S extends Schema.Top>(field: S, value: S["Encoded"]) => {
  const defaulted = field.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))
  decodingDefaults.set(defaulted, { field, value })
  return defaulted
}

// ---- task ----

/** Seconds an attempt may run before it times out. */
export const TimeoutS = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 3600 }))
/** Attempts before a failing task fails for good. */
export const MaxAttempts = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 20 }))

/** Seconds a task may wait for its approval before it is rejected by itself. */
export const ApprovalTimeoutS = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 30 * 24 * 3600 }))

/** How a task runs, with its defaults: payload `{}`, timeoutS 300, maxAttempts 3, priority 2; no group, no approval. */
export const taskSpecFields = {
  payload: withDefault(Json, {}),
  timeoutS: withDefault(TimeoutS, 300),
  maxAttempts: withDefault(MaxAttempts, 3),
  priority: withDefault(Priority, 2),
  group: Schema.optionalKey(GroupKey),
  requiresApproval: Schema.optionalKey(Schema.Boolean),
  approvalTimeoutS: Schema.optionalKey(ApprovalTimeoutS),
}

/** The task machine's input without `at`. */
const taskInputFields = {
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
  /** The agent the router gave the task to at its intake (src/runtime/intake.ts): created assigned to it. */
  givenTo: Schema.optionalKey(Uuid),
  ...taskSpecFields,
}
export const TaskInput = snakeCased(Schema.Struct(taskInputFields))
export type TaskInput = typeof TaskInput.Type

/** The attempt a bot says it reports on (PROTOCOL v1.1), when it says so. */
const reportedAttempt = Schema.optionalKey(NonNegativeInt)

/** Why an agent gives a task back. */
export const ReleaseOutcome = Schema.Literals(["completed", "failed", "cancelled", "timed_out", "lost"])
export type ReleaseOutcome = typeof ReleaseOutcome.Type

/** How a task's dependency finished, as it tells its dependants. */
const FinishedStatus = Schema.Literals(["completed", "failed", "cancelled", "timed_out"])

export const TaskCommand = Schema.Union([
  create(TaskInput, taskInputFields),
  command("DEPENDENCY_FINISHED", { taskId: Uuid, status: FinishedStatus, epoch: NonNegativeInt }),
  command("SESSION_RUN", { epoch: NonNegativeInt }),
  bare("SESSION_HOLD"),
  command("SESSION_CANCEL", { reason: Schema.String, epoch: NonNegativeInt }),
  command("ASSIGN", { agentId: Uuid }),
  command("CLAIM", { agentId: Uuid, attempt: reportedAttempt }),
  command("START", { agentId: Uuid, attempt: reportedAttempt }),
  command("PROGRESS", { agentId: Uuid, attempt: reportedAttempt, progress: Progress, message: Schema.optionalKey(ProgressMessage) }),
  command("COMPLETE", { agentId: Uuid, attempt: reportedAttempt, result: Schema.optionalKey(Json) }),
  command("FAIL", { agentId: Uuid, attempt: reportedAttempt, error: Schema.optionalKey(Schema.String) }),
  command("RETRY_DUE", { attempt: NonNegativeInt }),
  command("DEADLINE", { attempt: NonNegativeInt }),
  command("AGENT_LOST", { agentId: Uuid, reason: Schema.optionalKey(Schema.Literals(["heartbeat_expired", "deregistered"])) }),
  command("AGENT_DRAINING", { agentId: Uuid }),
  bare("APPROVE"),
  command("REJECT", { reason: Schema.String }),
  bare("APPROVAL_TIMEOUT"),
  command("ADD_DEPENDENCIES", { taskIds: Schema.Array(Uuid).check(Schema.isNonEmpty()) }),
  command("CANCEL", { reason: Schema.String }),
  bare("RETRY"),
  bare("ERASE"),
])
export type TaskCommand = typeof TaskCommand.Type

// ---- agent ----

/** The most tasks an agent may hold at once (`max_concurrency`). */
export const MAX_CONCURRENCY = 1_000

/** What a bot says about itself when it registers (`POST /agents`), with defaults. */
export const agentProfileFields = {
  name: NonEmptyString,
  capabilities: Schema.Array(Capability).check(Schema.isNonEmpty()),
  type: Schema.optionalKey(NonEmptyString),
  maxConcurrency: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_CONCURRENCY })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(1)),
  ),
  metadata: Schema.optionalKey(JsonObject),
  labels: Schema.optionalKey(Labels),
  heartbeatIntervalMs: Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 3_600_000 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(10_000)),
  ),
}

/** How long an agent's open breaker waits before it half-opens: the deployment's, set by the edge at registration. */
export const BreakerCooldownMs = Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 86_400_000 }))

/** The agent machine's input without `at`. */
export const AgentInput = snakeCased(
  Schema.Struct({ id: Uuid, ...agentProfileFields, breakerCooldownMs: Schema.optionalKey(BreakerCooldownMs) }),
)
export type AgentInput = typeof AgentInput.Type

export const AgentCommand = Schema.Union([
  create(AgentInput),
  bare("CONNECT"),
  command("HEARTBEAT", { load: Schema.optionalKey(Load), status: Schema.optionalKey(HealthStatus) }),
  command("HEARTBEAT_EXPIRED", { seq: NonNegativeInt }),
  bare("DISCONNECT"),
  command("RESERVE", { taskId: Uuid }),
  // The slots the router gave the agent straight (a wake of its free slots), each named by the task given it.
  command("GIVEN", { taskIds: Schema.Array(Uuid).check(Schema.isNonEmpty()) }),
  // `slot`: the slot the task held, named by the task it was reserved for (absent: the task's own); `successes_before`:
  // the completed tasks whose slots the router transferred since the agent's last RELEASE; `next_*`: the ready task the
  // router took for the freed slot, with its routing facts (flat, so the payload keeps its plain check); all absent: none;
  // `told`: this one's slot was given straight by a wake, told by a GIVEN (which may arrive after this one).
  command("RELEASE", {
    taskId: Uuid,
    outcome: ReleaseOutcome,
    slot: Schema.optionalKey(Uuid),
    successesBefore: Schema.optionalKey(NonNegativeInt),
    told: Schema.optionalKey(Schema.Boolean),
    nextTaskId: Schema.optionalKey(Uuid),
    nextCapability: Schema.optionalKey(Capability),
    nextPriority: Schema.optionalKey(Priority),
    nextGroup: Schema.optionalKey(GroupKey),
    nextSince: Schema.optionalKey(NonNegativeInt),
  }),
  bare("DRAIN"),
  bare("UNDRAIN"),
  command("BREAKER_COOLDOWN", { openedAt: NonNegativeInt }),
  bare("DEREGISTER"),
])
export type AgentCommand = typeof AgentCommand.Type

// ---- session ----

/** How a session's task runs (`taskSpecFields`), nested in it. */
const TaskSpec = plainNested(snakeCased(Schema.Struct(taskSpecFields)), taskSpecFields, decodingDefaultOf)

const sessionTaskFields = {
  id: Uuid,
  key: NonEmptyString,
  title: NonEmptyString,
  capability: Capability,
  dependsOn: Schema.Array(Uuid),
  spec: TaskSpec,
}

/** One task of a session: dependencies are ids of other tasks of the same session. */
export const SessionTask = plainNested(snakeCased(Schema.Struct(sessionTaskFields)), sessionTaskFields)
export type SessionTask = typeof SessionTask.Type

/** What a client says about a session it creates (`POST /sessions`), with defaults. */
export const sessionProfileFields = {
  title: NonEmptyString,
  prompt: Schema.optionalKey(Schema.String),
  type: Schema.optionalKey(NonEmptyString),
  priority: withDefault(Priority, 2),
  timeoutS: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  start: Schema.optionalKey(Schema.Boolean),
}

const sessionInputFields = {
  id: Uuid,
  ...sessionProfileFields,
  tasks: Schema.Array(SessionTask),
  maxRetries: withDefault(NonNegativeInt, 3),
  orphanAfterS: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
}

/** The session machine's input without `at`. */
export const SessionInput = snakeCased(Schema.Struct(sessionInputFields)).check(Schema.makeFilter(taskListIssue))
export type SessionInput = typeof SessionInput.Type

/** A payload's task list (a session's, or tasks joining it): unique keys, and dependencies that name tasks of the same
 * list without a cycle. */
function taskListIssue({ tasks }: { readonly tasks: ReadonlyArray<SessionTask> }) {
  const duplicateKey = firstDuplicate(tasks.map((t) => t.key))
  if (duplicateKey !== undefined) {
    const key = JSON.stringify(tasks[duplicateKey]?.key)
    return { path: ["tasks", duplicateKey, "key"], issue: `duplicate task key ${key}` }
  }
  const nodes = tasks.map((t) => ({ name: t.id, deps: t.dependsOn }))
  return checkDag(nodes, { list: "tasks", name: "id", deps: "depends_on", noun: "task id" })
}

/** A task's report to its session, compact on the stream (task-report.ts). */
const taskReport = Schema.Struct({ type: Schema.Literal("TASK_STATUS"), payload: TaskReportPayload })
plainPayloads.set(taskReport, plainTaskReport)
plainEncoders.set(taskReport, plainTaskReportEncode)
plainFillers.set(taskReport, plainTaskReportEncode) // no defaulted field

/** Tasks joining a session (a decomposition): dependencies among themselves; `parentId` waits for all of them. */
const AddTasks = snakeCased(
  Schema.Struct({
    tasks: Schema.Array(SessionTask).check(Schema.isNonEmpty()),
    firstIndex: NonNegativeInt,
    parentId: Schema.optionalKey(Uuid),
  }),
).check(Schema.makeFilter(taskListIssue))

export const SessionCommand = Schema.Union([
  create(SessionInput, sessionInputFields, taskListIssue),
  bare("START"),
  bare("PAUSE"),
  bare("RESUME"),
  bare("STOP"),
  bare("CANCEL"),
  command("FAIL", { reason: Schema.String }),
  command("TIMEOUT", { seq: NonNegativeInt }),
  bare("RETRY"),
  bare("ORPHAN"),
  command("ORPHAN_DUE", { seq: NonNegativeInt }),
  command("COVERAGE", { seq: NonNegativeInt, ready: NonNegativeInt, offered: NonNegativeInt }),
  bare("DELETE"),
  bare("ERASE"),
  bare("PURGE"),
  Schema.Struct({ type: Schema.Literal("ADD_TASKS"), payload: AddTasks }),
  // `task_id` is optional: the session derives it from `index`; reports of earlier runtimes name it (task-report.ts).
  taskReport,
  command("CHECKPOINT", { data: Json }),
])
export type SessionCommand = typeof SessionCommand.Type

// ---- context ----

/** Where a context belongs: a session, an agent, everyone, or for a while. */
export const ContextScope = Schema.Literals(["session", "agent", "global", "temporary"])

/** A context's data: a JSON object (its size is limited by the machine, MAX_CONTEXT_BYTES). */
const ContextData = Schema.Record(Schema.String, Json)

/** The context machine's input without `at`. */
export const ContextInput = snakeCased(
  Schema.Struct({
    id: Uuid,
    scope: ContextScope,
    ownerId: Schema.optionalKey(Uuid),
    ttlS: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 31_536_000 }))),
    data: ContextData,
    mergedFrom: Schema.optionalKey(Schema.Array(Schema.Struct({ id: Uuid, version: NonNegativeInt }))),
  }),
)
export type ContextInput = typeof ContextInput.Type

export const ContextCommand = Schema.Union([
  create(ContextInput),
  Schema.Struct({
    type: Schema.Literal("PATCH"),
    // the dot paths are data, kept as written (only the struct's own keys are snake-cased)
    payload: snakeCased(
      Schema.Struct({
        set: ContextData,
        unset: Schema.Array(Schema.String),
        expectedVersion: Schema.optionalKey(NonNegativeInt),
      }),
    ),
  }),
  command("SHARE", { sessionId: Uuid }),
  bare("EXPIRE"),
])
export type ContextCommand = typeof ContextCommand.Type

// ---- envelope ----

/** `replyWhen` of a command with a `replyTo`: answer only a refusal (a bot's frame, already acked at its append: an
 * acceptance would be read and dropped). Absent: every outcome is answered (an HTTP command waits for it). */
export const ReplyWhen = Schema.Literal("rejected")
export type ReplyWhen = typeof ReplyWhen.Type

const envelope = <K extends ActorKind>(kind: K) =>
  Schema.fieldsAssign({
    kind: Schema.Literal(kind),
    id: Uuid,
    cmdId: Schema.optionalKey(NonEmptyString),
    replyTo: Schema.optionalKey(NonEmptyString),
    replyWhen: Schema.optionalKey(ReplyWhen),
  })

export const TaskInboxCommand = TaskCommand.mapMembers(Tuple.map(envelope("task")))
export const AgentInboxCommand = AgentCommand.mapMembers(Tuple.map(envelope("agent")))
export const SessionInboxCommand = SessionCommand.mapMembers(Tuple.map(envelope("session")))
export const ContextInboxCommand = ContextCommand.mapMembers(Tuple.map(envelope("context")))

/**
 * A command to one actor: `{kind, id, type, payload, cmdId?, replyTo?, replyWhen?}`. `cmdId` deduplicates a
 * client's repeated frame id; `replyTo` says where the acceptance or refusal is reported (`replyWhen: "rejected"`:
 * only a refusal).
 */
export const InboxCommand = Schema.Union([TaskInboxCommand, AgentInboxCommand, SessionInboxCommand, ContextInboxCommand])
export type InboxCommand = typeof InboxCommand.Type

const inboxByKind = { task: TaskInboxCommand, agent: AgentInboxCommand, session: SessionInboxCommand, context: ContextInboxCommand }

const InboxHeader = Schema.Struct({ kind: ActorKind, id: Uuid, type: Schema.String, payload: Schema.Unknown })

const commandsByKind = { task: TaskCommand, agent: AgentCommand, session: SessionCommand, context: ContextCommand }

/** Each kind's commands that `plains` holds a plain payload step for, by type. */
const byKind = (plains: WeakMap<object, PlainPayload>) =>
  Object.fromEntries(
    Object.entries(commandsByKind).map(([kind, union]) => [
      kind,
      new Map(
        union.members.flatMap((member) => {
          const plain = plains.get(member)
          return plain === undefined ? [] : [[member.fields.type.literal as string, plain] as const]
        }),
      ),
    ]),
  ) as unknown as Record<ActorKind, ReadonlyMap<string, PlainPayload>>

/** Each kind's commands that have a plain payload check, by type. */
const plainByKind = byKind(plainPayloads)
/** Each kind's commands that have a plain payload encode, by type. */
const plainEncodeByKind = byKind(plainEncoders)
/** The same encodes writing in the defaults a payload leaves out. */
const plainFillByKind = byKind(plainFillers)

/** Where a command goes, once checked: its actor, and the optional `cmdId`, `replyTo` and `replyWhen` of its entry. */
interface Address {
  readonly kind: ActorKind
  readonly id: string
  readonly cmdId?: string
  readonly replyTo?: string
  readonly replyWhen?: ReplyWhen
}

/** Whether a command of `kind` and `type` has a plain payload check (for tests). */
export const hasPlainPayload = (kind: ActorKind, type: string): boolean => plainByKind[kind].has(type)

/**
 * Decodes a command's `{type, payload}`, payload in its stream form (snake_case), unknown fields
 * refused, for an address already checked (the envelope is not decoded again: a third of the cost of
 * an inbox entry).
 */
function decodeStreamForm(address: Address, type: string, payload: unknown): Decoded<InboxCommand> {
  const plain = plainByKind[address.kind].get(type)?.(payload)
  const decoded =
    plain === undefined
      ? decodeInput(commandsByKind[address.kind], { type, payload })
      : { ok: true as const, value: { type, payload: plain } }
  if (!decoded.ok) return decoded
  if (decoded.value.type === "CREATE" && decoded.value.payload.id !== address.id) {
    const [expected, got] = [JSON.stringify(address.id), JSON.stringify(decoded.value.payload.id)]
    return { ok: false, error: validationError(`payload.id: expected the actor id ${expected}, got ${got}`) }
  }
  // Its two members written out, then the address (a spread followed by members takes V8's slow path).
  return { ok: true, value: { type: decoded.value.type, payload: decoded.value.payload, ...address } as InboxCommand }
}

/**
 * Validates a command built in memory, payload in camelCase (`{kind, id, type, payload, cmdId?,
 * replyTo?}`, what the edge and the runtime append): the input rules on its payload, then its
 * Schema, unknown fields refused, defaults applied. A failure names the field.
 */
export function decodeInboxCommand(input: unknown): Decoded<InboxCommand> {
  const checked = checkInboxCommand(input)
  return checked.ok ? { ok: true, value: checked.value.command } : checked
}

/**
 * What decodeInboxCommand checks, answering the `payload` field of the command's stream entry (snake_case
 * JSON) as the check encoded it, instead of encoding the decoded command once more (a third Schema pass, a
 * fifth of a runtime's send). A decoding default the command leaves out stays out of the text: the entry's
 * decoding fills it in the same. A command of a known kind goes straight to its kind's Schema, without the
 * header decode (which checks nothing more): with several fields at fault, it may name another one first.
 */
export function inboxStreamPayload(input: unknown): Decoded<string> {
  const checked = checkInboxCommand(input, knownKind(input))
  return checked.ok ? { ok: true, value: JSON.stringify(checked.value.streamPayload) } : checked
}

/** The `kind` of a command when it is one of the inbox kinds (its kind's Schema then checks the rest). */
const knownKind = (input: unknown): ActorKind | undefined => {
  const kind = typeof input === "object" && input !== null ? (input as { readonly kind?: unknown }).kind : undefined
  return typeof kind === "string" && Object.hasOwn(inboxByKind, kind) ? (kind as ActorKind) : undefined
}

/** `kind`: the command's kind, known already, so its header is not decoded first (its kind's Schema checks id,
 * type and payload all the same; the header only names a field the way the edge answers it). */
function checkInboxCommand(input: unknown, kind?: ActorKind): Decoded<{ readonly command: InboxCommand; readonly streamPayload: unknown }> {
  let header: { readonly kind: ActorKind; readonly payload: unknown }
  if (kind === undefined) {
    const decoded = decodeOr(InboxHeader, input)
    if (!decoded.ok) return decoded
    header = decoded.value
  } else header = { kind, payload: (input as { readonly payload?: unknown }).payload }
  // The payload as the stream will carry it keeps the input rules, depth included: a raw producer's
  // payload and an appended one are held to the same 64 levels (a session task's payload sits one
  // level deeper in the command than in the body: at the very limit, the append refuses it).
  const violation = inputRuleViolation(header.payload, ["payload"])
  if (violation !== undefined) return { ok: false, error: validationError(violation) }
  const streamForm = (kind && plainStreamForm(plainEncodeByKind, kind, input)) || encodeInput(inboxByKind[header.kind], input)
  return streamForm.ok ? checkStreamForm(streamForm.value) : streamForm
}

/** A command's stream form decoded as its entry will be: the command, and the payload as the stream carries it. */
function checkStreamForm(
  streamForm: typeof InboxCommand.Encoded,
): Decoded<{ readonly command: InboxCommand; readonly streamPayload: unknown }> {
  const { type, payload, ...address } = streamForm
  const decoded = decodeStreamForm(address, type, payload)
  return decoded.ok ? { ok: true, value: { command: decoded.value, streamPayload: payload } } : decoded
}

/**
 * The `payload` field of the stream entry of a command built in memory (what the edge appends: the decoded command
 * encoded again, `streamPayload`, so a decoding default it leaves out is written in), or the refusal naming the field,
 * as decodeInboxCommand names it. A command of a known kind that the plain checks take whole (a type with a plain
 * payload encode, which writes in the defaults the command leaves out, at any depth, as the decode fills them in and
 * the encode writes them: its stream form is that text) is answered by them, at a tenth of the cost of the Schemas'
 * two passes (a 5,000-task session's creation: 25 ms, not 250); any other command, and one they do not take, goes
 * through the Schemas (tests/unit/schema/plain-encode.test.ts holds the two to the same answers).
 */
export function appendedStreamPayload(input: unknown): Decoded<string> {
  const kind = knownKind(input)
  const plain = kind === undefined ? undefined : plainStreamForm(plainFillByKind, kind, input)
  // The input rules on the payload as checkInboxCommand applies them (plainStreamForm took a plain record).
  if (plain?.ok && inputRuleViolation((input as { readonly payload: unknown }).payload, ["payload"]) === undefined) {
    const checked = checkStreamForm(plain.value)
    if (checked.ok) return withinEntryLimit(JSON.stringify(checked.value.streamPayload))
  }
  const decoded = decodeInboxCommand(input)
  return decoded.ok ? withinEntryLimit(streamPayload(decoded.value)) : decoded
}

/**
 * A stream payload the runtime would dead-letter for its size (decodeStreamEntries) refused before it is appended, as
 * `payload_too_large`: a body within the HTTP limit can still make a larger command (a session's CREATE gives each of
 * its tasks its derived id).
 */
const withinEntryLimit = (payload: string): Decoded<string> => {
  const size = entryPayloadBytes(payload)
  return size > MAX_ENTRY_PAYLOAD_BYTES
    ? {
        ok: false,
        error: new ApiError({
          code: "payload_too_large",
          message: `payload: ${size} bytes as an inbox command, more than ${MAX_ENTRY_PAYLOAD_BYTES}`,
        }),
      }
    : { ok: true, value: payload }
}

/** The UTF-8 length of an entry's payload, counted only when it may be over the limit (a UTF-16 code unit is at most
 * 3 bytes of UTF-8); 0 when it cannot be. */
const entryPayloadBytes = (payload: string): number => (payload.length * 3 <= MAX_ENTRY_PAYLOAD_BYTES ? 0 : Buffer.byteLength(payload))

const isUuid = fieldGuard(Uuid)
const isNonEmptyString = fieldGuard(NonEmptyString)
const isReplyWhen = fieldGuard(ReplyWhen)

/** An optional member of the envelope: absent, or as its Schema takes it. */
const optionalMember = (record: Readonly<Record<string, unknown>>, key: string, is: (u: unknown) => boolean): 0 | 1 | undefined =>
  !Object.hasOwn(record, key) ? 0 : is(record[key]) ? 1 : undefined

/**
 * The stream form of a command of a known kind, its envelope and its payload checked as the kind's Schema checks
 * them, for a command with a plain payload encode among `encoders` (`plainEncoder`, writing defaults in or not): a
 * tenth of the Schema encode. Undefined for anything else (the Schema then encodes it, or names what is wrong).
 */
function plainStreamForm(
  encoders: Record<ActorKind, ReadonlyMap<string, PlainPayload>>,
  kind: ActorKind,
  input: unknown,
): Decoded<typeof InboxCommand.Encoded> | undefined {
  if (!isPlainRecord(input)) return undefined
  const { type, id, payload } = input
  const encode = typeof type === "string" ? encoders[kind].get(type) : undefined
  const cmdId = optionalMember(input, "cmdId", isNonEmptyString)
  const replyTo = optionalMember(input, "replyTo", isNonEmptyString)
  const replyWhen = optionalMember(input, "replyWhen", isReplyWhen)
  if (encode === undefined || cmdId === undefined || replyTo === undefined || replyWhen === undefined || !isUuid(id)) return undefined
  if (Object.keys(input).length !== 4 + cmdId + replyTo + replyWhen || !Object.hasOwn(input, "payload")) return undefined
  const encoded = encode(payload)
  if (encoded === undefined) return undefined
  // The members in the order the Schema encodes them: the command's, then the envelope's.
  const value: Record<string, unknown> = { type, payload: encoded, kind, id }
  if (cmdId === 1) value["cmdId"] = input["cmdId"]
  if (replyTo === 1) value["replyTo"] = input["replyTo"]
  if (replyWhen === 1) value["replyWhen"] = input["replyWhen"]
  return { ok: true, value: value as unknown as typeof InboxCommand.Encoded }
}

const encodeCommand = Schema.encodeSync(InboxCommand)

/** The `payload` field of a command's stream entry: its payload as snake_case JSON. */
export const streamPayload = (cmd: InboxCommand): string => JSON.stringify(encodeCommand(cmd).payload)

// ---- raw stream entries ----

/** An inbox stream entry: PROTOCOL.md's `type`, `actor`, `payload`, plus the runtime's `cmdId`, `replyTo`,
 * `replyWhen` and `batch` (several commands of one type to one actor: append-runs.lua). An entry written before
 * `replyWhen` existed has none: every outcome is answered, as then. */
const StreamEntry = Schema.Struct({
  type: Schema.String,
  actor: ActorRefParts,
  payload: Schema.String,
  cmdId: Schema.optionalKey(NonEmptyString),
  replyTo: Schema.optionalKey(NonEmptyString),
  replyWhen: Schema.optionalKey(ReplyWhen),
  batch: Schema.optionalKey(Schema.String),
})

/** A member StreamEntry may leave out: absent, or a string (a non-empty one where it says so). */
const optionalText = (record: Readonly<Record<string, unknown>>, key: string, nonEmpty: boolean): boolean => {
  if (!Object.hasOwn(record, key)) return true
  const value = record[key]
  return typeof value === "string" && (!nonEmpty || value.length > 0)
}

/** StreamEntry's fields are strings as stored: an entry they fit (StreamEntry's checks written out, its actor split
 * once) is taken as it is (a fifth of the Schema decode's cost); one they do not fit is decoded for the error naming
 * the field. */
function decodeEntryFields(record: Readonly<Record<string, string>>): Decoded<typeof StreamEntry.Type> {
  const { type, actor: ref, payload } = record
  const fits =
    typeof type === "string" &&
    typeof ref === "string" &&
    typeof payload === "string" &&
    optionalText(record, "cmdId", true) &&
    optionalText(record, "replyTo", true) &&
    (!Object.hasOwn(record, "replyWhen") || isReplyWhen(record["replyWhen"])) &&
    optionalText(record, "batch", false)
  const actor = fits ? parseActorRef(ref) : undefined
  return actor === undefined ? decodeOr(StreamEntry, record) : { ok: true, value: { ...(record as typeof StreamEntry.Encoded), actor } }
}

/** The largest raw entry payload: 2 MiB, twice the default HTTP body limit, since the command the edge makes of a body
 * is larger than the body (a session's CREATE gives each task its derived id and writes in its defaults: a 5,000-task
 * session of 100-byte payloads is a 0.8 MB body and a 1.4 MB command). A command over it is refused at the append
 * (`payload_too_large`), a raw entry over it dead-lettered. */
export const MAX_ENTRY_PAYLOAD_BYTES = 2 * 1024 * 1024

/** The most commands one batched entry may hold. */
export const MAX_ENTRY_BATCH = 1_000

const BATCH_COUNT = /^[1-9][0-9]{0,3}$/u

const isFieldList = (fields: ReadonlyArray<string> | Readonly<Record<string, string>>): fields is ReadonlyArray<string> =>
  Array.isArray(fields)

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
 * Decodes a raw inbox stream entry (fields `type`, `actor` = `kind:id`, `payload` = snake_case JSON
 * text, optional `cmdId`, `replyTo`, `replyWhen`; other fields such as `timer` are ignored), checked exactly like
 * HTTP input. A failure's `error.message` is the reason to record in the dead-letter stream. A
 * batched entry (`batch`, see decodeStreamEntries) is refused here.
 */
export function decodeStreamEntry(fields: ReadonlyArray<string> | Readonly<Record<string, string>>): Decoded<InboxCommand> {
  const decoded = decodeStreamEntries(fields)
  if (!decoded.ok) return decoded
  const [first, ...more] = decoded.value
  return more.length === 0 && first ? { ok: true, value: first } : { ok: false, error: validationError("batch: one command expected") }
}

/**
 * Decodes a raw inbox stream entry into its commands, in order: one, or, for an entry with `batch`
 * = n (1 to 1,000), the n commands of its `type` to its `actor` whose payloads `payload` lists as a
 * JSON array (what append-runs.lua writes: a batch carries no `cmdId` or `replyTo`). Each payload is
 * checked like HTTP input; one that fails refuses the whole entry, naming its index.
 */
export function decodeStreamEntries(fields: ReadonlyArray<string> | Readonly<Record<string, string>>): Decoded<InboxCommand[]> {
  const entry = decodeEntryFields(isFieldList(fields) ? fieldRecord(fields) : fields)
  if (!entry.ok) return entry
  const { type, actor, cmdId, replyTo, replyWhen, batch } = entry.value
  const size = entryPayloadBytes(entry.value.payload)
  if (size > MAX_ENTRY_PAYLOAD_BYTES)
    return { ok: false, error: validationError(`payload: ${size} bytes, more than ${MAX_ENTRY_PAYLOAD_BYTES}`) }
  const payload = parseJsonInput(entry.value.payload, { name: "payload" })
  if (!payload.ok) return payload
  if (batch === undefined) {
    // The address written out, not spread: members added after a spread take V8's slow path (about 2 µs each).
    // `replyWhen` only with a `replyTo` (without one, nothing is answered anyway).
    const { kind, id } = actor
    const address: Address =
      cmdId === undefined
        ? replyTo === undefined
          ? { kind, id }
          : replyWhen === undefined
            ? { kind, id, replyTo }
            : { kind, id, replyTo, replyWhen }
        : replyTo === undefined
          ? { kind, id, cmdId }
          : replyWhen === undefined
            ? { kind, id, cmdId, replyTo }
            : { kind, id, cmdId, replyTo, replyWhen }
    const decoded = decodeStreamForm(address, type, payload.value)
    return decoded.ok ? { ok: true, value: [decoded.value] } : decoded
  }
  const count = BATCH_COUNT.test(batch) ? Number(batch) : 0
  if (count < 1 || count > MAX_ENTRY_BATCH)
    return { ok: false, error: validationError(`batch: expected a count from 1 to ${MAX_ENTRY_BATCH}, got ${JSON.stringify(batch)}`) }
  if (cmdId !== undefined || replyTo !== undefined)
    return { ok: false, error: validationError("batch: a batched entry carries no cmdId or replyTo") }
  if (replyWhen !== undefined) return { ok: false, error: validationError("batch: a batched entry carries no replyWhen") }
  if (!Array.isArray(payload.value) || payload.value.length !== count)
    return { ok: false, error: validationError(`payload: expected a JSON array of ${count} payloads (batch)`) }
  const commands: InboxCommand[] = []
  for (const [index, value] of payload.value.entries()) {
    const decoded = decodeStreamForm(actor, type, value)
    if (!decoded.ok) return { ok: false, error: validationError(`payload[${index}]: ${decoded.error.message}`) }
    if (decoded.value.type === "CREATE") return { ok: false, error: validationError("batch: a creation cannot be batched") }
    commands.push(decoded.value)
  }
  return { ok: true, value: commands }
}
