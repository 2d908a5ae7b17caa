// Task machine (docs/machines.md, "Task"): one task's lifecycle as a pure XState v5 statechart whose effects are emitted
// events, and its side of a session's DAG: it waits for its dependencies' word and tells its dependants its outcome.
import { and, assertEvent, assign, emit, enqueueActions, not, setup, stateIn } from "xstate"
import { armTimer, clearTimer, purge, refuseInState, rejectCommand, type CommonEffect } from "./effects.ts"
import { FAILED_FOR_GOOD, FINISHED_STATUSES, HELD_STATUSES, type TaskStatus } from "./task-statuses.ts"

/** How a finished dependency ended. */
export type FinishedStatus = "completed" | "failed" | "cancelled" | "timed_out"

/** Why a task was taken from the agent that held it (the `reason` of its `task_cancelled`). */
export type LossReason = "heartbeat_expired" | "deregistered" | "agent_draining"

/** Why an agent stops holding the task. */
export type TaskReleaseOutcome = "completed" | "failed" | "cancelled" | "timed_out" | "lost"

/** The creation command's payload; `at` is the creation time. */
export interface TaskInput {
  id: string
  sessionId?: string
  /** Its place in its session (the session addresses its tasks by it). */
  index?: number
  key?: string
  title: string
  capability: string
  payload: unknown
  /** Ids of the tasks it waits for (each tells it when it finishes). */
  dependsOn: string[]
  /** Ids of the tasks that wait for it: it tells each one when it finishes. */
  dependants?: string[]
  timeoutS?: number
  maxAttempts?: number
  priority?: number
  /** Its fairness and concurrency key (a tenant, a repository, an API key); none: the default group. */
  group?: string
  /** Waits in awaiting_approval, once its dependencies are met, until approved or rejected. */
  requiresApproval?: boolean
  /** Rejects by itself this long after it starts waiting for approval. */
  approvalTimeoutS?: number
  /** Held: its session is not running yet, so it stays blocked until SESSION_RUN. */
  blocked: boolean
  /** The agent the router gave it to at its intake (src/runtime/intake.ts: a free slot was waiting for its capability):
   * it is created assigned to that agent, without going through the ready queue. A task that cannot run at once (held,
   * waiting for dependencies or an approval) refuses the gift, and the agent's slot is released. */
  givenTo?: string
  /** The session's sweep count when it created the task. */
  epoch?: number
  at: number
}

export interface TaskContext {
  id: string
  sessionId: string | null
  index: number | null
  key: string | null
  title: string
  capability: string
  payload: unknown
  dependsOn: string[]
  dependants: string[]
  /** The dependencies that told it they completed (kept across retries: a completed task stays completed). */
  dependenciesDone: string[]
  /** Its session is not running (not started, paused or failed): it does not leave blocked. */
  held: boolean
  /** The session sweeps (SESSION_RUN, SESSION_CANCEL) it has seen, as their count; its reports carry it. */
  epoch: number
  /** The epoch in which it last finished; a SESSION_RUN of a later epoch re-runs it if it failed for good. */
  finishedEpoch: number | null
  timeoutS: number
  maxAttempts: number
  priority: number
  group: string | null
  requiresApproval: boolean
  approvalTimeoutS: number | null
  /** When it was approved (kept across runs: a re-run does not ask again; a rejection is a cancellation). */
  approvedAt: number | null
  /** When the armed `approval` timer fires (awaiting_approval). */
  approvalDeadlineAt: number | null
  /** Mirrors the state value, so refusals can name the state. */
  status: TaskStatus
  agentId: string | null
  /** 1-based, counts runs given to a bot: starts, and assignments that timed out, were cancelled or were taken back
   * before their start; 0 until then. It goes on across RETRY (so a late report of an earlier run never counts for a
   * later one); `maxAttempts` bounds the attempts of this run, `attempt - attemptsBefore`. */
  attempt: number
  /** The attempts of its earlier runs (before the last RETRY or re-run by its session). */
  attemptsBefore: number
  /** The agents an attempt of this task was taken from (told `task_cancelled`: heartbeat loss, deregistration, drain,
   * timeout, cancellation while held), kept across runs. A report of one of them must name its `attempt`: without
   * one it cannot be told from a late report of the attempt that agent lost. */
  takenFrom: string[]
  /** An agent that left work (lost, draining) while the ASSIGN the router had decided for it (a slot given straight or
   * transferred) was still on its way to this task: that ASSIGN is refused when it comes, and the task routed again,
   * rather than held by an agent that will never run it until its deadline. Cleared by any ASSIGN. */
  refuseAssignFrom: string | null
  /** The first START of this run (kept across retried attempts, cleared when the task is run again). */
  firstStartedAt: number | null
  progress: number
  progressMessage: string | null
  result: unknown
  error: string | null
  cancelReason: string | null
  /** When the armed `deadline` timer fires (assigned, in_progress). */
  deadlineAt: number | null
  /** When the armed `retry` timer fires (retry_wait). */
  retryAt: number | null
  createdAt: number
  readyAt: number | null
  assignedAt: number | null
  claimedAt: number | null
  startedAt: number | null
  finishedAt: number | null
  updatedAt: number
}

