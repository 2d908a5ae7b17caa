// The state names of each machine (docs/machines.md), used by list filters and by TASK_STATUS. A task state's place in
// TaskState is its code in stored and appended reports (task-report.ts): add new task states at the end.
import { Schema } from "effect"

export const TaskState = Schema.Literals([
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
]).annotate({ identifier: "TaskState" })
export type TaskState = typeof TaskState.Type

export const AgentState = Schema.Literals(["offline", "online", "busy", "draining", "deregistered"]).annotate({
  identifier: "AgentState",
})
export type AgentState = typeof AgentState.Type

export const ContextState = Schema.Literals(["active", "expired"]).annotate({ identifier: "ContextState" })
export type ContextState = typeof ContextState.Type

export const SessionState = Schema.Literals([
  "pending",
  "queued",
  "running",
  "paused",
  "completed",
  "partially_completed",
  "failed",
  "timeout",
  "stopped",
  "cancelled",
  "orphaned",
  "degraded",
]).annotate({ identifier: "SessionState" })
export type SessionState = typeof SessionState.Type

/** A state of any machine: `GET /actors?state=` (a state of another kind than `?kind` lists nothing). */
export const ActorState = Schema.Literals([
  ...new Set([...SessionState.literals, ...TaskState.literals, ...AgentState.literals, ...ContextState.literals]),
]).annotate({ identifier: "ActorState" })
export type ActorState = typeof ActorState.Type
