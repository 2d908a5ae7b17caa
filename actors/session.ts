// Session actor binding: the session's DAG decisions become commands to its tasks (create
// from the session's own task specs, unblock, retry, cancel); topics and query columns.
import { sessionMachine, type SessionContext, type SessionEmitted } from "../machines/session.ts"
import { sessionView } from "./views.ts"
import type { ActorKind, Output, SendOutput } from "../src/runtime/actor-kind.ts"

interface TaskSpec {
  readonly payload?: unknown
  readonly timeoutS?: number
  readonly maxAttempts?: number
  readonly priority?: number
}

const toTask = (taskId: string, type: string, payload: Record<string, unknown> = {}): SendOutput =>
  ({ _tag: "send", to: { kind: "task", id: taskId }, type, payload })

const outputs = (effect: SessionEmitted, id: string, session: SessionContext): Output[] => {
  switch (effect.type) {
    case "session.create_task": {
      const task = session.tasks.find((candidate) => candidate.id === effect.taskId)
      if (!task) return []
      const spec = (task.spec ?? {}) as TaskSpec
      return [toTask(task.id, "CREATE", {
        id: task.id, sessionId: id, key: task.key, title: task.title, capability: task.capability,
        dependsOn: [...task.dependsOn], blocked: effect.blocked, payload: spec.payload ?? {},
        ...(spec.timeoutS === undefined ? {} : { timeoutS: spec.timeoutS }),
        ...(spec.maxAttempts === undefined ? {} : { maxAttempts: spec.maxAttempts }),
        ...(spec.priority === undefined ? {} : { priority: spec.priority }),
      })]
    }
    case "session.retry_task":
      // RETRY leaves the task blocked; a task with nothing to wait for is unblocked right after.
      return effect.blocked
        ? [toTask(effect.taskId, "RETRY")]
        : [toTask(effect.taskId, "RETRY"), toTask(effect.taskId, "DEPENDENCIES_MET")]
    case "session.unblock_task":
      return [toTask(effect.taskId, "DEPENDENCIES_MET")]
    case "session.cancel_task":
      return [toTask(effect.taskId, "CANCEL", { reason: effect.reason })]
    default:
      return []
  }
}

export const sessionKind: ActorKind = {
  kind: "session",
  machine: sessionMachine,
  createType: "CREATE",
  outputs: (effect, self) => outputs(effect as SessionEmitted, self.id, self.context as SessionContext),
  topics: (id) => ["sessions", `session:${id}`],
  columns: (context) => ({ priority: (context as SessionContext).priority }),
  view: (id, context, state) => sessionView(id, context as SessionContext, state),
}