export type TaskEvent =
  | { type: "ASSIGN"; agentId: string; at: number }
  /** Bot reports name the attempt they are about (`attempt`, optional): another one is refused `conflict`. */
  | { type: "CLAIM"; agentId: string; attempt?: number; at: number }
  | { type: "START"; agentId: string; attempt?: number; at: number }
  | { type: "PROGRESS"; agentId: string; attempt?: number; progress: number; message?: string; at: number }
  | { type: "COMPLETE"; agentId: string; attempt?: number; result?: unknown; at: number }
  | { type: "FAIL"; agentId: string; attempt?: number; error?: string; at: number }
  | { type: "RETRY_DUE"; attempt: number; at: number }
  | { type: "DEADLINE"; attempt: number; at: number }
  | { type: "AGENT_LOST"; agentId: string; reason?: LossReason; at: number }
  /** Its agent drains: an assignment not started yet goes back to ready; a started one runs to its end. */
  | { type: "AGENT_DRAINING"; agentId: string; at: number }
  | { type: "APPROVE"; at: number }
  | { type: "REJECT"; reason: string; at: number }
  | { type: "APPROVAL_TIMEOUT"; at: number }
  | { type: "CANCEL"; reason: string; at: number }
  | { type: "RETRY"; at: number }
  /** From a dependency that finished (completed, or failed for good) in session epoch `epoch`. */
  | { type: "DEPENDENCY_FINISHED"; taskId: string; status: FinishedStatus; epoch: number; at: number }
  /** From the session (START, RESUME): run; in a new epoch, a task that failed for good in an earlier one runs again. */
  | { type: "SESSION_RUN"; epoch: number; at: number }
  /** From the session (PAUSE, FAIL): stay blocked even when the dependencies complete. */
  | { type: "SESSION_HOLD"; at: number }
  /** From the session (STOP, CANCEL, TIMEOUT): cancel if unfinished. The session counted it already: not reported. */
  | { type: "SESSION_CANCEL"; reason: string; epoch: number; at: number }
  /** From its session (a decomposition): also wait for these new tasks; a ready task goes back to blocked. */
  | { type: "ADD_DEPENDENCIES"; taskIds: string[]; at: number }
  /** From its session being erased (after its cancel sweep): a finished task is erased, history and all. */
  | { type: "ERASE"; at: number }

/** Events the task's durable timers deliver (the runtime adds `at`). */
export type TaskTimerEvent = { type: "DEADLINE"; attempt: number } | { type: "RETRY_DUE"; attempt: number } | { type: "APPROVAL_TIMEOUT" }

export type TaskEmitted =
  | CommonEffect<TaskTimerEvent>
  | { type: "task.ready"; capability: string; priority: number; group: string | null }
  /** `attempt` is the attempt the agent is about to run (the next START's number). */
  | { type: "task.assigned"; agentId: string; attempt: number; deadline: number }
  | { type: "task.released"; agentId: string; outcome: TaskReleaseOutcome }
  /** `attempt`: the attempt the agent was running (absent with no agent). */
  | { type: "task.cancelled"; agentId?: string; attempt?: number; reason: string }
  | { type: "task.assign_refused"; agentId: string }
  /** A change its session did not foresee, reported to it (`epoch`: the sweeps the task had seen). */
  | { type: "task.status"; from: TaskStatus; status: TaskStatus; epoch: number }
  /** Finished (not by a session sweep): its dependants are told. */
  | { type: "task.finished"; status: FinishedStatus; epoch: number }

const RETRY_BASE_MS = 1_000
const RETRY_CAP_MS = 60_000
const RETRY_JITTER = 0.2

/** Delay before retrying after failed attempt `attempt` (1-based): min(base·2^(attempt-1), cap), ±20% jitter hashed from (taskId, attempt). */
export function backoffMs(taskId: string, attempt: number): number {
  const exponential = Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_CAP_MS)
  const unit = hash32(`${taskId}:${attempt}`) / 2 ** 32
  return Math.round(exponential * (1 + RETRY_JITTER * (2 * unit - 1)))
}

