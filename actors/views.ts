// The public view of each actor kind (PROTOCOL.md: what `GET` returns, snake_case, ISO times),
// built from its machine's context and state. Stored position fields (`created_at`,
// `updated_at`, `stream_id`, `version`) and lists the actor links to are added by their owners:
// the runtime diffs these views into the merge patches of the event stream and the history,
// and the edge answers `GET` with them, so the two can never disagree.
import type { AgentContext } from "../machines/agent.ts"
import type { ContextContext } from "../machines/context.ts"
import type { SessionContext } from "../machines/session.ts"
import type { TaskContext } from "../machines/task.ts"

/** ISO times through a small cache: a task's start and deadline are written again in each of its later views (four
 * views a lifecycle, each diffed against the one before), and formatting one costs about 0.5 µs where a hit costs a
 * slot's look. Direct-mapped by the time's low bits: a time evicts only the one whose slot it shares. */
const SLOTS = 4096
const slotMs = new Float64Array(SLOTS).fill(Number.NaN)
const slotIso: string[] = new Array<string>(SLOTS).fill("")

/** `new Date(ms).toISOString()`, the same text (and the same RangeError for a time it cannot write). */
export const isoTime = (ms: number): string => {
  const slot = ms & (SLOTS - 1)
  if (slotMs[slot] === ms) return slotIso[slot] as string
  const iso = new Date(ms).toISOString()
  slotMs[slot] = ms
  slotIso[slot] = iso
  return iso
}

const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : isoTime(ms))

export const agentView = (id: string, agent: AgentContext, state: string) => ({
  id,
  name: agent.name,
  capabilities: agent.capabilities,
  type: agent.type,
  max_concurrency: agent.maxConcurrency,
  metadata: agent.metadata,
  labels: agent.labels ?? {},
  status: state,
  load: agent.load,
  reported_status: agent.reportedStatus,
  inflight: agent.inflight,
  breaker: agent.breaker,
  successes: agent.successes,
  failures: agent.failures,
  heartbeat_interval_ms: agent.heartbeatIntervalMs,
  last_heartbeat_at: isoOrNull(agent.lastHeartbeatAt),
})

export const taskView = (id: string, task: TaskContext, state: string) => ({
  id,
  session_id: task.sessionId,
  key: task.key,
  title: task.title,
  capability: task.capability,
  payload: task.payload,
  depends_on: task.dependsOn,
  priority: task.priority,
  group: task.group ?? null,
  requires_approval: task.requiresApproval ?? false,
  approved_at: isoOrNull(task.approvedAt),
  timeout_s: task.timeoutS,
  max_attempts: task.maxAttempts,
  status: state,
  agent_id: task.agentId,
  attempt: task.attempt,
  progress: task.progress,
  progress_message: task.progressMessage,
  result: task.result ?? null,
  error: task.error,
  cancel_reason: task.cancelReason,
  deadline_at: isoOrNull(task.deadlineAt),
  started_at: isoOrNull(task.startedAt),
  finished_at: isoOrNull(task.finishedAt),
})

/** A session without the list of its tasks (the edge adds `tasks[]` from the task actors). */
export const sessionView = (id: string, session: SessionContext, state: string) => ({
  id,
  title: session.title,
  prompt: session.prompt ?? null,
  type: session.type ?? null,
  priority: session.priority,
  status: state,
  error: session.error ?? null,
  task_counts: session.metrics.tasks,
  health: session.metrics.health,
  checkpoints: session.checkpoints.length,
  retries: session.metrics.retries,
  started_at: isoOrNull(session.metrics.startedAt),
  finished_at: isoOrNull(session.metrics.finishedAt),
  deleted_at: isoOrNull(session.deletedAt),
})

/** A context document: its data whole (at most MAX_CONTEXT_BYTES, so its patches stay bounded too). */
export const contextView = (id: string, context: ContextContext, state: string) => ({
  id,
  scope: context.scope,
  owner_id: context.ownerId,
  status: state,
  data: context.data,
  shared_with: context.sharedWith,
  merged_from: context.mergedFrom,
  expires_at: isoOrNull(context.expiresAt),
})
