// The JSON bodies the HTTP API answers with: a Schema per shape (named for the OpenAPI document; the
// builders below are typed by them, so the two cannot drift) and the builders that turn stored actors
// (their machine's context) into those snake_case shapes.
import { Schema } from "effect"
import type { AgentContext } from "../../../machines/agent.ts"
import type { SessionContext } from "../../../machines/session.ts"
import type { TaskContext } from "../../../machines/task.ts"
import { ActorKind, Json, JsonObject, StreamId, Uuid } from "../../schema/common.ts"
import { AgentState, SessionState, TaskState } from "../../schema/states.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import type { StoredTransition, TimelinePage } from "../../store/history.ts"
import * as views from "../../../actors/views.ts"

const Time = Schema.String.annotate({ description: "ISO-8601 UTC time", format: "date-time" })
const NullableTime = Schema.NullOr(Time)
const Text = Schema.NullOr(Schema.String)
const Count = Schema.Number

/** The stored position of an actor: the inbox entry it last applied and its version. */
const storedFields = { created_at: Time, updated_at: Time, stream_id: StreamId, version: Count }

/** What an agent registered with, shown in its view and echoed by its registration. */
const agentProfileFields = {
  name: Schema.String,
  capabilities: Schema.Array(Schema.String),
  type: Text,
  max_concurrency: Count,
  metadata: JsonObject,
  labels: Schema.Record(Schema.String, Schema.String),
  heartbeat_interval_ms: Count,
}

export const AgentView = Schema.Struct({
  id: Uuid,
  ...agentProfileFields,
  status: AgentState,
  load: Count,
  reported_status: Text,
  inflight: Schema.Array(Uuid),
  breaker: Schema.Literals(["closed", "open", "half_open"]),
  successes: Count,
  failures: Count,
  last_heartbeat_at: NullableTime,
  ...storedFields,
}).annotate({ identifier: "Agent" })
export type AgentView = typeof AgentView.Type

export const TaskView = Schema.Struct({
  id: Uuid,
  session_id: Schema.NullOr(Uuid),
  key: Text,
  title: Schema.String,
  capability: Schema.String,
  payload: Json,
  depends_on: Schema.Array(Uuid),
  priority: Count,
  group: Text,
  requires_approval: Schema.Boolean,
  approved_at: NullableTime,
  timeout_s: Count,
  max_attempts: Count,
  status: TaskState,
  agent_id: Schema.NullOr(Uuid),
  attempt: Count,
  progress: Count,
  progress_message: Text,
  result: Schema.NullOr(Json),
  error: Text,
  cancel_reason: Text,
  deadline_at: NullableTime,
  started_at: NullableTime,
  finished_at: NullableTime,
  ...storedFields,
}).annotate({ identifier: "Task" })
export type TaskView = typeof TaskView.Type

const sessionFields = {
  id: Uuid,
  title: Schema.String,
  prompt: Text,
  type: Text,
  priority: Count,
  status: SessionState,
  error: Text,
  /** Task count per state, as the session last heard. */
  task_counts: Schema.Record(Schema.String, Count),
  health: Count,
  checkpoints: Count,
  retries: Count,
  started_at: NullableTime,
  finished_at: NullableTime,
  /** Soft-deleted (`DELETE /sessions/{id}`): hidden from lists, kept in history. */
  deleted_at: NullableTime,
  ...storedFields,
}

export const SessionSummary = Schema.Struct(sessionFields).annotate({ identifier: "SessionSummary" })
export type SessionSummary = typeof SessionSummary.Type

const SessionTaskView = Schema.Struct({
  id: Uuid,
  key: Schema.String,
  title: Schema.String,
  capability: Schema.String,
  depends_on: Schema.Array(Uuid),
  /** The task actor's state. */
  status: TaskState,
  agent_id: Schema.NullOr(Uuid),
  attempt: Count,
}).annotate({ identifier: "SessionTask" })

export const SessionView = Schema.Struct({ ...sessionFields, tasks: Schema.Array(SessionTaskView) }).annotate({
  identifier: "Session",
})
export type SessionView = typeof SessionView.Type

export const ActorRecord = Schema.Struct({
  kind: ActorKind,
  id: Uuid,
  state: Schema.String,
  /** Brought up to its machine's version by the registered migrations; as stored when quarantined. */
  snapshot: Json,
  /** The machine version of `snapshot`. */
  machine_version: Count,
  /** Why the snapshot does not fit its machine (its commands are dead-lettered with this reason); null when it fits. */
  quarantined: Text,
  session_id: Schema.NullOr(Uuid),
  fence: Count,
  state_since: Time,
  ...storedFields,
}).annotate({ identifier: "ActorRecord" })
export type ActorRecord = typeof ActorRecord.Type

/** A page of a listing: `next_cursor` fetches the next one, null on the last. */
export const pageOf = <S extends Schema.Top>(identifier: string, item: S) =>
  Schema.Struct({ items: Schema.Array(item), next_cursor: Schema.NullOr(Schema.String) }).annotate({ identifier })

/** One transition: the actor's new version and the RFC 7396 merge patch of its view. */
const transitionFields = {
  version: Count,
  from: Text,
  to: Schema.String,
  event: Schema.String,
  patch: JsonObject,
  at: Time,
  by: Text,
}

const TransitionView = Schema.Struct({
  id: Count,
  kind: ActorKind,
  actor_id: Uuid,
  stream_id: StreamId,
  ...transitionFields,
}).annotate({ identifier: "Transition" })

/** `GET /actors/{kind}/{id}/history`: its view at any version is the patches up to it, applied in order. */
export const ActorHistory = Schema.Struct({
  kind: ActorKind,
  id: Uuid,
  transitions: Schema.Array(Schema.Struct(transitionFields).annotate({ identifier: "HistoryEntry" })),
}).annotate({ identifier: "ActorHistory" })
export type ActorHistory = typeof ActorHistory.Type

