// Session machine (docs/machines.md, "Session"): the 12-state lifecycle of a session, its tasks' creation and
// the sweeps that reach all of them (run, hold, cancel), its outcome decided from counts of its tasks by
// status, checkpoints, metrics and health score. Its context never lists its tasks: it has their number
// (their ids derive from it, machines/task-ids.ts) and counts; the tasks run the DAG among themselves.
import { and, assertEvent, assign, emit, enqueueActions, not, setup, stateIn } from "xstate"
import { armTimer, clearTimer, eraseAfterEffects, purge, refuseInState, rejectCommand, type CommonEffect } from "./effects.ts"
import { FAILED_FOR_GOOD, FINISHED_STATUSES, TASK_STATUSES, type TaskStatus } from "./task-statuses.ts"
import { sessionTaskId } from "./task-ids.ts"

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

/** The states a session can leave. */
const LIVE_STATES = ["pending", "queued", "running", "paused", "failed", "timeout", "degraded"] as const
/**
 * The states a session never leaves. They are not XState `final` states (XState drops every event sent to a
 * finished actor): a finished session must still record its deletion. Every other command is refused there.
 */
export const TERMINAL_STATES = ["completed", "partially_completed", "stopped", "cancelled", "orphaned"] as const
/** States in which the session's tasks are at work: it is stopped or cancelled before it is deleted. */
const UNDELETABLE: ReadonlySet<SessionState> = new Set(["queued", "running", "paused", "degraded"])
/** States ERASE leaves for `cancelled` (unfinished tasks cancelled first), so an erased session never moves again. */
const CANCELLED_BY_ERASE = ["pending", "failed", "timeout"] as const

/** The task states a session counts: a task awaiting approval reports itself `blocked` (actors/task.ts). */
const COUNTED_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter((status) => status !== "awaiting_approval")

/** Leaving in_progress for one of these ends an attempt. */
const ENDS_ATTEMPT: ReadonlySet<TaskStatus> = new Set(["completed", "retry_wait", "failed", "timed_out"])
const FAILS_ATTEMPT: ReadonlySet<TaskStatus> = new Set(["retry_wait", "failed"])

/** running → degraded when health drops below this after at least DEGRADE_MIN_ATTEMPTS ended attempts. */
export const DEGRADED_BELOW = 0.5
export const DEGRADE_MIN_ATTEMPTS = 4
/** degraded → running when health is back at or above this. */
export const RECOVERED_AT = 0.7

const TIMEOUT_TIMER = "timeout"
const ORPHAN_TIMER = "orphan"

/** Task statuses in which an agent holds or will soon hold the task again (not waiting for an agent). */
const AT_WORK: readonly TaskStatus[] = ["assigned", "in_progress", "retry_wait"]

/**
 * A session-wide command that changes the status of many tasks at once. The session counts its effect when
 * it sends it (each one opens a new epoch); the tasks do not report the change. `run` (START): tasks that
 * failed for good run again, blocked; `cancel` (STOP, CANCEL, TIMEOUT): unfinished tasks are cancelled.
 */
export type SessionSweep = "run" | "cancel"

const SWEEPS: Record<SessionSweep, (status: TaskStatus) => TaskStatus> = {
  run: (status) => (FAILED_FOR_GOOD.has(status) ? "blocked" : status),
  cancel: (status) => (FINISHED_STATUSES.has(status) ? status : "cancelled"),
}

export interface SessionTaskInput {
  /** Names the task for `dependsOn` in this input; the task's own id is `sessionTaskId(session, index)`. */
  id: string
  key: string
  title: string
  capability: string
  /** Ids (of this input) of the tasks this one waits for. */
  dependsOn: readonly string[]
  /** Opaque to the machine: how the task runs (payload, timeout, attempts, priority). */
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
  /** Start at once (as a START right after the creation); default false. */
  start?: boolean
  timeoutS?: number
  /** Session RETRYs allowed; default 3. */
  maxRetries?: number
  /** Orphaned once its remaining tasks have all waited this long with no registered agent for their capabilities (CLAWBOT_ORPHAN_AFTER_S); unset: never. */
  orphanAfterS?: number
  at: number
}

