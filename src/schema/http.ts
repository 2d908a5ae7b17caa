// HTTP request bodies and query strings of PROTOCOL.md (`/api/v1`). Fields are camelCase in TypeScript
// and snake_case on the wire; defaults are applied on decoding. Query strings decode from the raw
// query text (`decodeQuery`), so numbers and flags are parsed from strings.
import { Effect, Schema, SchemaTransformation } from "effect"
import {
  ActorKind,
  Capability,
  GroupKey,
  Json,
  JsonObject,
  LABEL_SELECTOR,
  LabelKey,
  LabelValue,
  NonEmptyString,
  NonNegativeInt,
  Progress,
  ProgressMessage,
  StreamId,
  Uuid,
} from "./common.ts"
import { agentProfileFields, ContextScope, decodingDefaultOf, sessionProfileFields, taskSpecFields, withDefault } from "./commands.ts"
import { jsonDepth, MAX_DATA_DEPTH, MAX_MERGE_SOURCES, MAX_PATCH_PATHS, MAX_PATH_SEGMENTS } from "./context-limits.ts"
import { checkDag } from "./dag.ts"
import { decodeOr, type Decoded } from "./errors.ts"
import { Topic } from "./events.ts"
import { HeartbeatPayload } from "./frames.ts"
import { isPlainRecord, plainDecoder, plainFields, plainNested } from "./plain.ts"
import { ActorState, AgentState, SessionState, TaskState } from "./states.ts"
import { wire } from "./wire.ts"

/** A list that may be left out, decoding to `[]` (noted for the plain checks: `withDefault`). */
const optionalList = <S extends Schema.Top>(item: S) => withDefault(Schema.Array(item), [])

// ---- agents ----

/** `POST /agents` */
export const RegisterAgentBody = wire("RegisterAgentBody", Schema.Struct(agentProfileFields))
export type RegisterAgentBody = typeof RegisterAgentBody.Type

/** `POST /agents/{id}/heartbeat` */
export const AgentHeartbeatBody = HeartbeatPayload
export type AgentHeartbeatBody = typeof AgentHeartbeatBody.Type

/** `POST /agents/route` */
export const RouteAgentBody = wire(
  "RouteAgentBody",
  Schema.Struct({
    capabilities: Schema.Array(Capability).check(Schema.isNonEmpty()),
    group: Schema.optionalKey(GroupKey),
    exclude: optionalList(Uuid),
  }),
)
export type RouteAgentBody = typeof RouteAgentBody.Type

// ---- sessions and workflows ----

const sessionTaskBodyFields = {
  key: NonEmptyString,
  title: NonEmptyString,
  capability: Capability,
  dependsOn: optionalList(NonEmptyString),
  ...taskSpecFields,
}

/** One task of `POST /sessions`; `depends_on` names other tasks of the same body by `key`. */
export const SessionTaskBody = plainNested(
  wire("SessionTaskBody", Schema.Struct(sessionTaskBodyFields)),
  sessionTaskBodyFields,
  decodingDefaultOf,
)
export type SessionTaskBody = typeof SessionTaskBody.Type

const sessionBodyFields = { ...sessionProfileFields, tasks: optionalList(SessionTaskBody) }
const SessionBody = wire("CreateSessionBody", Schema.Struct(sessionBodyFields))

/** Task keys are unique, `depends_on` names known keys, and there is no cycle. */
const sessionBodyIssue = (body: typeof SessionBody.Type) =>
  checkDag(
    body.tasks.map((t) => ({ name: t.key, deps: t.dependsOn })),
    { list: "tasks", name: "key", deps: "depends_on", noun: "task key" },
  )

/** `POST /sessions`: task keys are unique, `depends_on` names known keys, and there is no cycle. */
export const CreateSessionBody = SessionBody.check(Schema.makeFilter(sessionBodyIssue))
export type CreateSessionBody = typeof CreateSessionBody.Type

const sessionBodyChecks = plainFields(sessionBodyFields, decodingDefaultOf)
const plainSession = sessionBodyChecks === undefined ? undefined : plainDecoder(sessionBodyChecks, sessionBodyIssue)

