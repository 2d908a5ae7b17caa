// A task's statuses (the task machine's states, docs/machines.md "Task") and the sets of them that the machines, the
// edge and the dashboard read: the one source of that vocabulary. Plain data, no XState, so the web bundle imports it
// without the machines.
export type TaskStatus =
  | "blocked"
  | "awaiting_approval"
  | "ready"
  | "assigned"
  | "in_progress"
  | "retry_wait"
  | "completed"
  | "failed"
  | "cancelled"
  | "timed_out"

/** Every status, in lifecycle order (the statechart's states). */
export const TASK_STATUSES: readonly TaskStatus[] = [
  "blocked",
  "awaiting_approval",
  "ready",
  "assigned",
  "in_progress",
  "retry_wait",
  "completed",
  "failed",
  "cancelled",
  "timed_out",
]

/** Statuses a task does not leave by itself. */
export const FINISHED_STATUSES: ReadonlySet<TaskStatus> = new Set(["completed", "failed", "cancelled", "timed_out"])
/** Statuses in which a task is held by its agent (it takes one of the agent's slots). */
export const HELD_STATUSES: ReadonlySet<TaskStatus> = new Set(["assigned", "in_progress"])
/** Finished without completing: the task's dependants can never run. */
export const FAILED_FOR_GOOD: ReadonlySet<TaskStatus> = new Set(["failed", "cancelled", "timed_out"])