/** FNV-1a with a murmur3 finalizer, so neighbouring inputs land far apart. */
function hash32(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  return (hash ^ (hash >>> 16)) >>> 0
}

/** A finished task holds no agent and no timer: ERASE deletes it (its session sweeps it to a finished state first). */
const ERASE = { ERASE: { actions: "purge", description: "its session is erased: the task is deleted with its history" } } as const

/** The agent holding the task; only called in states where one does. */
function holder(context: TaskContext): string {
  if (context.agentId === null) throw new Error(`task ${context.id} has no agent in state ${context.status}`)
  return context.agentId
}

/** The attempt a bot holding the task runs: while assigned, the one its START will begin. */
export function currentAttempt(context: { readonly status: string; readonly attempt: number }): number {
  return context.status === "assigned" ? context.attempt + 1 : context.attempt
}

function deadlineFrom(context: TaskContext, at: number): number {
  return at + context.timeoutS * 1000
}

/** The deadline recorded for the attempt its agent holds; only called once a transition recorded one. */
function holdDeadline(context: TaskContext): number {
  if (context.deadlineAt === null) throw new Error(`task ${context.id} has no deadline in state ${context.status}`)
  return context.deadlineAt
}

/** The creation macrostep runs with XState's init event; its status is published by the runtime, not emitted. */
function isCreation(event: { type: string }): boolean {
  return event.type === "xstate.init"
}

/** The agent a task was given to at its intake, during its creation macrostep (none otherwise). */
function givenAtIntake(event: { type: string }): string | undefined {
  return isCreation(event) ? (event as { readonly input?: TaskInput }).input?.givenTo : undefined
}

/** The time of the event, or of the creation during the creation macrostep (XState's init event has none). */
function eventTime(context: TaskContext, event: { type: string; at?: number }): number {
  return event.at ?? context.createdAt
}

/**
 * Status changes a session sweep makes are counted by the session when it sends the sweep, so the task
 * does not report them: SESSION_CANCEL's cancellation, and SESSION_RUN's reset of a task that failed for good.
 */
function isSweep(event: { type: string }, status: TaskStatus): boolean {
  return event.type === "SESSION_CANCEL" || (event.type === "SESSION_RUN" && status === "blocked")
}

/** What a new run starts from: creation, and RETRY after a final outcome (the attempt number goes on).
 * Every value means "nothing yet", so a stored task leaves them all out (actors/task.ts). */
export const FRESH_RUN = {
  agentId: null,
  firstStartedAt: null,
  progress: 0,
  progressMessage: null,
  result: null,
  error: null,
  cancelReason: null,
  deadlineAt: null,
  retryAt: null,
  readyAt: null,
  assignedAt: null,
  claimedAt: null,
  startedAt: null,
  finishedAt: null,
} satisfies Partial<TaskContext>

/** CANCEL from anyone, and its session's SESSION_CANCEL (which also records the session's epoch), with the same actions. */
function cancellable<const A extends readonly unknown[]>(actions: A) {
  return {
    CANCEL: { target: "cancelled", actions },
    SESSION_CANCEL: { target: "cancelled", actions: ["adoptEpoch", ...actions] },
  } as const
}

/** Taking the task back from its agent (lost, drained): the bot is told, the agent freed, and the run's attempt
 * spent even if it never started, so the next run is a new attempt (PROTOCOL v1.1: a late report of a run taken
 * away never counts for the next one, even on the same agent). */
const TAKE_BACK = [
  "announceLoss",
  "rememberTakenFrom",
  "clearDeadline",
  { type: "release", params: { outcome: "lost" } },
  "spendAttempt",
  "markReady",
] as const

