// Session machine (docs/machines.md, "Session"): the 12-state lifecycle of a session, the task DAG it owns
// (which tasks to create, unblock, retry or cancel), its outcome, checkpoints, metrics and health score.
import { and, assertEvent, assign, emit, enqueueActions, setup, stateIn } from "xstate"
import { armTimer, clearTimer, rejectCommand, type CommonEffect } from "./effects.ts"
import type { TaskStatus } from "./task.ts"

export const SESSION_STATES = [
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
] as const

export type SessionState = (typeof SESSION_STATES)[number]

/** The states a session can leave; the others are `type: "final"`. */
const LIVE_STATES = ["pending", "queued", "running", "paused", "failed", "timeout", "degraded"] as const

/**
 * What the session knows of one task: the status its own last command set (create, unblock, retry,
 * cancel) or the task last reported, whichever came later; `not_created` before START.
 */
export type SessionTaskStatus = TaskStatus | "not_created"

const TASK_STATUSES: readonly SessionTaskStatus[] = [
  "not_created",
  "blocked",
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
const FINISHED: ReadonlySet<SessionTaskStatus> = new Set(["completed", "failed", "cancelled", "timed_out"])
/** Finished without completing: the task's dependants can never run. */
const FAILED_FOR_GOOD: ReadonlySet<SessionTaskStatus> = new Set(["failed", "cancelled", "timed_out"])
/** Leaving in_progress for one of these ends an attempt. */
const ENDS_ATTEMPT: ReadonlySet<SessionTaskStatus> = new Set(["completed", "retry_wait", "failed", "timed_out"])
const FAILS_ATTEMPT: ReadonlySet<SessionTaskStatus> = new Set(["retry_wait", "failed"])

/** running → degraded when health drops below this after at least DEGRADE_MIN_ATTEMPTS ended attempts. */
export const DEGRADED_BELOW = 0.5
export const DEGRADE_MIN_ATTEMPTS = 4
/** degraded → running when health is back at or above this. */
export const RECOVERED_AT = 0.7

const TIMEOUT_TIMER = "timeout"

export interface SessionTaskInput {
  id: string
  key: string
  title: string
  capability: string
  /** Ids of the tasks this one waits for. */
  dependsOn: readonly string[]
  /** Opaque to the machine: what the runtime needs to create the task. */
  spec: unknown
}

export interface SessionInput {
  id: string
  title: string
  prompt?: string
  type?: string
  /** 0 (critical) … 4 (deferred); default 2. */
  priority?: number
  tasks: readonly SessionTaskInput[]
  timeoutS?: number
  /** Session RETRYs allowed; default 3. */
  maxRetries?: number
  at: number
}

export interface SessionTask extends SessionTaskInput {
  status: SessionTaskStatus
  /** When the task's current run first reported in_progress. */
  startedAt?: number
}

export interface SessionCheckpoint {
  number: number
  data: unknown
  at: number
}

export interface SessionMetrics {
  tasks: Record<SessionTaskStatus, number>
  /** First START. */
  startedAt?: number
  /** Last entry into an ending state (failed, timeout or a final state); cleared by RETRY. */
  finishedAt?: number
  durationMs?: number
  /** Task id → ms from its first in_progress to its finish. */
  taskDurationsMs: Record<string, number>
  checkpoints: number
  retries: number
  attemptsEnded: number
  failedAttempts: number
  timedOut: number
  /** healthScore of the counters above. */
  health: number
}

export interface SessionContext {
  id: string
  title: string
  prompt?: string
  type?: string
  priority: number
  timeoutS?: number
  maxRetries: number
  createdAt: number
  tasks: SessionTask[]
  checkpoints: SessionCheckpoint[]
  metrics: SessionMetrics
  /** Why the session failed. */
  error?: string
  /** Bumped each time the `timeout` timer is armed; a TIMEOUT carrying an older seq is late. */
  timeoutSeq: number
  /** When the armed `timeout` timer fires; unset while no timer is armed. */
  timeoutAt?: number
  /** Time left on the session's clock while paused. */
  remainingMs?: number
}

export type SessionTimerEvent = { type: "TIMEOUT"; seq: number }

export type SessionEvent =
  | { type: "QUEUE"; at: number }
  | { type: "START"; at: number }
  | { type: "PAUSE"; at: number }
  | { type: "RESUME"; at: number }
  | { type: "STOP"; at: number }
  | { type: "CANCEL"; at: number }
  | { type: "FAIL"; reason: string; at: number }
  | { type: "TIMEOUT"; seq: number; at: number }
  | { type: "RETRY"; at: number }
  | { type: "ORPHAN"; at: number }
  | { type: "TASK_STATUS"; taskId: string; status: TaskStatus; at: number }
  | { type: "CHECKPOINT"; data: unknown; at: number }

export type SessionEmitted =
  | CommonEffect<SessionTimerEvent>
  | { type: "session.create_task"; taskId: string; blocked: boolean }
  | { type: "session.retry_task"; taskId: string; blocked: boolean }
  | { type: "session.unblock_task"; taskId: string }
  | { type: "session.cancel_task"; taskId: string; reason: string }

/** `1 − (failedAttempts + 2 × timedOut) / max(1, attemptsEnded + timedOut)`, clamped to [0, 1]. */
export function healthScore(metrics: Pick<SessionMetrics, "attemptsEnded" | "failedAttempts" | "timedOut">): number {
  const penalty = (metrics.failedAttempts + 2 * metrics.timedOut) / Math.max(1, metrics.attemptsEnded + metrics.timedOut)
  return Math.min(1, Math.max(0, 1 - penalty))
}

function indexById(tasks: readonly SessionTask[]): Map<string, SessionTask> {
  return new Map(tasks.map((task) => [task.id, task]))
}

function dependenciesCompleted(task: SessionTaskInput, index: Map<string, SessionTask>): boolean {
  return task.dependsOn.every((id) => index.get(id)?.status === "completed")
}

/** Tasks still blocked whose dependencies have all completed: the next to unblock (held while paused). */
export function readyTasks(context: Pick<SessionContext, "tasks">): string[] {
  const index = indexById(context.tasks)
  return context.tasks.filter((task) => task.status === "blocked" && dependenciesCompleted(task, index)).map((task) => task.id)
}

function countTasks(tasks: readonly SessionTask[]): Record<SessionTaskStatus, number> {
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<SessionTaskStatus, number>
  for (const task of tasks) counts[task.status] += 1
  return counts
}

function initialMetrics(tasks: readonly SessionTask[]): SessionMetrics {
  const counters = { attemptsEnded: 0, failedAttempts: 0, timedOut: 0 }
  return { tasks: countTasks(tasks), taskDurationsMs: {}, checkpoints: 0, retries: 0, ...counters, health: healthScore(counters) }
}

/** The task list and the metrics derived from it, kept in step. */
function withTasks(tasks: SessionTask[], metrics: SessionMetrics): Pick<SessionContext, "tasks" | "metrics"> {
  return { tasks, metrics: { ...metrics, tasks: countTasks(tasks), health: healthScore(metrics) } }
}

/** A change to the task view together with the commands that bring the tasks there. */
interface TaskPlan {
  tasks: SessionTask[]
  effects: SessionEmitted[]
}

/** Where an action puts a plan: the new task view (with its metrics) and the commands, in order. */
interface PlanSink {
  assign(patch: Pick<SessionContext, "tasks" | "metrics">): void
  emit(effect: SessionEmitted): void
}

function applyPlan(sink: PlanSink, context: SessionContext, plan: TaskPlan): void {
  sink.assign(withTasks(plan.tasks, context.metrics))
  for (const effect of plan.effects) sink.emit(effect)
}

/** START: create the tasks not created yet and retry those that failed for good, blocked unless their dependencies completed. */
function planStart(tasks: SessionTask[]): TaskPlan {
  const index = indexById(tasks)
  const effects: SessionEmitted[] = []
  const next = tasks.map((task): SessionTask => {
    const blocked = !dependenciesCompleted(task, index)
    const status = blocked ? "blocked" : "ready"
    if (task.status === "not_created") {
      effects.push({ type: "session.create_task", taskId: task.id, blocked })
      return { ...task, status }
    }
    if (FAILED_FOR_GOOD.has(task.status)) {
      effects.push({ type: "session.retry_task", taskId: task.id, blocked })
      return { ...task, status, startedAt: undefined }
    }
    return task
  })
  return { tasks: next, effects }
}

function planUnblock(tasks: SessionTask[]): TaskPlan {
  const ready = new Set(readyTasks({ tasks }))
  return {
    tasks: tasks.map((task) => (ready.has(task.id) ? { ...task, status: "ready" } : task)),
    effects: [...ready].map((taskId) => ({ type: "session.unblock_task", taskId })),
  }
}

function planCancelUnfinished(tasks: SessionTask[], reason: string): TaskPlan {
  const unfinished = (task: SessionTask) => task.status !== "not_created" && !FINISHED.has(task.status)
  return {
    tasks: tasks.map((task) => (unfinished(task) ? { ...task, status: "cancelled" } : task)),
    effects: tasks.filter(unfinished).map((task) => ({ type: "session.cancel_task", taskId: task.id, reason })),
  }
}

/** Blocked tasks with a dependency that failed for good are cancelled, and so, in turn, are their dependants. */
function planCancelDependants(tasks: SessionTask[]): TaskPlan {
  const status = new Map(tasks.map((task) => [task.id, task.status]))
  const effects: SessionEmitted[] = []
  let changed = true
  while (changed) {
    changed = false
    for (const task of tasks) {
      if (status.get(task.id) !== "blocked") continue
      const lost = task.dependsOn.find((id) => FAILED_FOR_GOOD.has(status.get(id) ?? "not_created"))
      if (lost === undefined) continue
      effects.push({ type: "session.cancel_task", taskId: task.id, reason: `dependency ${lost} ${status.get(lost)}` })
      status.set(task.id, "cancelled")
      changed = true
    }
  }
  return {
    tasks: tasks.map((task) => (status.get(task.id) === task.status ? task : { ...task, status: "cancelled" })),
    effects,
  }
}

/** Applies a TASK_STATUS report to the task view and the attempt counters. */
function recordReport(
  context: SessionContext,
  report: { taskId: string; status: TaskStatus; at: number },
): Pick<SessionContext, "tasks" | "metrics"> {
  const task = context.tasks.find((candidate) => candidate.id === report.taskId)
  if (task === undefined || task.status === report.status) return context
  const ended = task.status === "in_progress" && ENDS_ATTEMPT.has(report.status)
  const startedAt = task.startedAt ?? (report.status === "in_progress" ? report.at : undefined)
  const finishedRun = FINISHED.has(report.status) && startedAt !== undefined
  const metrics = context.metrics
  return withTasks(
    context.tasks.map((candidate) => (candidate === task ? { ...task, status: report.status, startedAt } : candidate)),
    {
      ...metrics,
      attemptsEnded: metrics.attemptsEnded + (ended ? 1 : 0),
      failedAttempts: metrics.failedAttempts + (ended && FAILS_ATTEMPT.has(report.status) ? 1 : 0),
      timedOut: metrics.timedOut + (report.status === "timed_out" ? 1 : 0),
      taskDurationsMs: finishedRun
        ? { ...metrics.taskDurationsMs, [task.id]: report.at - startedAt }
        : metrics.taskDurationsMs,
    },
  )
}

/** The `timeout` timer armed for `fireAt` under the next sequence number, and the context that records it. */
function armTimeoutAt(context: SessionContext, fireAt: number) {
  const seq = context.timeoutSeq + 1
  return {
    patch: { timeoutSeq: seq, timeoutAt: fireAt },
    effect: armTimer(TIMEOUT_TIMER, fireAt, { type: "TIMEOUT" as const, seq }),
  }
}

function refusalReason(state: SessionState, context: SessionContext, event: SessionEvent): string {
  if (event.type === "RETRY" && (state === "failed" || state === "timeout")) {
    return `retry limit reached (${context.metrics.retries} of ${context.maxRetries})`
  }
  if (event.type === "TASK_STATUS") {
    const known = context.tasks.some((task) => task.id === event.taskId)
    return known ? `task ${event.taskId} has not been created yet` : `unknown task ${event.taskId}`
  }
  return `${event.type} is not accepted while the session is ${state}`
}

/** STOP from running, paused and degraded: every unfinished task is cancelled. */
const STOP = { target: "stopped", actions: { type: "cancelUnfinishedTasks", params: { reason: "session stopped" } } } as const
/** The session's own durable deadline, from running and degraded. */
const TIME_OUT = {
  guard: "isTimeoutDue",
  target: "timeout",
  actions: ["expireTimeout", { type: "cancelUnfinishedTasks", params: { reason: "session timed out" } }],
} as const

export const sessionMachine = setup({
  types: {} as {
    context: SessionContext
    input: SessionInput
    events: SessionEvent
    emitted: SessionEmitted
  },
  guards: {
    /** A task of this session that START has created (reports about others cannot be genuine). */
    isCreatedTask: ({ context, event }) =>
      event.type === "TASK_STATUS" &&
      context.tasks.some((task) => task.id === event.taskId && task.status !== "not_created"),
    /** The timer armed last, still armed (not paused, not cleared). */
    isTimeoutDue: ({ context, event }) =>
      event.type === "TIMEOUT" && context.timeoutAt !== undefined && event.seq === context.timeoutSeq,
    canRetry: ({ context }) => context.metrics.retries < context.maxRetries,
    allTasksCompleted: ({ context }) => context.tasks.every((task) => task.status === "completed"),
    allTasksFinished: ({ context }) => context.tasks.every((task) => FINISHED.has(task.status)),
    anyTaskCompleted: ({ context }) => context.tasks.some((task) => task.status === "completed"),
    isUnhealthy: ({ context }) =>
      context.metrics.attemptsEnded >= DEGRADE_MIN_ATTEMPTS && context.metrics.health < DEGRADED_BELOW,
    isRecovered: ({ context }) => context.metrics.health >= RECOVERED_AT,
  },
  actions: {
    markStarted: assign(({ context, event }) => ({
      metrics: { ...context.metrics, startedAt: context.metrics.startedAt ?? event.at },
    })),
    armTimeout: enqueueActions(({ context, event, enqueue }) => {
      if (context.timeoutS === undefined) return
      const armed = armTimeoutAt(context, event.at + context.timeoutS * 1000)
      enqueue.assign(armed.patch)
      enqueue.emit(armed.effect)
    }),
    /** PAUSE stops the session's clock: the timer is cleared and the time left kept. */
    holdTimeout: enqueueActions(({ context, event, enqueue }) => {
      if (context.timeoutAt === undefined) return
      enqueue.assign({ timeoutAt: undefined, remainingMs: Math.max(0, context.timeoutAt - event.at) })
      enqueue.emit(clearTimer(TIMEOUT_TIMER))
    }),
    resumeTimeout: enqueueActions(({ context, event, enqueue }) => {
      if (context.remainingMs === undefined) return
      const armed = armTimeoutAt(context, event.at + context.remainingMs)
      enqueue.assign({ ...armed.patch, remainingMs: undefined })
      enqueue.emit(armed.effect)
    }),
    /** The timer fired, so there is nothing left to clear. */
    expireTimeout: assign({ timeoutAt: undefined }),
    createTasks: enqueueActions(({ context, enqueue }) => {
      applyPlan(enqueue, context, planStart(context.tasks))
    }),
    unblockReadyTasks: enqueueActions(({ context, enqueue }) => {
      applyPlan(enqueue, context, planUnblock(context.tasks))
    }),
    cancelDependants: enqueueActions(({ context, enqueue }) => {
      applyPlan(enqueue, context, planCancelDependants(context.tasks))
    }),
    cancelUnfinishedTasks: enqueueActions(({ context, enqueue }, params: { reason: string }) => {
      applyPlan(enqueue, context, planCancelUnfinished(context.tasks, params.reason))
    }),
    recordTaskStatus: assign(({ context, event }) => {
      assertEvent(event, "TASK_STATUS")
      return recordReport(context, event)
    }),
    recordFailure: assign(({ event }) => {
      assertEvent(event, "FAIL")
      return { error: event.reason }
    }),
    recordIncompleteOutcome: assign(({ context }) => ({
      error: `${context.tasks.filter((task) => task.status !== "completed").length} of ${context.tasks.length} tasks did not complete`,
    })),
    /** Entering an ending state: stop the clock and record when. */
    finish: enqueueActions(({ context, event, enqueue }) => {
      if (context.timeoutAt !== undefined) enqueue.emit(clearTimer(TIMEOUT_TIMER))
      const { startedAt } = context.metrics
      enqueue.assign({
        timeoutAt: undefined,
        remainingMs: undefined,
        metrics: {
          ...context.metrics,
          finishedAt: event.at,
          durationMs: startedAt === undefined ? undefined : event.at - startedAt,
        },
      })
    }),
    beginRetry: assign(({ context }) => ({
      error: undefined,
      metrics: { ...context.metrics, retries: context.metrics.retries + 1, finishedAt: undefined, durationMs: undefined },
    })),
    addCheckpoint: assign(({ context, event }) => {
      assertEvent(event, "CHECKPOINT")
      const number = (context.checkpoints.at(-1)?.number ?? 0) + 1
      return {
        checkpoints: [...context.checkpoints, { number, data: event.data, at: event.at }],
        metrics: { ...context.metrics, checkpoints: context.metrics.checkpoints + 1 },
      }
    }),
    rejectCommand: emit(({ context, event }, params: { state: SessionState }) =>
      rejectCommand(event.type, params.state, "conflict", refusalReason(params.state, context, event)),
    ),
  },
}).createMachine({
  id: "session",
  context: ({ input }) => {
    const tasks = input.tasks.map((task): SessionTask => ({ ...task, status: "not_created" }))
    return {
      id: input.id,
      title: input.title,
      prompt: input.prompt,
      type: input.type,
      priority: input.priority ?? 2,
      timeoutS: input.timeoutS,
      maxRetries: input.maxRetries ?? 3,
      createdAt: input.at,
      tasks,
      checkpoints: [],
      metrics: initialMetrics(tasks),
      timeoutSeq: 0,
    }
  },
  initial: "pending",
  on: {
    ORPHAN: { target: ".orphaned" },
    CHECKPOINT: { actions: "addCheckpoint" },
    TIMEOUT: { description: "A timer armed before a pause, a restart or an ending arrives late: ignored on purpose." },
    "*": LIVE_STATES.map((state) => ({ guard: stateIn(state), actions: { type: "rejectCommand" as const, params: { state } } })),
  },
  states: {
    pending: {
      on: {
        QUEUE: { target: "queued" },
        START: { target: "running", actions: ["markStarted", "armTimeout", "createTasks", "unblockReadyTasks"] },
        CANCEL: { target: "cancelled", actions: { type: "cancelUnfinishedTasks", params: { reason: "session cancelled" } } },
        FAIL: { target: "failed", actions: "recordFailure" },
        TASK_STATUS: { guard: "isCreatedTask", actions: "recordTaskStatus" },
      },
    },
    queued: {
      on: {
        START: { target: "running", actions: ["markStarted", "armTimeout", "createTasks", "unblockReadyTasks"] },
        CANCEL: { target: "cancelled", actions: { type: "cancelUnfinishedTasks", params: { reason: "session cancelled" } } },
        FAIL: { target: "failed", actions: "recordFailure" },
        TASK_STATUS: { guard: "isCreatedTask", actions: "recordTaskStatus" },
      },
    },
    running: {
      always: [
        { guard: "allTasksCompleted", target: "completed" },
        { guard: and(["allTasksFinished", "anyTaskCompleted"]), target: "partially_completed" },
        { guard: "allTasksFinished", target: "failed", actions: "recordIncompleteOutcome" },
        { guard: "isUnhealthy", target: "degraded" },
      ],
      on: {
        PAUSE: { target: "paused", actions: "holdTimeout" },
        STOP: STOP,
        FAIL: { target: "failed", actions: "recordFailure" },
        TIMEOUT: TIME_OUT,
        TASK_STATUS: { guard: "isCreatedTask", actions: ["recordTaskStatus", "cancelDependants", "unblockReadyTasks"] },
      },
    },
    paused: {
      on: {
        RESUME: { target: "running", actions: ["resumeTimeout", "unblockReadyTasks"] },
        STOP: STOP,
        CANCEL: { target: "cancelled", actions: { type: "cancelUnfinishedTasks", params: { reason: "session cancelled" } } },
        // Unblocks are held until RESUME; dependants of a lost task are still cancelled at once.
        TASK_STATUS: { guard: "isCreatedTask", actions: ["recordTaskStatus", "cancelDependants"] },
      },
    },
    degraded: {
      always: [
        { guard: "allTasksCompleted", target: "completed" },
        { guard: "allTasksFinished", target: "failed", actions: "recordIncompleteOutcome" },
        { guard: "isRecovered", target: "running" },
      ],
      on: {
        STOP: STOP,
        FAIL: { target: "failed", actions: "recordFailure" },
        TIMEOUT: TIME_OUT,
        TASK_STATUS: { guard: "isCreatedTask", actions: ["recordTaskStatus", "cancelDependants", "unblockReadyTasks"] },
      },
    },
    failed: {
      entry: "finish",
      on: {
        RETRY: { guard: "canRetry", target: "pending", actions: "beginRetry" },
        TASK_STATUS: { guard: "isCreatedTask", actions: "recordTaskStatus" },
      },
    },
    timeout: {
      entry: "finish",
      on: {
        RETRY: { guard: "canRetry", target: "pending", actions: "beginRetry" },
        TASK_STATUS: { guard: "isCreatedTask", actions: "recordTaskStatus" },
      },
    },
    completed: { type: "final", entry: "finish" },
    partially_completed: { type: "final", entry: "finish" },
    stopped: { type: "final", entry: "finish" },
    cancelled: { type: "final", entry: "finish" },
    orphaned: { type: "final", entry: "finish" },
  },
})