/** A page of a session's timeline: `next_cursor` (as `?cursor=`) reads the page after it, null on the last. */
export const Timeline = Schema.Struct({
  session_id: Uuid,
  transitions: Schema.Array(TransitionView),
  next_cursor: Schema.NullOr(Schema.String),
}).annotate({ identifier: "Timeline" })
export type Timeline = typeof Timeline.Type

/** A command accepted into the actor's inbox (202), its verdict pending or not asked for. */
export const Accepted = Schema.Struct({ id: Uuid, stream_id: StreamId }).annotate({ identifier: "Accepted" })

/** `?wait=1`: the command was applied and the actor is now in `state`. */
export const Applied = Schema.Struct({ id: Uuid, state: Schema.String, stream_id: StreamId }).annotate({
  identifier: "Applied",
})

/** A creation: 201 once applied (`status` set), 202 when the verdict is still pending (`status` null). */
export const Created = Schema.Struct({ id: Uuid, status: Text, stream_id: StreamId }).annotate({ identifier: "Created" })

export const AgentCreated = Schema.Struct({
  id: Uuid,
  /** Shown this once; only its hash is stored. */
  token: Schema.String,
  status: Text,
  stream_id: StreamId,
  ...agentProfileFields,
}).annotate({ identifier: "AgentCreated" })
export type AgentCreated = typeof AgentCreated.Type

/** A context document as `GET /contexts/{id}` answers it. */
export const ContextView = Schema.Struct({
  id: Uuid,
  scope: Schema.String,
  owner_id: Schema.NullOr(Uuid),
  status: Schema.String,
  data: JsonObject,
  shared_with: Schema.Array(Uuid),
  merged_from: Schema.Array(Schema.Struct({ id: Uuid, version: Schema.Number })),
  expires_at: Schema.NullOr(Schema.String),
  version: Schema.Number,
  updated_at: Schema.String,
}).annotate({ identifier: "Context" })
export type ContextView = typeof ContextView.Type

export const SessionCreated = Schema.Struct({
  id: Uuid,
  status: Text,
  stream_id: StreamId,
  tasks: Schema.Array(Schema.Struct({ key: Schema.String, id: Uuid })),
}).annotate({ identifier: "SessionCreated" })
export type SessionCreated = typeof SessionCreated.Type

export const CheckpointCreated = Schema.Struct({
  id: Uuid,
  /** Null when the verdict is still pending (202). */
  number: Schema.NullOr(Count),
  stream_id: StreamId,
}).annotate({ identifier: "CheckpointCreated" })
export type CheckpointCreated = typeof CheckpointCreated.Type

const iso = (ms: number): string => new Date(ms).toISOString()

const stored = (actor: StoredActor) => ({
  created_at: iso(actor.createdAt),
  updated_at: iso(actor.updatedAt),
  stream_id: actor.streamId,
  version: actor.version,
})

/** The machine context inside a stored XState snapshot. */
export const contextOf = <C>(actor: StoredActor): C => (actor.snapshot as { readonly context: C }).context

export const agentView = (actor: StoredActor): AgentView =>
  ({ ...views.agentView(actor.id, contextOf<AgentContext>(actor), actor.state), ...stored(actor) }) as AgentView

export const taskView = (actor: StoredActor): TaskView =>
  ({ ...views.taskView(actor.id, contextOf<TaskContext>(actor), actor.state), ...stored(actor) }) as TaskView

export const sessionSummary = (actor: StoredActor): SessionSummary =>
  ({ ...views.sessionView(actor.id, contextOf<SessionContext>(actor), actor.state), ...stored(actor) }) as SessionSummary

/** A session with each of its task actors (those created so far) in its state. */
export const sessionView = (actor: StoredActor, tasks: ReadonlyArray<StoredActor>): SessionView => ({
  ...sessionSummary(actor),
  tasks: tasks.map((task) => {
    const context = contextOf<TaskContext>(task)
    return {
      id: task.id,
      key: context.key ?? "",
      title: context.title,
      capability: context.capability,
      depends_on: context.dependsOn,
      status: task.state as TaskState,
      agent_id: context.agentId,
      attempt: context.attempt,
    }
  }),
})

/** An actor as brought up to its machine (src/edge/http/current.ts), with why not when it is quarantined. */
export const actorRecord = ({ actor, quarantined }: { readonly actor: StoredActor; readonly quarantined: string | null }): ActorRecord => ({
  kind: actor.kind as ActorRecord["kind"],
  id: actor.id,
  state: actor.state,
  snapshot: actor.snapshot as ActorRecord["snapshot"],
  machine_version: actor.machineVersion,
  quarantined,
  session_id: actor.sessionId,
  fence: actor.fence,
  state_since: iso(actor.stateSince),
  ...stored(actor),
})

const transitionView = (transition: StoredTransition) => ({
  version: transition.version,
  from: transition.from,
  to: transition.to,
  event: transition.event,
  patch: (transition.patch ?? {}) as JsonObject,
  at: iso(transition.at),
  by: transition.by,
})

export const timelineView = (sessionId: string, page: TimelinePage): Timeline => ({
  session_id: sessionId,
  transitions: page.transitions.map((transition) => ({
    id: transition.id,
    kind: transition.kind as ActorKind,
    actor_id: transition.actorId,
    stream_id: transition.streamId,
    ...transitionView(transition),
  })),
  next_cursor: page.next === null ? null : String(page.next),
})

export const historyView = (kind: ActorKind, id: string, transitions: ReadonlyArray<StoredTransition>): ActorHistory => ({
  kind,
  id,
  transitions: transitions.map(transitionView),
})