/**
 * `POST /sessions`'s body (parsed JSON that passed the input rules) checked field by field, its tasks' too, and its
 * DAG, as CreateSessionBody decodes it: the value the Schema gives, or undefined for anything else (the Schema then
 * decodes it, to name what is wrong). A fifth of the Schema's cost for a 5,000-task session
 * (tests/unit/schema/plain-session.test.ts holds the two to the same answers).
 */
export const plainSessionBody = (body: unknown): CreateSessionBody | undefined => plainSession?.(body) as CreateSessionBody | undefined

/** One step of `POST /workflows`. */
export const WorkflowStepBody = wire(
  "WorkflowStepBody",
  Schema.Struct({ title: NonEmptyString, capability: Capability, ...taskSpecFields }),
)

/** `POST /workflows`: a session whose steps run one after another. */
export const CreateWorkflowBody = Schema.Struct({
  name: NonEmptyString,
  steps: Schema.Array(WorkflowStepBody).check(Schema.isNonEmpty()),
}).annotate({ identifier: "CreateWorkflowBody" })
export type CreateWorkflowBody = typeof CreateWorkflowBody.Type

/** `POST /sessions/{id}/checkpoints` */
export const CheckpointBody = Schema.Struct({ data: Json }).annotate({ identifier: "CheckpointBody" })
export type CheckpointBody = typeof CheckpointBody.Type

// ---- tasks ----

const createTaskFields = {
  sessionId: Schema.optionalKey(Uuid),
  key: Schema.optionalKey(NonEmptyString),
  title: NonEmptyString,
  capability: Capability,
  // optionalList's, noted for the plain check (`withDefault`)
  dependsOn: withDefault(Schema.Array(Uuid), []),
  ...taskSpecFields,
}

/** `POST /tasks`: a standalone task; `depends_on` holds task ids. */
export const CreateTaskBody = wire("CreateTaskBody", Schema.Struct(createTaskFields))
export type CreateTaskBody = typeof CreateTaskBody.Type

/** The most tasks `POST /tasks/batch` takes. */
export const MAX_BATCH_TASKS = 1000

/** `POST /tasks/batch` */
export const CreateTaskBatchBody = wire(
  "CreateTaskBatchBody",
  Schema.Struct({ tasks: Schema.Array(CreateTaskBody).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_BATCH_TASKS)) }),
)
export type CreateTaskBatchBody = typeof CreateTaskBatchBody.Type

const createTaskChecks = plainFields(createTaskFields, decodingDefaultOf)
/** A task of the batch checked field by field (plain.ts), as CreateTaskBody decodes it; undefined for anything else. */
const plainCreateTask = createTaskChecks === undefined ? undefined : plainDecoder(createTaskChecks)

/** Whether `POST /tasks/batch` has its plain check (for tests: every field of a task is a plain one). */
export const hasPlainTaskBatch = plainCreateTask !== undefined

/**
 * `POST /tasks/batch`'s body (parsed JSON that passed the input rules) checked field by field, as CreateTaskBatchBody
 * decodes it: `{tasks}` alone, 1 to MAX_BATCH_TASKS tasks, each one CreateTaskBody's plain check takes; the value the
 * Schema gives, or undefined for anything else (the Schema then decodes it, to name what is wrong). A tenth of the
 * Schema's cost a task (tests/unit/schema/plain-batch.test.ts holds the two to the same answers).
 */
export const plainTaskBatchBody = (body: unknown): CreateTaskBatchBody | undefined => {
  if (plainCreateTask === undefined || !isPlainRecord(body)) return undefined
  const items = body["tasks"]
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_BATCH_TASKS || Object.keys(body).length !== 1) return undefined
  const tasks: unknown[] = new Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const task = plainCreateTask(items[i])
    if (task === undefined) return undefined
    tasks[i] = task
  }
  return { tasks } as unknown as CreateTaskBatchBody
}