export interface SessionCheckpoint {
  number: number
  data: unknown
  at: number
}

export interface SessionMetrics {
  /** The session's tasks by status, as its sweeps and its tasks' reports tell it. */
  tasks: Record<TaskStatus, number>
  /** First START. */
  startedAt?: number
  /** Last entry into an ending state (failed, timeout or a final state); cleared by RETRY. */
  finishedAt?: number
  durationMs?: number
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
  /** How many tasks the session has; task `i` has the id `sessionTaskId(id, i)`. */
  taskCount: number
  /** The sweeps sent so far, in order; their number is the session's epoch. */
  sweeps: SessionSweep[]
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
  orphanAfterS?: number
  /** The last time one of its tasks changed status (or the session started): what "waited" is measured from. */
  lastMoveAt?: number
  /** Bumped each time the `orphan` timer is armed; an ORPHAN_DUE or COVERAGE of an older seq is late. */
  orphanSeq: number
  /** When the armed `orphan` timer fires; unset while none is armed. */
  orphanAt?: number
  /** Soft deletion (`DELETE /sessions/{id}`): hidden from lists, kept in history. */
  deletedAt?: number
  /** Erasure (`DELETE /sessions/{id}?hard=1`): its tasks are told, then PURGE deletes it with its history. */
  erasedAt?: number
}

export type SessionTimerEvent = { type: "TIMEOUT"; seq: number } | { type: "ORPHAN_DUE"; seq: number }

/**
 * A task's change of status: `index` is its place in the session (its id is `sessionTaskId(session, index)`, so
 * a report need not carry it), `epoch` the sweeps it had seen when it changed.
 */
export interface TaskStatusReport {
  type: "TASK_STATUS"
  /** Its id, when the report names it (reports of earlier runtimes do): it must be the one its index derives. */
  taskId?: string
  index: number
  from: TaskStatus
  status: TaskStatus
  epoch: number
  at: number
}

/** The tasks added to a running session (a decomposition): each as in the input, dependencies by id (new or existing). */
export interface AddTasksEvent {
  type: "ADD_TASKS"
  tasks: readonly SessionTaskInput[]
  /** The index the first new task gets: the session's task count when its ids were derived (else refused). */
  firstIndex: number
  /** A task of the session that waits for the new ones (the decomposed task), told with ADD_DEPENDENCIES. */
  parentId?: string
  at: number
}

export type SessionEvent =
  | { type: "START"; at: number }
  | { type: "PAUSE"; at: number }
  | { type: "RESUME"; at: number }
  | { type: "STOP"; at: number }
  | { type: "CANCEL"; at: number }
  | { type: "FAIL"; reason: string; at: number }
  | { type: "TIMEOUT"; seq: number; at: number }
  | { type: "RETRY"; at: number }
  | { type: "ORPHAN"; at: number }
  | { type: "ORPHAN_DUE"; seq: number; at: number }
  /** The answer to `session.orphan_probe`: of its `ready` tasks, `offered` have a registered agent with their capability. */
  | { type: "COVERAGE"; seq: number; ready: number; offered: number; at: number }
  | { type: "DELETE"; at: number }
  /** Erase it and its tasks (operator, `?hard=1`): refused while its tasks may be at work. */
  | { type: "ERASE"; at: number }
  /** Sent by the runtime once ERASE's effects are carried out: the session's row and history are deleted. */
  | { type: "PURGE"; at: number }
  | AddTasksEvent
  | TaskStatusReport
  | { type: "CHECKPOINT"; data: unknown; at: number }

/** What the session's creation makes of one task of its input. */
export interface SessionTaskCreation {
  type: "session.create_task"
  taskId: string
  index: number
  key: string
  title: string
  capability: string
  dependsOn: string[]
  dependants: string[]
  spec: unknown
  /** Created held (the session is not running yet). */
  held: boolean
  epoch: number
}

