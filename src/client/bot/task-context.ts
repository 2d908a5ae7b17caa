// What a bot's handler gets besides its task: the attempt it runs, an AbortSignal fired when the
// task is taken away (task_cancelled, a newer attempt, the bot closing), and progress reports.
import type { Outbox } from "./outbox.ts"
import type { AssignedTask } from "../types.ts"

export interface TaskContext {
  readonly taskId: string
  /** The attempt this run is (sent with every report, so a late one is refused, not applied). */
  readonly attempt: number
  /** When the task times out unless progress renews it (ISO time). */
  readonly deadline: string
  /** Fired when the task is taken away: stop, and do not report (a report would be refused). */
  readonly signal: AbortSignal
  /** Reports progress (0..1) and renews the deadline; resolves once acked (never rejects). */
  progress(progress: number, message?: string): Promise<void>
}

/** Why a run was aborted; `signal.reason` holds one. */
export class TaskAborted extends Error {
  constructor(
    readonly why: "cancelled" | "superseded" | "closing",
    message: string,
  ) {
    super(message)
    this.name = "TaskAborted"
  }
}

export interface Run {
  readonly task: AssignedTask
  readonly controller: AbortController
  readonly context: TaskContext
}

/** A run of `task`; its progress reports are of the task's key in the outbox (none overtakes its start). */
export function createRun(task: AssignedTask, outbox: Outbox, onRefused: (message: string) => void): Run {
  const controller = new AbortController()
  const context: TaskContext = {
    taskId: task.task_id,
    attempt: task.attempt,
    deadline: task.deadline,
    signal: controller.signal,
    async progress(progress, message) {
      if (controller.signal.aborted) return
      const payload = { task_id: task.task_id, attempt: task.attempt, progress, ...(message === undefined ? {} : { message }) }
      const sent = await outbox.send({ type: "task_progress", payload }, task.task_id)
      if (!sent.ok) onRefused(sent.error.message)
    },
  }
  return { task, controller, context }
}