/** The attempt an HTTP bot reports on (PROTOCOL v1.1, as on its socket): another one is refused `conflict`. */
const reportedAttempt = Schema.optionalKey(NonNegativeInt)

/** `POST /tasks/{id}/claim` and `/start`: `agent_id` when an operator acts for an agent. */
export const TaskAgentBody = wire("TaskAgentBody", Schema.Struct({ agentId: Schema.optionalKey(Uuid), attempt: reportedAttempt }))
export type TaskAgentBody = typeof TaskAgentBody.Type

/** `POST /tasks/{id}/complete` */
export const CompleteTaskBody = wire(
  "CompleteTaskBody",
  Schema.Struct({ agentId: Schema.optionalKey(Uuid), attempt: reportedAttempt, result: Schema.optionalKey(Json) }),
)
export type CompleteTaskBody = typeof CompleteTaskBody.Type

/** `POST /tasks/{id}/progress` */
export const ProgressTaskBody = wire(
  "ProgressTaskBody",
  Schema.Struct({
    agentId: Schema.optionalKey(Uuid),
    attempt: reportedAttempt,
    progress: Progress,
    message: Schema.optionalKey(ProgressMessage),
  }),
)
export type ProgressTaskBody = typeof ProgressTaskBody.Type

/** `POST /tasks/{id}/fail` */
export const FailTaskBody = wire(
  "FailTaskBody",
  Schema.Struct({ agentId: Schema.optionalKey(Uuid), attempt: reportedAttempt, error: Schema.optionalKey(Schema.String) }),
)
export type FailTaskBody = typeof FailTaskBody.Type

/** `POST /tasks/{id}/cancel` */
export const CancelTaskBody = Schema.Struct({
  reason: Schema.String.pipe(Schema.withDecodingDefaultKey(Effect.succeed("cancelled"))),
}).annotate({ identifier: "CancelTaskBody" })
export type CancelTaskBody = typeof CancelTaskBody.Type

export const DecomposeTemplate = Schema.Literals(["microservice", "crud", "security", "ui_component"])

/** `POST /tasks/{id}/decompose` */
export const DecomposeBody = wire(
  "DecomposeBody",
  Schema.Struct({
    template: DecomposeTemplate,
    maxDepth: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 5 }))),
  }),
)
export type DecomposeBody = typeof DecomposeBody.Type

// ---- contexts ----

/** A path into a context document: `a.b.c`, no empty segment. */
export const DotPath = Schema.String.check(
  Schema.isPattern(new RegExp(`^[^.]+(\\.[^.]+){0,${MAX_PATH_SEGMENTS - 1}}$`, "u"), {
    expected: `a dot path like a.b.c, of at most ${MAX_PATH_SEGMENTS} segments`,
  }),
).annotate({ identifier: "DotPath" })

/** `POST /contexts`: `owner_id` names the session or agent of a `session` or `agent` context; a `temporary` one needs `ttl_s`. */
export const CreateContextBody = wire(
  "CreateContextBody",
  Schema.Struct({
    scope: ContextScope,
    ownerId: Schema.optionalKey(Uuid),
    ttlS: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 31_536_000 }))),
    data: JsonObject.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  }),
).check(
  Schema.makeFilter((body: { scope: string; ownerId?: string; ttlS?: number }) => {
    if ((body.scope === "session" || body.scope === "agent") && body.ownerId === undefined) {
      return { path: ["owner_id"], issue: `required for a ${body.scope} context` }
    }
    if (body.scope === "temporary" && body.ttlS === undefined) return { path: ["ttl_s"], issue: "required for a temporary context" }
    if (body.scope !== "temporary" && body.ttlS !== undefined) return { path: ["ttl_s"], issue: "only a temporary context expires" }
    return undefined
  }),
)
export type CreateContextBody = typeof CreateContextBody.Type

/** `GET /contexts/{id}?key=a.b` */
export const ContextKeyQuery = Schema.Struct({ key: Schema.optionalKey(DotPath) })

/** `POST /contexts/{id}/share` */
export const ShareContextBody = wire("ShareContextBody", Schema.Struct({ sessionId: Uuid }))