export type SessionEmitted =
  | CommonEffect<SessionTimerEvent>
  | SessionTaskCreation
  /** Every task: run (in epoch `epoch`: a task that failed for good in an earlier epoch runs again). */
  | { type: "session.run_tasks"; epoch: number }
  /** Every task: stay blocked. */
  | { type: "session.hold_tasks" }
  /** Every task: cancel if unfinished. */
  | { type: "session.cancel_tasks"; reason: string; epoch: number }
  /** Ask which of its ready tasks a registered agent could take; answered with COVERAGE {seq}. */
  | { type: "session.orphan_probe"; seq: number }
  /** The decomposed task now also waits for these new tasks. */
  | { type: "session.add_dependencies"; taskId: string; dependsOn: string[] }
  /** Every task: erase (each is finished by then: the cancel sweep, if one was needed, went first). */
  | { type: "session.erase_tasks" }

/** `1 − (failedAttempts + 2 × timedOut) / max(1, attemptsEnded + timedOut)`, clamped to [0, 1]. */
export function healthScore(metrics: Pick<SessionMetrics, "attemptsEnded" | "failedAttempts" | "timedOut">): number {
  const penalty = (metrics.failedAttempts + 2 * metrics.timedOut) / Math.max(1, metrics.attemptsEnded + metrics.timedOut)
  return Math.min(1, Math.max(0, 1 - penalty))
}