/** What assigned and in_progress share while an agent holds the task. */
const WHILE_HELD = {
  // An agent may propose a task it already holds again (its RESERVE is idempotent): that ASSIGN
  // changes nothing; refusing it would make the agent release a slot the task still uses.
  ASSIGN: [
    { guard: "isOwnAgent", description: "repeated by the agent that holds the task: nothing to do" },
    { actions: "refuseAssignment" },
  ],
  // The bot is told first (with the attempt it ran), then the attempt is spent: retried with backoff while
  // attempts remain, else timed out for good.
  DEADLINE: [
    {
      guard: and(["isCurrentDeadline", "hasAttemptsLeftAfterThis"]),
      target: "retry_wait",
      actions: [
        "announceTimeout",
        "rememberTakenFrom",
        { type: "release", params: { outcome: "timed_out" } },
        "spendAttempt",
        "recordTimeout",
        "scheduleRetry",
      ],
    },
    {
      guard: "isCurrentDeadline",
      target: "timed_out",
      actions: [
        "announceTimeout",
        "rememberTakenFrom",
        { type: "release", params: { outcome: "timed_out" } },
        "spendAttempt",
        "markFinished",
      ],
    },
  ],
  // A run taken back is over: the next one is a new attempt, so a late report of this one is refused `conflict`.
  AGENT_LOST: { guard: "isOwnAgent", target: "ready", actions: TAKE_BACK },
  // Cancelled before its start, the attempt the bot was told about is spent too: a RETRY runs a new one.
  ...cancellable([
    "clearDeadline",
    "recordCancel",
    "announceCancel",
    "rememberTakenFrom",
    { type: "release", params: { outcome: "cancelled" } },
    "spendAttempt",
  ]),
} as const

/** What a bot report meets first: `conflict` when it names another attempt, `forbidden` from another agent, and
 * `conflict` when it names none though an earlier attempt was taken from this agent (it may be a late report of that
 * one: PROTOCOL v1.1's "a late report from an attempt that was taken away can never complete the new one"). */
const REPORT_CHECKS = [
  { guard: "isStaleAttempt", actions: "rejectStaleAttempt" },
  { guard: not("isOwnAgent"), actions: "rejectForbidden" },
  { guard: "isUnnamedAfterTakeBack", actions: "rejectUnnamedAttempt" },
] as const