/** `PATCH /contexts/{id}`: a stale `expected_version` answers 409. */
export const PatchContextBody = wire(
  "PatchContextBody",
  Schema.Struct({
    set: Schema.Record(Schema.String, Json).check(Schema.isPropertyNames(DotPath)),
    unset: optionalList(DotPath),
    expectedVersion: Schema.optionalKey(NonNegativeInt),
  }),
).check(
  Schema.makeFilter((body: { set: Readonly<Record<string, unknown>>; unset: ReadonlyArray<string> }) => {
    const paths = Object.keys(body.set).length + body.unset.length
    if (paths > MAX_PATCH_PATHS)
      return { path: ["set"], issue: `${paths} paths to set and unset, more than the ${MAX_PATCH_PATHS} a patch may hold` }
    for (const [path, value] of Object.entries(body.set)) {
      const depth = path.split(".").length + jsonDepth(value)
      if (depth > MAX_DATA_DEPTH) {
        return { path: ["set", path], issue: `nests the data ${depth} levels deep, more than the ${MAX_DATA_DEPTH} a context may hold` }
      }
    }
    return undefined
  }),
)
export type PatchContextBody = typeof PatchContextBody.Type

/** `POST /contexts/merge` */
export const MergeContextsBody = Schema.Struct({
  ids: Schema.Array(Uuid).check(
    Schema.isMinLength(2),
    Schema.makeFilter((ids: ReadonlyArray<string>) => {
      if (ids.length > MAX_MERGE_SOURCES) return `${ids.length} contexts, more than the ${MAX_MERGE_SOURCES} a merge may read`
      const twice = ids.find((id, i) => ids.indexOf(id) !== i)
      return twice === undefined ? undefined : `names ${twice} twice`
    }),
  ),
  strategy: Schema.Literals(["last_write_wins", "fail_on_conflict"]),
}).annotate({ identifier: "MergeContextsBody" })
export type MergeContextsBody = typeof MergeContextsBody.Type

// ---- query strings ----

/** A whole number written in a query string. */
/** A whole number of at most `digits` digits, checked on the text (so a refusal names the wire field). */
const wholeNumber = (digits: number) =>
  Schema.String.check(Schema.isPattern(new RegExp(`^\\d{1,${digits}}$`, "u"), { expected: "a whole number" })).pipe(
    Schema.decodeTo(NonNegativeInt, SchemaTransformation.numberFromString),
  )
const WholeNumber = wholeNumber(15)

/** `?wait=1`: wait (bounded) for the transition and answer with the new state. */
const Flag = Schema.Literals(["0", "1", "true", "false"]).pipe(
  Schema.decodeTo(
    Schema.Boolean,
    SchemaTransformation.transform<boolean, "0" | "1" | "true" | "false">({
      decode: (s) => s === "1" || s === "true",
      encode: (b) => (b ? "1" : "0"),
    }),
  ),
)

/** A comma-separated list of topics. */
const TopicList = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Array(Topic),
    SchemaTransformation.transform<ReadonlyArray<string>, string>({
      decode: (s) => s.split(",").filter((topic) => topic !== ""),
      encode: (topics) => topics.join(","),
    }),
  ),
)