function noTasks(): Record<TaskStatus, number> {
  return Object.fromEntries(COUNTED_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>
}

/**
 * Each task of `tasks` with its derived id (from `firstIndex` on), dependencies and dependants (ids), created held
 * or not. `parentId` (a decomposition): the existing task that waits for all of them, so each names it a dependant.
 */
export function taskCreations(
  sessionId: string,
  tasks: readonly SessionTaskInput[],
  options: { epoch: number; held: boolean; firstIndex?: number; parentId?: string },
): SessionTaskCreation[] {
  const firstIndex = options.firstIndex ?? 0
  // Each derived once (a SHA-1 each: a few ms for a thousand tasks).
  const ids = tasks.map((_, offset) => sessionTaskId(sessionId, firstIndex + offset))
  const idOf = new Map(tasks.map((task, offset) => [task.id, ids[offset]!]))
  const derived = (id: string): string => idOf.get(id) ?? id
  const dependants = new Map<string, string[]>()
  for (const task of tasks) {
    for (const dependency of task.dependsOn) {
      const list = dependants.get(derived(dependency)) ?? []
      list.push(derived(task.id))
      dependants.set(derived(dependency), list)
    }
  }
  return tasks.map((task, offset) => {
    const index = firstIndex + offset
    const taskId = ids[offset]!
    return {
      type: "session.create_task",
      taskId,
      index,
      key: task.key,
      title: task.title,
      capability: task.capability,
      dependsOn: task.dependsOn.map(derived),
      dependants: [...(dependants.get(taskId) ?? []), ...(options.parentId === undefined ? [] : [options.parentId])],
      spec: task.spec,
      held: options.held,
      epoch: options.epoch,
    }
  })
}

/** The counts of `counts` plus new tasks: ready when not held and waiting for nothing, else blocked. */
function withNewTasks(counts: Record<TaskStatus, number>, tasks: readonly SessionTaskInput[], held: boolean): Record<TaskStatus, number> {
  const next = { ...counts }
  for (const task of tasks) next[!held && task.dependsOn.length === 0 ? "ready" : "blocked"] += 1
  return next
}

function sweepCounts(counts: Record<TaskStatus, number>, sweep: SessionSweep): Record<TaskStatus, number> {
  const next = noTasks()
  for (const status of COUNTED_STATUSES) next[SWEEPS[sweep](status)] += counts[status]
  return next
}

/** What the session counts a task's `status` as, given the sweeps sent since the task's `epoch`. */
function afterSweeps(context: SessionContext, status: TaskStatus, epoch: number): TaskStatus {
  return context.sweeps.slice(epoch).reduce((current, sweep) => SWEEPS[sweep](current), status)
}

/** Applies a report to the counts (through the sweeps it had not seen) and to the attempt counters. */
function recordReport(context: SessionContext, report: TaskStatusReport): Pick<SessionContext, "metrics"> {
  const from = afterSweeps(context, report.from, report.epoch)
  const to = afterSweeps(context, report.status, report.epoch)
  const tasks = { ...context.metrics.tasks }
  tasks[from] -= 1
  tasks[to] += 1
  const ended = report.from === "in_progress" && ENDS_ATTEMPT.has(report.status)
  const metrics = {
    ...context.metrics,
    tasks,
    attemptsEnded: context.metrics.attemptsEnded + (ended ? 1 : 0),
    failedAttempts: context.metrics.failedAttempts + (ended && FAILS_ATTEMPT.has(report.status) ? 1 : 0),
    timedOut: context.metrics.timedOut + (report.status === "timed_out" ? 1 : 0),
  }
  return { metrics: { ...metrics, health: healthScore(metrics) } }
}

function finishedTasks(context: SessionContext): number {
  const { tasks } = context.metrics
  return tasks.completed + tasks.failed + tasks.cancelled + tasks.timed_out
}

/** The `timeout` timer armed for `fireAt` under the next sequence number, and the context that records it. */
function armTimeoutAt(context: SessionContext, fireAt: number) {
  const seq = context.timeoutSeq + 1
  return {
    patch: { timeoutSeq: seq, timeoutAt: fireAt },
    effect: armTimer(TIMEOUT_TIMER, fireAt, { type: "TIMEOUT" as const, seq }),
  }
}

/** The cancel sweep (STOP, CANCEL, TIMEOUT, ERASE): every unfinished task is cancelled, counted now, in a new epoch. */
function cancelSweep(context: SessionContext, reason: string) {
  const sweeps = [...context.sweeps, "cancel" as const]
  return {
    patch: { sweeps, metrics: { ...context.metrics, tasks: sweepCounts(context.metrics.tasks, "cancel") } },
    effect: { type: "session.cancel_tasks" as const, reason, epoch: sweeps.length },
  }
}

/** Tasks remain, none is held by an agent (or about to retry with one), and none changed status for orphanAfterS. */
function isStalled(context: SessionContext, at: number): boolean {
  if (context.orphanAfterS === undefined) return false
  const atWork = AT_WORK.reduce((sum, status) => sum + context.metrics.tasks[status], 0)
  const waited = at - (context.lastMoveAt ?? at)
  return finishedTasks(context) < context.taskCount && atWork === 0 && waited >= context.orphanAfterS * 1000
}

function refusal(state: SessionState, context: SessionContext, event: SessionEvent) {
  if (event.type === "ERASE") {
    return context.erasedAt !== undefined
      ? rejectCommand(event.type, state, "conflict", "the session is already being erased")
      : rejectCommand(event.type, state, "conflict", `a ${state} session is stopped or cancelled before it is erased`)
  }
  if (event.type === "DELETE") {
    return context.deletedAt !== undefined
      ? rejectCommand(event.type, state, "conflict", "the session is already deleted")
      : rejectCommand(event.type, state, "conflict", `a ${state} session is stopped or cancelled before it is deleted`)
  }
  if (event.type === "ADD_TASKS" && !(TERMINAL_STATES as readonly string[]).includes(state) && event.firstIndex !== context.taskCount) {
    return rejectCommand(
      event.type,
      state,
      "conflict",
      `the session has ${context.taskCount} tasks, not ${event.firstIndex}: its tasks changed meanwhile, try again`,
    )
  }
  if ((TERMINAL_STATES as readonly string[]).includes(state)) {
    return rejectCommand(event.type, state, "conflict", `${event.type} is not allowed: session:${context.id} is ${state}, a final state`)
  }
  if (event.type === "RETRY" && (state === "failed" || state === "timeout")) {
    return rejectCommand(event.type, state, "conflict", `retry limit reached (${context.metrics.retries} of ${context.maxRetries})`)
  }
  if (event.type === "TASK_STATUS") {
    return rejectCommand(event.type, state, "conflict", `unknown task ${event.taskId ?? `at index ${event.index}`}`)
  }
  if (event.type === "CANCEL" && (state === "running" || state === "degraded")) {
    // As the reference statechart has it: a session at work ends by STOP (stopped); CANCEL is for one not at work yet.
    return rejectCommand(
      event.type,
      state,
      "conflict",
      `${event.type} is not accepted while the session is ${state}: stop it, or pause it and then cancel it`,
    )
  }
  return refuseInState("session", event.type, state)
}

/** The event's time; the creation's (XState's init event has none) during the creation macrostep. */
function timeOf(context: SessionContext, event: { type: string; at?: number }): number {
  return event.at ?? context.createdAt
}

/** The session's creation: START at once when the input says so (XState's init event carries the input). */
function startsAtCreation(event: { type: string }): boolean {
  return event.type === "xstate.init" && (event as { input?: SessionInput }).input?.start === true
}

/** STOP from running, paused and degraded: every unfinished task is cancelled. */
const STOP = { target: "stopped", actions: { type: "cancelTasks", params: { reason: "session stopped" } } } as const
const CANCEL = { target: "cancelled", actions: { type: "cancelTasks", params: { reason: "session cancelled" } } } as const
/** START: the session waits in queued until an agent takes its first task. */
const START = { target: "queued", actions: ["markStarted", "armTimeout", "armOrphan", "runTasks"] } as const
/** FAIL by command: the tasks keep running, but none starts until a RETRY and START. */
const FAIL = { target: "failed", actions: ["recordFailure", "holdTasks"] } as const
/** The session's own durable deadline, from running and degraded. */
const TIME_OUT = {
  guard: "isTimeoutDue",
  target: "timeout",
  actions: ["expireTimeout", { type: "cancelTasks", params: { reason: "session timed out" } }],
} as const
const REPORT = { guard: "isOwnTaskReport", actions: "recordTaskStatus" } as const
/** The orphan check (CLAWBOT_ORPHAN_AFTER_S) while the session's tasks wait for agents: queued, running, degraded. */
const ORPHAN_CHECK = {
  ORPHAN_DUE: [
    { guard: and(["isOrphanCheckDue", "isStalled"]), actions: "probeOrphan" },
    { guard: "isOrphanCheckDue", actions: "armOrphan" },
  ],
  COVERAGE: [
    { guard: and(["isOrphanCheckDue", "isStalled", "noAgentForReadyTasks"]), target: "orphaned" },
    { guard: "isOrphanCheckDue", actions: "armOrphan" },
  ],
} as const
const ADD_TASKS_RUNNING = { guard: "isNextIndex", actions: { type: "addTasks", params: { held: false } } } as const
const ADD_TASKS_HELD = { guard: "isNextIndex", actions: { type: "addTasks", params: { held: true } } } as const
const DELETE = {
  guard: and(["isNotDeleted", ...[...UNDELETABLE].map((state) => not(stateIn(state)))]),
  actions: "markDeleted",
} as const
/** ERASE: a session that ended stays where it is; one that may run again (pending, failed, timeout) is cancelled. */
const ERASE = [
  ...TERMINAL_STATES.map((state) => ({ guard: and(["isNotErased", stateIn(state)]), actions: "erase" as const })),
  ...CANCELLED_BY_ERASE.map((state) => ({ guard: and(["isNotErased", stateIn(state)]), target: ".cancelled", actions: "erase" as const })),
]

export const sessionMachine = setup({
  types: {} as {
    context: SessionContext
    input: SessionInput
    events: SessionEvent
    emitted: SessionEmitted
  },
  guards: {
    /** A change of one of this session's tasks (its index is one of them; a named id must be that index's), as a task reports it. */
    isOwnTaskReport: ({ context, event }) =>
      event.type === "TASK_STATUS" &&
      Number.isInteger(event.index) &&
      event.index >= 0 &&
      event.index < context.taskCount &&
      event.epoch <= context.sweeps.length &&
      event.from !== event.status &&
      (event.taskId === undefined || event.taskId === sessionTaskId(context.id, event.index)),
    startsAtCreation: ({ event }) => startsAtCreation(event),
    /** The timer armed last, still armed (not paused, not cleared). */
    isTimeoutDue: ({ context, event }) => event.type === "TIMEOUT" && context.timeoutAt !== undefined && event.seq === context.timeoutSeq,
    canRetry: ({ context }) => context.metrics.retries < context.maxRetries,
    isAssignment: ({ event }) => event.type === "TASK_STATUS" && event.status === "assigned",
    isOrphanCheckDue: ({ context, event }) =>
      (event.type === "ORPHAN_DUE" || event.type === "COVERAGE") && context.orphanAt !== undefined && event.seq === context.orphanSeq,
    /** Tasks remain, none is held by an agent, and none changed status for orphanAfterS. */
    isStalled: ({ context, event }) => isStalled(context, timeOf(context, event)),
    noAgentForReadyTasks: ({ event }) => event.type === "COVERAGE" && event.ready > 0 && event.offered === 0,
    isNotDeleted: ({ context }) => context.deletedAt === undefined,
    isNotErased: ({ context }) => context.erasedAt === undefined,
    isErased: ({ context }) => context.erasedAt !== undefined,
    isNextIndex: ({ context, event }) => event.type === "ADD_TASKS" && event.firstIndex === context.taskCount,
    allTasksCompleted: ({ context }) => context.metrics.tasks.completed === context.taskCount,
    allTasksFinished: ({ context }) => finishedTasks(context) === context.taskCount,
    anyTaskCompleted: ({ context }) => context.metrics.tasks.completed > 0,
    isUnhealthy: ({ context }) => context.metrics.attemptsEnded >= DEGRADE_MIN_ATTEMPTS && context.metrics.health < DEGRADED_BELOW,
    isRecovered: ({ context }) => context.metrics.health >= RECOVERED_AT,
  },
  actions: {
    /** The creation: one task per input task, held unless the session starts at once. */
    createTasks: enqueueActions(({ context, event, enqueue }) => {
      const { input } = event as unknown as { input: SessionInput }
      const creations = taskCreations(input.id, input.tasks, { epoch: context.sweeps.length, held: input.start !== true })
      for (const creation of creations) enqueue.emit(creation)
    }),
    /** ADD_TASKS: the new tasks get the next indexes; held unless the session is at work (queued, running, degraded). */
    addTasks: enqueueActions(({ context, event, enqueue }, params: { held: boolean }) => {
      assertEvent(event, "ADD_TASKS")
      const options = { epoch: context.sweeps.length, held: params.held, firstIndex: context.taskCount }
      const creations = taskCreations(
        context.id,
        event.tasks,
        event.parentId === undefined ? options : { ...options, parentId: event.parentId },
      )
      enqueue.assign({
        taskCount: context.taskCount + event.tasks.length,
        metrics: { ...context.metrics, tasks: withNewTasks(context.metrics.tasks, event.tasks, params.held) },
      })
      if (event.parentId !== undefined) {
        enqueue.emit({ type: "session.add_dependencies", taskId: event.parentId, dependsOn: creations.map((creation) => creation.taskId) })
      }
      for (const creation of creations) enqueue.emit(creation)
    }),
    markStarted: assign(({ context, event }) => ({
      metrics: { ...context.metrics, startedAt: context.metrics.startedAt ?? timeOf(context, event) },
    })),
    armTimeout: enqueueActions(({ context, event, enqueue }) => {
      if (context.timeoutS === undefined) return
      const armed = armTimeoutAt(context, timeOf(context, event) + context.timeoutS * 1000)
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
    /** (Re-)arms the orphan check orphanAfterS after the last move (or after now, when that time has passed). */
    armOrphan: enqueueActions(({ context, event, enqueue }) => {
      if (context.orphanAfterS === undefined) return
      const at = timeOf(context, event)
      const afterS = context.orphanAfterS * 1000
      const lastMoveAt = event.type === "START" || event.type === "RESUME" || startsAtCreation(event) ? at : (context.lastMoveAt ?? at)
      const fireAt = lastMoveAt + afterS > at ? lastMoveAt + afterS : at + afterS
      const seq = context.orphanSeq + 1
      enqueue.assign({ orphanSeq: seq, orphanAt: fireAt, lastMoveAt })
      enqueue.emit(armTimer(ORPHAN_TIMER, fireAt, { type: "ORPHAN_DUE" as const, seq }))
    }),
    probeOrphan: emit(({ context }) => ({ type: "session.orphan_probe" as const, seq: context.orphanSeq })),
    /** PAUSE: no orphan check while nothing is meant to run. */
    holdOrphan: enqueueActions(({ context, enqueue }) => {
      if (context.orphanAt === undefined) return
      enqueue.assign({ orphanAt: undefined })
      enqueue.emit(clearTimer(ORPHAN_TIMER))
    }),
    markDeleted: assign(({ event }) => ({ deletedAt: event.at })),
    /** ERASE: unfinished tasks are cancelled (as STOP does), then every task is erased, then the session itself. */
    erase: enqueueActions(({ context, event, enqueue }) => {
      const sweep = finishedTasks(context) < context.taskCount ? cancelSweep(context, "session erased") : undefined
      if (sweep) enqueue.emit(sweep.effect)
      enqueue.assign({ ...sweep?.patch, erasedAt: event.at, deletedAt: context.deletedAt ?? event.at })
      enqueue.emit({ type: "session.erase_tasks" })
      enqueue.emit(eraseAfterEffects)
    }),
    purge: emit(purge),
    /** The timer fired, so there is nothing left to clear. */
    expireTimeout: assign({ timeoutAt: undefined }),
    /** START: a new epoch in which every task runs and those that failed for good run again (counted now). */
    runTasks: enqueueActions(({ context, event, enqueue }) => {
      // Started at creation: the tasks were created running and none has failed yet, so there is nothing to send.
      if (startsAtCreation(event)) return
      const sweeps = [...context.sweeps, "run" as const]
      enqueue.assign({ sweeps, metrics: { ...context.metrics, tasks: sweepCounts(context.metrics.tasks, "run") } })
      enqueue.emit({ type: "session.run_tasks", epoch: sweeps.length })
    }),
    /** RESUME: the held tasks go on, in the current epoch (nothing runs again). */
    releaseTasks: emit(({ context }) => ({ type: "session.run_tasks" as const, epoch: context.sweeps.length })),
    holdTasks: emit({ type: "session.hold_tasks" }),
    cancelTasks: enqueueActions(({ context, enqueue }, params: { reason: string }) => {
      const sweep = cancelSweep(context, params.reason)
      enqueue.assign(sweep.patch)
      enqueue.emit(sweep.effect)
    }),
    recordTaskStatus: assign(({ context, event }) => {
      assertEvent(event, "TASK_STATUS")
      return { ...recordReport(context, event), lastMoveAt: event.at }
    }),
    recordFailure: assign(({ event }) => {
      assertEvent(event, "FAIL")
      return { error: event.reason }
    }),
    recordIncompleteOutcome: assign(({ context }) => ({
      error: `${context.taskCount - context.metrics.tasks.completed} of ${context.taskCount} tasks did not complete`,
    })),
    /** Entering an ending state: stop the clock and record when. */
    finish: enqueueActions(({ context, event, enqueue }) => {
      if (context.timeoutAt !== undefined) enqueue.emit(clearTimer(TIMEOUT_TIMER))
      if (context.orphanAt !== undefined) enqueue.emit(clearTimer(ORPHAN_TIMER))
      const { startedAt } = context.metrics
      const at = timeOf(context, event)
      enqueue.assign({
        timeoutAt: undefined,
        orphanAt: undefined,
        remainingMs: undefined,
        metrics: {
          ...context.metrics,
          finishedAt: at,
          durationMs: startedAt === undefined ? undefined : at - startedAt,
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
    rejectCommand: emit(({ context, event }, params: { state: SessionState }) => refusal(params.state, context, event)),
  },
}).createMachine({
  id: "session",
  context: ({ input }) => {
    const counters = { attemptsEnded: 0, failedAttempts: 0, timedOut: 0 }
    return {
      id: input.id,
      title: input.title,
      prompt: input.prompt,
      type: input.type,
      priority: input.priority ?? 2,
      timeoutS: input.timeoutS,
      maxRetries: input.maxRetries ?? 3,
      createdAt: input.at,
      taskCount: input.tasks.length,
      sweeps: [],
      checkpoints: [],
      metrics: {
        tasks: withNewTasks(noTasks(), input.tasks, input.start !== true),
        checkpoints: 0,
        retries: 0,
        ...counters,
        health: healthScore(counters),
      },
      timeoutSeq: 0,
      orphanAfterS: input.orphanAfterS,
      orphanSeq: 0,
    }
  },
  entry: "createTasks",
  initial: "pending",
  on: {
    ORPHAN: LIVE_STATES.map((state) => ({ guard: stateIn(state), target: ".orphaned" })),
    CHECKPOINT: LIVE_STATES.map((state) => ({ guard: stateIn(state), actions: "addCheckpoint" })),
    TIMEOUT: { description: "A timer armed before a pause, a restart or an ending arrives late: ignored on purpose." },
    ORPHAN_DUE: { description: "An orphan check armed before a pause or an ending arrives late: ignored on purpose." },
    COVERAGE: { description: "The answer to an orphan check that is over: ignored on purpose." },
    DELETE,
    ERASE,
    PURGE: { guard: "isErased", actions: "purge" },
    "*": SESSION_STATES.map((state) => ({ guard: stateIn(state), actions: { type: "rejectCommand" as const, params: { state } } })),
  },
  states: {
    pending: {
      always: { guard: "startsAtCreation", ...START, description: "created with start: true" },
      on: {
        START,
        CANCEL,
        FAIL: { target: "failed", actions: "recordFailure" },
        ADD_TASKS: ADD_TASKS_HELD,
        TASK_STATUS: REPORT,
      },
    },
    queued: {
      description: "Started; none of its tasks has been assigned yet",
      always: { guard: "allTasksFinished", target: "running", description: "nothing left to assign: running decides the outcome" },
      on: {
        PAUSE: { target: "paused", actions: ["holdTimeout", "holdOrphan", "holdTasks"] },
        STOP,
        CANCEL,
        FAIL,
        TIMEOUT: TIME_OUT,
        ...ORPHAN_CHECK,
        ADD_TASKS: ADD_TASKS_RUNNING,
        TASK_STATUS: [{ guard: and(["isOwnTaskReport", "isAssignment"]), target: "running", actions: "recordTaskStatus" }, REPORT],
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
        PAUSE: { target: "paused", actions: ["holdTimeout", "holdOrphan", "holdTasks"] },
        STOP,
        FAIL,
        TIMEOUT: TIME_OUT,
        ...ORPHAN_CHECK,
        ADD_TASKS: ADD_TASKS_RUNNING,
        TASK_STATUS: REPORT,
      },
    },
    paused: {
      on: {
        RESUME: { target: "running", actions: ["resumeTimeout", "armOrphan", "releaseTasks"] },
        STOP,
        CANCEL,
        ADD_TASKS: ADD_TASKS_HELD,
        TASK_STATUS: REPORT,
      },
    },
    degraded: {
      always: [
        { guard: "allTasksCompleted", target: "completed" },
        { guard: "allTasksFinished", target: "failed", actions: "recordIncompleteOutcome" },
        { guard: "isRecovered", target: "running" },
      ],
      on: {
        STOP,
        FAIL,
        TIMEOUT: TIME_OUT,
        ...ORPHAN_CHECK,
        ADD_TASKS: ADD_TASKS_RUNNING,
        TASK_STATUS: REPORT,
      },
    },
    failed: {
      entry: "finish",
      on: {
        RETRY: { guard: "canRetry", target: "pending", actions: "beginRetry" },
        TASK_STATUS: REPORT,
      },
    },
    timeout: {
      entry: "finish",
      on: {
        RETRY: { guard: "canRetry", target: "pending", actions: "beginRetry" },
        TASK_STATUS: REPORT,
      },
    },
    completed: { entry: "finish", description: "terminal" },
    partially_completed: { entry: "finish", description: "terminal" },
    stopped: { entry: "finish", description: "terminal" },
    cancelled: { entry: "finish", description: "terminal" },
    orphaned: { entry: "finish", description: "terminal" },
  },
})
