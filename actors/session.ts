// Session actor binding: the session's creation becomes one CREATE per task, and its sweeps (run, hold,
// cancel) one command to each of its tasks, addressed by their derived ids (machines/task-ids.ts) from the
// session's task count alone; its orphan check asks the store for its coverage; topics and query columns.
import { sessionMachine, type SessionContext, type SessionEmitted, type SessionTaskCreation } from "../machines/session.ts"
import { sessionTaskId } from "../machines/task-ids.ts"
import { sessionView } from "./views.ts"
import { StoredSessionContext } from "./stored-contexts.ts"
import type { ActorKind, Output, SendOutput, StoredOnce } from "../src/runtime/actor-kind.ts"

interface TaskSpec {
  readonly payload?: unknown
  readonly timeoutS?: number
  readonly maxAttempts?: number
  readonly priority?: number
  readonly group?: string
  readonly requiresApproval?: boolean
  readonly approvalTimeoutS?: number
}

/** The optional fields of a task's spec passed to its CREATE as given (src/schema/commands.ts taskSpecFields). */
const OPTIONAL_SPEC = ["timeoutS", "maxAttempts", "priority", "group", "requiresApproval", "approvalTimeoutS"] as const

const toTask = (taskId: string, type: string, payload: Record<string, unknown> = {}): SendOutput => ({
  _tag: "send",
  to: { kind: "task", id: taskId },
  type,
  payload,
})

/** The ids of the session's first `count` tasks, in index order. */
const taskIds = (sessionId: string, count: number): string[] => Array.from({ length: count }, (_, index) => sessionTaskId(sessionId, index))

/** The same command to every task of the session, in index order. */
const toEveryTask = (sessionId: string, session: SessionContext, type: string, payload: Record<string, unknown> = {}): Output[] =>
  taskIds(sessionId, session.taskCount).map((taskId) => toTask(taskId, type, payload))

/**
 * A task's CREATE. `dependants` and `epoch` are left out while they hold what the task assumes without them (none,
 * 0): the session's creation stores every task's CREATE in its outbox and appends it, so each member it need not
 * say is saved once per task in each (docs/performance.md, "Round 10: a session's task"). The optional members are
 * added after the literal rather than spread into it (on V8 every member after a spread takes its slow path).
 */
const creation = (sessionId: string, task: SessionTaskCreation): SendOutput => {
  const spec = (task.spec ?? {}) as TaskSpec
  const payload: Record<string, unknown> = {
    id: task.taskId,
    sessionId,
    index: task.index,
    key: task.key,
    title: task.title,
    capability: task.capability,
    dependsOn: task.dependsOn,
    blocked: task.held,
    payload: spec.payload ?? {},
  }
  if (task.dependants.length > 0) payload["dependants"] = task.dependants
  if (task.epoch !== 0) payload["epoch"] = task.epoch
  for (const field of OPTIONAL_SPEC) if (spec[field] !== undefined) payload[field] = spec[field]
  return toTask(task.taskId, "CREATE", payload)
}

const outputs = (effect: SessionEmitted, id: string, session: SessionContext): Output[] => {
  switch (effect.type) {
    case "session.create_task":
      return [creation(id, effect)]
    case "session.run_tasks":
      return toEveryTask(id, session, "SESSION_RUN", { epoch: effect.epoch })
    case "session.hold_tasks":
      return toEveryTask(id, session, "SESSION_HOLD")
    case "session.cancel_tasks":
      return toEveryTask(id, session, "SESSION_CANCEL", { reason: effect.reason, epoch: effect.epoch })
    case "session.erase_tasks":
      return toEveryTask(id, session, "ERASE")
    case "session.add_dependencies":
      return [toTask(effect.taskId, "ADD_DEPENDENCIES", { taskIds: effect.dependsOn })]
    case "session.orphan_probe":
      return [{ _tag: "coverage", sessionId: id, reply: { to: { kind: "session", id }, type: "COVERAGE", payload: { seq: effect.seq } } }]
    default:
      return []
  }
}

/** What a session is created with and keeps (tests/unit/machines/session/paths.test.ts holds it): stored once in its
 * row, not at each of its tasks' status changes (src/runtime/stored-snapshot.ts). Its `id` is its row's. */
const STORED_ONCE: StoredOnce<SessionContext> = [
  "title",
  "prompt",
  "type",
  "priority",
  "timeoutS",
  "maxRetries",
  "orphanAfterS",
  "createdAt",
]

export const sessionKind: ActorKind = {
  kind: "session",
  machine: sessionMachine,
  storedOnce: STORED_ONCE,
  context: StoredSessionContext,
  createType: "CREATE",
  outputs: (effect, self) => outputs(effect as SessionEmitted, self.id, self.context as SessionContext),
  topics: (id) => ["sessions", `session:${id}`],
  sweepIds: taskIds,
  columns: (context) => {
    const session = context as SessionContext
    return { priority: session.priority, deletedAt: session.deletedAt ?? null }
  },
  view: (id, context, state) => sessionView(id, context as SessionContext, state),
}