/** `?limit` (1..200, default 50) and `?cursor`. */
export const paginationFields = {
  limit: WholeNumber.check(Schema.isBetween({ minimum: 1, maximum: 200 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed("50"))),
  cursor: Schema.optionalKey(NonEmptyString),
}

/** `?label=key` (agents with that label) or `?label=key=value` (with that value), split at the first `=`. */
const LabelSelector = Schema.String.check(
  Schema.isPattern(LABEL_SELECTOR, { expected: "a label key, or key=value (LabelKey, LabelValue)" }),
).pipe(
  Schema.decodeTo(
    Schema.Struct({ key: LabelKey, value: Schema.optionalKey(LabelValue) }),
    SchemaTransformation.transform<{ readonly key: string; readonly value?: string }, string>({
      decode: (selector) => {
        const at = selector.indexOf("=")
        return at < 0 ? { key: selector } : { key: selector.slice(0, at), value: selector.slice(at + 1) }
      },
      encode: ({ key, value }) => (value === undefined ? key : `${key}=${value}`),
    }),
  ),
)

/** `GET /agents` */
export const ListAgentsQuery = Schema.Struct({
  status: Schema.optionalKey(AgentState),
  capability: Schema.optionalKey(Capability),
  label: Schema.optionalKey(LabelSelector),
  ...paginationFields,
})
export type ListAgentsQuery = typeof ListAgentsQuery.Type

/** `GET /sessions` */
export const ListSessionsQuery = Schema.Struct({ status: Schema.optionalKey(SessionState), ...paginationFields })
export type ListSessionsQuery = typeof ListSessionsQuery.Type

/** `GET /tasks` */
export const ListTasksQuery = wire(
  "ListTasksQuery",
  Schema.Struct({
    status: Schema.optionalKey(TaskState),
    sessionId: Schema.optionalKey(Uuid),
    agentId: Schema.optionalKey(Uuid),
    capability: Schema.optionalKey(Capability),
    group: Schema.optionalKey(GroupKey),
    ...paginationFields,
  }),
)
export type ListTasksQuery = typeof ListTasksQuery.Type

/** `?wait=1` on a command. */
export const WaitQuery = Schema.Struct({ wait: Flag.pipe(Schema.withDecodingDefaultKey(Effect.succeed("0"))) })
export type WaitQuery = typeof WaitQuery.Type

/** `DELETE /sessions/{id}?wait=1&hard=1` */
export const DeleteSessionQuery = Schema.Struct({
  wait: Flag.pipe(Schema.withDecodingDefaultKey(Effect.succeed("0"))),
  hard: Flag.pipe(Schema.withDecodingDefaultKey(Effect.succeed("0"))),
})

/** `GET /contexts/{id}/diff?from=&to=` (versions). */
export const ContextDiffQuery = Schema.Struct({ from: WholeNumber, to: WholeNumber })
export type ContextDiffQuery = typeof ContextDiffQuery.Type

/** `GET /actors?kind=&state=&older_than_s=&quarantined=1` */
export const ActorsQuery = wire(
  "ActorsQuery",
  Schema.Struct({
    kind: Schema.optionalKey(ActorKind),
    state: Schema.optionalKey(ActorState),
    // Ten digits (about 317 years): Postgres cannot subtract much more from now() (timestamp out of range).
    olderThanS: Schema.optionalKey(wholeNumber(10)),
    /** Only the quarantined actors: those whose stored snapshot cannot be brought up to its machine. */
    quarantined: Flag.pipe(Schema.withDecodingDefaultKey(Effect.succeed("0"))).annotate({
      description:
        "1: only the quarantined actors (their commands are dead-lettered), each with the reason: a stored snapshot of a machine version no registered migration brings up, that a migration fails on, whose context does not decode or that the machine cannot restore. A page reads a bounded number of stored actors, so it may hold fewer than `limit` items while `next_cursor` is not null",
    }),
  }),
)
export type ActorsQuery = typeof ActorsQuery.Type

/** `GET /ws/events?topics=a,b&since=<stream id>` */
export const EventsSocketQuery = Schema.Struct({
  topics: TopicList.pipe(Schema.withDecodingDefaultKey(Effect.succeed(""))),
  since: Schema.optionalKey(StreamId),
})
export type EventsSocketQuery = typeof EventsSocketQuery.Type

/** Decodes a raw query string (`a=1&b=2`, with or without `?`); an empty value counts as absent. */
export function decodeQuery<S extends Schema.ConstraintDecoder<unknown>>(schema: S, query: string): Decoded<S["Type"]> {
  const params: Record<string, string> = {}
  for (const [name, value] of new URLSearchParams(query)) {
    if (value !== "" && !Object.hasOwn(params, name)) params[name] = value
  }
  return decodeOr(schema, params)
}
