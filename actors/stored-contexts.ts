// What a stored snapshot's context must decode as, per actor kind (invariant 7: a stored snapshot is
// input like any other). The runtime decodes a snapshot's context with its kind's Schema after the
// migrations and once the members its stored form leaves out are put back, before XState restores it
// (restoreStored); a context that does not decode
// quarantines the actor with the field named. Each Schema is checked against its machine's context
// type at compile time: the same fields, and every context the machine builds decodes.
import { Schema } from "effect"
import type { AgentContext } from "../machines/agent.ts"
import type { ContextContext } from "../machines/context.ts"
import type { SessionContext } from "../machines/session.ts"
import type { TaskContext } from "../machines/task.ts"
import { TASK_STATUSES, type TaskStatus } from "../machines/task-statuses.ts"

const Time = Schema.Number
const NullableTime = Schema.NullOr(Schema.Number)
const Text = Schema.NullOr(Schema.String)
const Ids = Schema.Array(Schema.String)
const JsonRecord = Schema.Record(Schema.String, Schema.Unknown)
/** Any JSON a member holds (a payload, a result, checkpoint data): absent from the row when it was undefined in memory. */
const Anything = Schema.optional(Schema.Unknown)

/** `Context` and the Schema's type have the same keys, and every `Context` is a value of the Schema. */
type Fits<Context, Decoded> = [Context] extends [Decoded]
  ? [Exclude<keyof Context, keyof Decoded> | Exclude<keyof Decoded, keyof Context>] extends [never]
    ? true
    : false
  : false
/** `schema`, when it fits `Context` (else the call does not compile: it asks for a `never` argument). */
const fitting =
  <Context>() =>
  <S extends Schema.Top>(schema: S, ..._fits: Fits<Context, S["Type"]> extends true ? [] : [never]): S =>
    schema

export const StoredTaskContext = fitting<TaskContext>()(
  Schema.Struct({
    id: Schema.String,
    sessionId: Text,
    index: Schema.NullOr(Schema.Number),
    key: Text,
    title: Schema.String,
    capability: Schema.String,
    payload: Anything,
    dependsOn: Ids,
    dependants: Ids,
    dependenciesDone: Ids,
    held: Schema.Boolean,
    epoch: Schema.Number,
    finishedEpoch: Schema.NullOr(Schema.Number),
    timeoutS: Schema.Number,
    maxAttempts: Schema.Number,
    priority: Schema.Number,
    group: Text,
    requiresApproval: Schema.Boolean,
    approvalTimeoutS: Schema.NullOr(Schema.Number),
    approvedAt: NullableTime,
    approvalDeadlineAt: NullableTime,
    status: Schema.Literals(TASK_STATUSES as readonly [TaskStatus, ...TaskStatus[]]),
    agentId: Text,
    attempt: Schema.Number,
    attemptsBefore: Schema.Number,
    takenFrom: Ids,
    refuseAssignFrom: Text,
    firstStartedAt: NullableTime,
    progress: Schema.Number,
    progressMessage: Text,
    result: Anything,
    error: Text,
    cancelReason: Text,
    deadlineAt: NullableTime,
    retryAt: NullableTime,
    createdAt: Time,
    readyAt: NullableTime,
    assignedAt: NullableTime,
    claimedAt: NullableTime,
    startedAt: NullableTime,
    finishedAt: NullableTime,
    updatedAt: Time,
  }),
)

export const StoredSessionContext = fitting<SessionContext>()(
  Schema.Struct({
    id: Schema.String,
    title: Schema.String,
    prompt: Schema.optional(Schema.String),
    type: Schema.optional(Schema.String),
    priority: Schema.Number,
    timeoutS: Schema.optional(Schema.Number),
    maxRetries: Schema.Number,
    createdAt: Time,
    taskCount: Schema.Number,
    sweeps: Schema.Array(Schema.Literals(["run", "cancel"])),
    checkpoints: Schema.Array(Schema.Struct({ number: Schema.Number, data: Anything, at: Time })),
    metrics: Schema.Struct({
      tasks: Schema.Record(Schema.String, Schema.Number),
      startedAt: Schema.optional(Time),
      finishedAt: Schema.optional(Time),
      durationMs: Schema.optional(Schema.Number),
      checkpoints: Schema.Number,
      retries: Schema.Number,
      attemptsEnded: Schema.Number,
      failedAttempts: Schema.Number,
      timedOut: Schema.Number,
      health: Schema.Number,
    }),
    error: Schema.optional(Schema.String),
    timeoutSeq: Schema.Number,
    timeoutAt: Schema.optional(Time),
    remainingMs: Schema.optional(Schema.Number),
    orphanAfterS: Schema.optional(Schema.Number),
    lastMoveAt: Schema.optional(Time),
    orphanSeq: Schema.Number,
    orphanAt: Schema.optional(Time),
    deletedAt: Schema.optional(Time),
    erasedAt: Schema.optional(Time),
  }),
)

export const StoredAgentContext = fitting<AgentContext>()(
  Schema.Struct({
    id: Schema.String,
    name: Schema.String,
    capabilities: Ids,
    type: Text,
    maxConcurrency: Schema.Number,
    metadata: JsonRecord,
    labels: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
    heartbeatIntervalMs: Schema.Number,
    breakerCooldownMs: Schema.Number,
    createdAt: Time,
    inflight: Ids,
    unheard: Ids,
    load: Schema.Number,
    reportedStatus: Schema.NullOr(Schema.Literals(["healthy", "degraded", "busy"])),
    lastHeartbeatAt: NullableTime,
    lastConnectedAt: NullableTime,
    heartbeatSeq: Schema.Number,
    successes: Schema.Number,
    failures: Schema.Number,
    recent: Schema.Array(Schema.Boolean),
    breaker: Schema.Literals(["closed", "open", "half_open"]),
    breakerOpenedAt: NullableTime,
    probeTaskId: Text,
  }),
)

export const StoredContextContext = fitting<ContextContext>()(
  Schema.Struct({
    id: Schema.String,
    scope: Schema.Literals(["session", "agent", "global", "temporary"]),
    ownerId: Text,
    data: JsonRecord,
    version: Schema.Number,
    sharedWith: Ids,
    mergedFrom: Schema.Array(Schema.Struct({ id: Schema.String, version: Schema.Number })),
    expiresAt: NullableTime,
    createdAt: Time,
    updatedAt: Time,
  }),
)