export const taskMachine = setup({
  types: {} as {
    context: TaskContext
    input: TaskInput
    events: TaskEvent
    emitted: TaskEmitted
  },
  guards: {
    /** Not held by its session, and every dependency completed (`dependenciesDone` holds each of `dependsOn` once). */
    canRun: ({ context }) => !context.held && context.dependenciesDone.length === context.dependsOn.length,
    /** Created with an agent the router gave it to at its intake. */
    isGivenAtIntake: ({ event }) => givenAtIntake(event) !== undefined,
    isOwnAgent: ({ context, event }) => "agentId" in event && event.agentId === context.agentId,
    isFromAgentThatLeft: ({ context, event }) => "agentId" in event && event.agentId === context.refuseAssignFrom,
    /** This run has spent fewer attempts than `maxAttempts`. */
    hasAttemptsLeft: ({ context }) => context.attempt - context.attemptsBefore < context.maxAttempts,
    /** The attempt running now (or assigned and about to run) is not the last one of this run. */
    hasAttemptsLeftAfterThis: ({ context }) => currentAttempt(context) - context.attemptsBefore < context.maxAttempts,
    /** A bot report naming an attempt other than the one the task runs (or is about to run). */
    isStaleAttempt: ({ context, event }) => "attempt" in event && event.attempt !== undefined && event.attempt !== currentAttempt(context),
    /** A bot report naming no attempt from an agent an earlier attempt of the task was taken from: it cannot be told
     * from a late report of that attempt. */
    isUnnamedAfterTakeBack: ({ context, event }) =>
      "agentId" in event && (!("attempt" in event) || event.attempt === undefined) && context.takenFrom.includes(event.agentId),
    needsApproval: ({ context }) => context.requiresApproval && context.approvedAt === null,
    isHeld: ({ context }) => context.held,
    /** The approval timer armed when it entered awaiting_approval this time (not an earlier wait's). */
    isApprovalDue: ({ context, event }) =>
      event.type === "APPROVAL_TIMEOUT" && context.approvalDeadlineAt !== null && event.at >= context.approvalDeadlineAt,
    /** Armed for this attempt and not renewed since it was armed. */
    isCurrentDeadline: ({ context, event }) =>
      event.type === "DEADLINE" && event.attempt === context.attempt && context.deadlineAt !== null && event.at >= context.deadlineAt,
    isCurrentRetry: ({ context, event }) =>
      event.type === "RETRY_DUE" && event.attempt === context.attempt && context.retryAt !== null && event.at >= context.retryAt,
    /** A SESSION_RUN of a later epoch than the one in which this task failed for good: run it again. */
    isRerun: ({ context, event }) =>
      event.type === "SESSION_RUN" && FAILED_FOR_GOOD.has(context.status) && (context.finishedEpoch ?? 0) < event.epoch,
    /** One of its dependencies failed for good: it can never run. */
    isLostDependency: ({ context, event }) =>
      event.type === "DEPENDENCY_FINISHED" && event.status !== "completed" && context.dependsOn.includes(event.taskId),
  },
  actions: {
    enter: enqueueActions(({ context, enqueue, event }, params: { status: TaskStatus }) => {
      const { status } = params
      const finished = FINISHED_STATUSES.has(status)
      // Not assigned again when it holds already (a created task enters blocked): each assign copies the context.
      if (finished || context.status !== status) enqueue.assign(finished ? { status, finishedEpoch: context.epoch } : { status })
      if (isCreation(event) || isSweep(event, status)) return
      enqueue.emit({ type: "task.status", from: context.status, status, epoch: context.epoch })
      if (finished) enqueue.emit({ type: "task.finished", status: status as FinishedStatus, epoch: context.epoch })
    }),
    announceReady: emit(({ context }) => ({
      type: "task.ready" as const,
      capability: context.capability,
      priority: context.priority,
      group: context.group,
    })),
    armApproval: enqueueActions(({ context, event, enqueue }) => {
      if (context.approvalTimeoutS === null) return
      const fireAt = eventTime(context, event) + context.approvalTimeoutS * 1000
      enqueue.assign({ approvalDeadlineAt: fireAt })
      enqueue.emit(armTimer("approval", fireAt, { type: "APPROVAL_TIMEOUT" as const }))
    }),
    clearApproval: enqueueActions(({ context, enqueue }) => {
      if (context.approvalDeadlineAt === null) return
      enqueue.assign({ approvalDeadlineAt: null })
      enqueue.emit(clearTimer("approval"))
    }),
    recordApproval: assign(({ event }) => ({ approvedAt: event.at, updatedAt: event.at })),
    recordRejection: assign(({ event }) => {
      assertEvent(event, ["REJECT", "APPROVAL_TIMEOUT"])
      const reason = event.type === "REJECT" ? event.reason : "approval timed out"
      return { cancelReason: reason, finishedAt: event.at, updatedAt: event.at }
    }),
    markReady: assign(({ context, event }) => {
      const at = eventTime(context, event)
      return { agentId: null, readyAt: at, updatedAt: at }
    }),
    /** Sweeps and dependencies carry the session epoch they were sent in; the task keeps the latest. */
    adoptEpoch: assign(({ context, event }) => {
      assertEvent(event, ["SESSION_RUN", "SESSION_CANCEL", "DEPENDENCY_FINISHED"])
      return { epoch: Math.max(context.epoch, event.epoch) }
    }),
    run: assign({ held: false }),
    hold: assign({ held: true }),
    recordDependency: assign(({ context, event }) => {
      assertEvent(event, "DEPENDENCY_FINISHED")
      const counts =
        event.status === "completed" && context.dependsOn.includes(event.taskId) && !context.dependenciesDone.includes(event.taskId)
      return counts ? { dependenciesDone: [...context.dependenciesDone, event.taskId] } : {}
    }),
    addDependencies: assign(({ context, event }) => {
      assertEvent(event, "ADD_DEPENDENCIES")
      return { dependsOn: [...context.dependsOn, ...event.taskIds.filter((id) => !context.dependsOn.includes(id))] }
    }),
    recordDependencyLoss: assign(({ event }) => {
      assertEvent(event, "DEPENDENCY_FINISHED")
      return { cancelReason: `dependency ${event.taskId} ${event.status}`, finishedAt: event.at, updatedAt: event.at }
    }),
    recordAssignment: assign(({ context, event }) => {
      assertEvent(event, "ASSIGN")
      return {
        agentId: event.agentId,
        assignedAt: event.at,
        claimedAt: null,
        refuseAssignFrom: null,
        deadlineAt: deadlineFrom(context, event.at),
        updatedAt: event.at,
      }
    }),
    rememberAgentThatLeft: assign(({ event }) => {
      assertEvent(event, ["AGENT_LOST", "AGENT_DRAINING"])
      return { refuseAssignFrom: event.agentId }
    }),
    forgetAgentThatLeft: assign({ refuseAssignFrom: null }),
    /** The assignment a task given at its intake is created with (as ASSIGN records one). */
    recordIntakeAssignment: assign(({ context, event }) => {
      const at = eventTime(context, event)
      return { agentId: givenAtIntake(event) ?? null, assignedAt: at, deadlineAt: deadlineFrom(context, at), updatedAt: at }
    }),
    /** A task given at its intake that cannot run at once (held, waiting for dependencies or an approval) gives the agent's
     * slot back, as a refused ASSIGN does. */
    refuseIntakeGift: enqueueActions(({ context, event, enqueue }) => {
      const agentId = givenAtIntake(event)
      const runsAtOnce = !context.held && context.dependsOn.length === 0 && !context.requiresApproval
      if (agentId !== undefined && !runsAtOnce) enqueue.emit({ type: "task.assign_refused" as const, agentId })
    }),
    announceAssignment: emit(({ context }) => ({
      type: "task.assigned" as const,
      agentId: holder(context),
      attempt: context.attempt + 1,
      deadline: holdDeadline(context),
    })),
    recordClaim: assign(({ event }) => ({ claimedAt: event.at, updatedAt: event.at })),
    recordStart: assign(({ context, event }) => ({
      attempt: context.attempt + 1,
      startedAt: event.at,
      firstStartedAt: context.firstStartedAt ?? event.at,
      progress: 0,
      progressMessage: null,
      deadlineAt: deadlineFrom(context, event.at),
      updatedAt: event.at,
    })),
    recordProgress: assign(({ context, event }) => {
      assertEvent(event, "PROGRESS")
      return {
        progress: Math.min(1, Math.max(0, event.progress)),
        progressMessage: event.message ?? context.progressMessage,
        deadlineAt: deadlineFrom(context, event.at),
        updatedAt: event.at,
      }
    }),
    /** Arms the deadline its transition recorded (`deadlineAt`, in the same assign as the rest of the change). */
    armDeadline: emit(({ context }) =>
      armTimer("deadline", holdDeadline(context), { type: "DEADLINE" as const, attempt: context.attempt }),
    ),
    clearDeadline: emit(clearTimer("deadline")),
    recordCompletion: assign(({ event }) => {
      assertEvent(event, "COMPLETE")
      return { result: event.result ?? null, progress: 1, finishedAt: event.at, updatedAt: event.at }
    }),
    recordFailure: assign(({ event }) => {
      assertEvent(event, "FAIL")
      return { error: event.error ?? null, updatedAt: event.at }
    }),
    markFinished: assign(({ event }) => ({ finishedAt: event.at, updatedAt: event.at })),
    /** An assignment that timed out or was taken back before its start still spends its attempt: timeouts end, and
     * the next run has a number of its own. */
    spendAttempt: assign(({ context }) => ({ attempt: currentAttempt(context) })),
    /** The holding agent is told its attempt is taken away: from now on its reports about this task must name their attempt. */
    rememberTakenFrom: assign(({ context }) =>
      context.agentId === null || context.takenFrom.includes(context.agentId) ? {} : { takenFrom: [...context.takenFrom, context.agentId] },
    ),
    recordTimeout: assign(({ event }) => ({ error: "timed out", updatedAt: event.at })),
    scheduleRetry: enqueueActions(({ context, event, enqueue }) => {
      const fireAt = event.at + backoffMs(context.id, context.attempt - context.attemptsBefore)
      enqueue.assign({ retryAt: fireAt })
      enqueue.emit(armTimer("retry", fireAt, { type: "RETRY_DUE" as const, attempt: context.attempt }))
    }),
    clearRetry: emit(clearTimer("retry")),
    release: emit(({ context }, params: { outcome: TaskReleaseOutcome }) => ({
      type: "task.released" as const,
      agentId: holder(context),
      outcome: params.outcome,
    })),
    recordCancel: assign(({ event }) => {
      assertEvent(event, ["CANCEL", "SESSION_CANCEL"])
      return { cancelReason: event.reason, finishedAt: event.at, updatedAt: event.at }
    }),
    /** Tells the holding agent, if any, to stop working on the task. */
    announceCancel: emit(({ context, event }) => {
      assertEvent(event, ["CANCEL", "SESSION_CANCEL"])
      return HELD_STATUSES.has(context.status)
        ? { type: "task.cancelled" as const, agentId: holder(context), attempt: currentAttempt(context), reason: event.reason }
        : { type: "task.cancelled" as const, reason: event.reason }
    }),
    announceTimeout: emit(({ context }) => ({
      type: "task.cancelled" as const,
      agentId: holder(context),
      attempt: currentAttempt(context),
      reason: "timed_out",
    })),
    announceLoss: emit(({ context, event }) => {
      assertEvent(event, ["AGENT_LOST", "AGENT_DRAINING"])
      const reason: LossReason = event.type === "AGENT_DRAINING" ? "agent_draining" : (event.reason ?? "heartbeat_expired")
      return { type: "task.cancelled" as const, agentId: holder(context), attempt: currentAttempt(context), reason }
    }),
    resetForRetry: assign(({ context, event }) => ({ ...FRESH_RUN, attemptsBefore: context.attempt, updatedAt: event.at })),
    purge: emit(purge),
    refuseAssignment: emit(({ event }) => {
      assertEvent(event, "ASSIGN")
      return { type: "task.assign_refused" as const, agentId: event.agentId }
    }),
    rejectConflict: emit(({ context, event }) => refuseInState("task", event.type, context.status)),
    rejectStaleAttempt: emit(({ context, event }) =>
      rejectCommand(
        event.type,
        context.status,
        "conflict",
        `attempt ${"attempt" in event ? String(event.attempt) : "?"} is over: the task runs attempt ${currentAttempt(context)}`,
      ),
    ),
    rejectUnnamedAttempt: emit(({ context, event }) =>
      rejectCommand(
        event.type,
        context.status,
        "conflict",
        `name the attempt: an earlier attempt of this task was taken from this agent (the task runs attempt ${currentAttempt(context)})`,
      ),
    ),
    rejectForbidden: emit(({ context, event }) =>
      rejectCommand(event.type, context.status, "forbidden", "the task is assigned to another agent"),
    ),
  },
}).createMachine({
  id: "task",
  // One literal, FRESH_RUN's members written out first (tests/unit/machines/task/context-shape.test.ts holds them to
  // FRESH_RUN), returned as its spread copy. Both for V8 (Node 20), measured: members written after a spread are
  // added through its slow path (about 2 µs each, 27 here, at every task's creation), and XState copies the
  // context at every `assign` with Object.assign, which turns an object literal of this many members into a
  // dictionary-mode object (each later copy and its JSON several times slower) but keeps a spread copy's form.
  context: ({ input }) => {
    const context: TaskContext = {
      agentId: null,
      firstStartedAt: null,
      progress: 0,
      progressMessage: null,
      result: null,
      error: null,
      cancelReason: null,
      deadlineAt: null,
      retryAt: null,
      readyAt: null,
      assignedAt: null,
      claimedAt: null,
      startedAt: null,
      finishedAt: null,
      attempt: 0,
      attemptsBefore: 0,
      takenFrom: [],
      refuseAssignFrom: null,
      id: input.id,
      sessionId: input.sessionId ?? null,
      index: input.index ?? null,
      key: input.key ?? null,
      title: input.title,
      capability: input.capability,
      payload: input.payload ?? null,
      dependsOn: [...new Set(input.dependsOn)],
      dependants: [...new Set(input.dependants ?? [])],
      dependenciesDone: [],
      held: input.blocked,
      epoch: input.epoch ?? 0,
      finishedEpoch: null,
      timeoutS: input.timeoutS ?? 300,
      maxAttempts: input.maxAttempts ?? 3,
      priority: input.priority ?? 2,
      group: input.group ?? null,
      requiresApproval: input.requiresApproval ?? false,
      approvalTimeoutS: input.approvalTimeoutS ?? null,
      approvedAt: null,
      approvalDeadlineAt: null,
      status: "blocked",
      createdAt: input.at,
      updatedAt: input.at,
    }
    return { ...context }
  },
  initial: "blocked",
  on: {
    ASSIGN: { actions: "refuseAssignment" },
    // Timers that fire for an attempt that is over are ignored on purpose, without a refusal.
    DEADLINE: {},
    RETRY_DUE: {},
    APPROVAL_TIMEOUT: {},
    // The agent's list of held tasks may be older than the task: a drain that finds it elsewhere changes nothing.
    AGENT_DRAINING: {},
    SESSION_RUN: [
      { guard: "isRerun", target: ".blocked", actions: ["adoptEpoch", "run", "resetForRetry"] },
      { actions: ["adoptEpoch", "run"], description: "released; a blocked task whose dependencies completed goes ready" },
    ],
    SESSION_HOLD: { actions: "hold" },
    SESSION_CANCEL: { actions: "adoptEpoch", description: "already finished: nothing to cancel" },
    DEPENDENCY_FINISHED: [
      { guard: and([stateIn("blocked"), "isLostDependency"]), target: ".cancelled", actions: ["adoptEpoch", "recordDependencyLoss"] },
      { actions: ["adoptEpoch", "recordDependency"] },
    ],
    "*": { actions: "rejectConflict" },
  },
  states: {
    blocked: {
      entry: [{ type: "enter", params: { status: "blocked" } }, "refuseIntakeGift"],
      always: [
        { guard: and(["canRun", "needsApproval"]), target: "awaiting_approval" },
        {
          guard: and(["canRun", "isGivenAtIntake"]),
          target: "assigned",
          actions: ["markReady", "recordIntakeAssignment", "armDeadline", "announceAssignment"],
          description: "created with a free slot waiting for its capability: assigned at once",
        },
        { guard: "canRun", target: "ready", actions: "markReady" },
      ],
      on: { ADD_DEPENDENCIES: { actions: "addDependencies" }, ...cancellable(["recordCancel", "announceCancel"]) },
    },
    awaiting_approval: {
      entry: [{ type: "enter", params: { status: "awaiting_approval" } }, "armApproval"],
      on: {
        APPROVE: [
          {
            guard: "isHeld",
            target: "blocked",
            actions: ["clearApproval", "recordApproval"],
            description: "approved while its session holds it: waits for the session",
          },
          { target: "ready", actions: ["clearApproval", "recordApproval", "markReady"] },
        ],
        REJECT: { target: "cancelled", actions: ["clearApproval", "recordRejection"] },
        APPROVAL_TIMEOUT: [
          { guard: "isApprovalDue", target: "cancelled", actions: ["clearApproval", "recordRejection"] },
          { description: "a timer of an earlier wait: ignored" },
        ],
        ...cancellable(["clearApproval", "recordCancel", "announceCancel"]),
      },
    },
    ready: {
      entry: [{ type: "enter", params: { status: "ready" } }, "announceReady"],
      on: {
        ASSIGN: [
          {
            guard: "isFromAgentThatLeft",
            actions: ["refuseAssignment", "forgetAgentThatLeft", "announceReady"],
            description: "decided for an agent that left work before it came: refused, and the task routed again",
          },
          { target: "assigned", actions: ["recordAssignment", "armDeadline", "announceAssignment"] },
        ],
        // The router resolved a leaving agent's slot to this task while the ASSIGN it decided was on its way.
        AGENT_LOST: { actions: "rememberAgentThatLeft" },
        AGENT_DRAINING: { actions: "rememberAgentThatLeft" },
        ADD_DEPENDENCIES: { target: "blocked", actions: "addDependencies" },
        ...cancellable(["recordCancel", "announceCancel"]),
      },
    },
    assigned: {
      entry: { type: "enter", params: { status: "assigned" } },
      on: {
        CLAIM: [...REPORT_CHECKS, { actions: "recordClaim" }],
        START: [...REPORT_CHECKS, { target: "in_progress", actions: ["recordStart", "armDeadline"] }],
        AGENT_DRAINING: [
          { guard: "isOwnAgent", target: "ready", actions: TAKE_BACK },
          { description: "another agent's drain: nothing to do" },
        ],
        ...WHILE_HELD,
      },
    },
    in_progress: {
      entry: { type: "enter", params: { status: "in_progress" } },
      on: {
        PROGRESS: [...REPORT_CHECKS, { actions: ["recordProgress", "armDeadline"] }],
        COMPLETE: [
          ...REPORT_CHECKS,
          { target: "completed", actions: ["clearDeadline", "recordCompletion", { type: "release", params: { outcome: "completed" } }] },
        ],
        AGENT_DRAINING: { description: "started before the drain: it runs to its end" },
        FAIL: [
          ...REPORT_CHECKS,
          {
            guard: "hasAttemptsLeft",
            target: "retry_wait",
            actions: ["clearDeadline", "recordFailure", "scheduleRetry", { type: "release", params: { outcome: "failed" } }],
          },
          {
            target: "failed",
            actions: ["clearDeadline", "recordFailure", "markFinished", { type: "release", params: { outcome: "failed" } }],
          },
        ],
        ...WHILE_HELD,
      },
    },
    retry_wait: {
      entry: { type: "enter", params: { status: "retry_wait" } },
      on: {
        RETRY_DUE: { guard: "isCurrentRetry", target: "ready", actions: "markReady" },
        ...cancellable(["clearRetry", "recordCancel", "announceCancel"]),
      },
    },
    // Not `type: "final"`: a done XState actor drops every later event, so refusals (and ASSIGN's
    // task.assign_refused, which frees the agent's capacity) would silently vanish.
    completed: {
      entry: { type: "enter", params: { status: "completed" } },
      on: ERASE,
    },
    failed: {
      entry: { type: "enter", params: { status: "failed" } },
      on: { RETRY: { target: "blocked", actions: "resetForRetry" }, ...ERASE },
    },
    cancelled: {
      entry: { type: "enter", params: { status: "cancelled" } },
      on: { RETRY: { target: "blocked", actions: "resetForRetry" }, ...ERASE },
    },
    timed_out: {
      entry: { type: "enter", params: { status: "timed_out" } },
      on: { RETRY: { target: "blocked", actions: "resetForRetry" }, ...ERASE },
    },
  },
})
