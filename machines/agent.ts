// Agent machine: one bot's presence (heartbeats), reservation capacity and circuit breaker. Pure; contract in docs/machines.md.
import { assertEvent, assign, emit, enqueueActions, setup, stateIn } from "xstate"
import { armTimer, clearTimer, refuseInState, type CommonEffect } from "./effects.ts"

/** Heartbeat intervals an agent may miss before it goes offline (PROTOCOL: `3 × heartbeat_interval_ms`). */
export const HEARTBEAT_MISSES = 3
/** The name of the timer that takes an agent offline when no heartbeat pushed it back (the edge pushes it back too:
 * src/edge/sockets/heartbeats.ts). */
export const HEARTBEAT_TIMER = "heartbeat"
/** The outcomes the breaker judges by, when it opens, and for how long by default (an agent's `breakerCooldownMs`,
 * which its registration sets from the deployment's CLAWBOT_BREAKER_COOLDOWN_MS). */
export const BREAKER = { window: 10, minOutcomes: 5, minSuccessRate: 0.3, cooldownMs: 30_000 } as const

/** The states an agent leaves; `deregistered` is final. */
const PRESENCE_STATES = ["offline", "online", "busy", "draining"] as const
type AgentState = (typeof PRESENCE_STATES)[number] | "deregistered"

export type BreakerState = "closed" | "open" | "half_open"
export type ReportedStatus = "healthy" | "degraded" | "busy"
/** How a reserved task ended for this agent (the task's `task.released` outcome). */
export type ReleaseOutcome = "completed" | "failed" | "cancelled" | "timed_out" | "lost"
/** Why an agent's tasks are taken from it. */
export type LossReason = "heartbeat_expired" | "deregistered"
export type ReserveRefusal = "offline" | "draining" | "no_capacity" | "breaker_open" | "deregistered"

export interface AgentInput {
  id: string
  name: string
  capabilities: readonly string[]
  type?: string
  maxConcurrency?: number
  metadata?: Record<string, unknown>
  /** Key/value labels it registers with (`GET /agents?label=`), never changed after. */
  labels?: Readonly<Record<string, string>>
  heartbeatIntervalMs?: number
  /** How long its breaker stays open before it half-opens (default `BREAKER.cooldownMs`). */
  breakerCooldownMs?: number
  at: number
}

export interface AgentContext {
  id: string
  name: string
  capabilities: readonly string[]
  type: string | null
  maxConcurrency: number
  metadata: Record<string, unknown>
  /** Absent when it registered with none. */
  labels?: Readonly<Record<string, string>>
  heartbeatIntervalMs: number
  createdAt: number
  /** Its held slots, each named by the task it was reserved for (RESERVE, or a RELEASE's next task) or given to (a
   * wake's straight give: GIVEN). The router may have transferred a slot since, from a completed task to a next one,
   * without telling the agent (its count is the same); a RELEASE names the slot it frees, and a loss or drain reaches
   * the tasks holding them now through the router (docs/machines.md). */
  inflight: string[]
  /** Slots given straight by the router that a RELEASE freed before the GIVEN telling of them arrived (two
   * partitions' appends race): that GIVEN then adds nothing. The last `UNHEARD_KEPT` at most. */
  unheard: string[]
  /** inflight / maxConcurrency, or the load the bot last reported. */
  load: number
  reportedStatus: ReportedStatus | null
  lastHeartbeatAt: number | null
  /** Its last control socket's CONNECT; null until its first one (an HTTP heartbeat does not count). */
  lastConnectedAt: number | null
  /** Bumped at every heartbeat arm; an expiry carrying an older seq is stale. */
  heartbeatSeq: number
  successes: number
  failures: number
  /** The last `BREAKER.window` outcomes, oldest first (true = completed). */
  recent: boolean[]
  breaker: BreakerState
  breakerOpenedAt: number | null
  /** How long its breaker stays open before it half-opens and admits one probe. */
  breakerCooldownMs: number
  /** The one task a half-open breaker let through; its outcome closes or re-opens the breaker. */
  probeTaskId: string | null
}

export type AgentEvent =
  | { type: "CONNECT"; at: number }
  | { type: "HEARTBEAT"; at: number; load?: number; status?: ReportedStatus }
  | { type: "HEARTBEAT_EXPIRED"; at: number; seq: number }
  | { type: "DISCONNECT"; at: number }
  | { type: "RESERVE"; at: number; taskId: string }
  /** Free slots the router gave straight to tasks (a wake), each named by its task: held from now on. */
  | { type: "GIVEN"; at: number; taskIds: readonly string[] }
  /** A held task given back: `slot` the slot it held (absent: the one named by `taskId`), `successesBefore` the tasks
   * completed on slots the router transferred since the last RELEASE (counted before this one's outcome); `told`: its
   * slot was given straight, told by a GIVEN which may arrive after this one (the slot is then freed before it is heard
   * of: `unheard`); `nextTaskId` (with the task's routing facts): the ready task the router took for
   * this agent's freed slot, reserved in the same step when the agent can take it (docs/machines.md). */
  | ({
      type: "RELEASE"
      at: number
      taskId: string
      outcome: ReleaseOutcome
      slot?: string
      successesBefore?: number
      told?: boolean
    } & NextTaskFields)
  | { type: "DRAIN"; at: number }
  | { type: "UNDRAIN"; at: number }
  | { type: "BREAKER_COOLDOWN"; at: number; openedAt: number }
  | { type: "DEREGISTER"; at: number }

/** A ready task's routing facts as a RELEASE carries them, flat (its payload keeps a plain check): a refusal puts
 * the task back in its queue with them. All absent: no next task. */
export interface NextTaskFields {
  nextTaskId?: string
  nextCapability?: string
  nextPriority?: number
  nextGroup?: string
  nextSince?: number
}

/** The routing facts of a refused next task (`agent.reserve_refused`), for its queue. */
export type NextTaskFacts = Omit<NextTaskFields, "nextTaskId">

type ReleaseEvent = Extract<AgentEvent, { type: "RELEASE" }>
/** The events the agent's durable timers deliver (without `at`, which the runtime stamps). */
export type AgentTimerEvent = { type: "HEARTBEAT_EXPIRED"; seq: number } | { type: "BREAKER_COOLDOWN"; openedAt: number }

export type AgentEmitted =
  | CommonEffect<AgentTimerEvent>
  | { type: "agent.reserved"; taskId: string }
  /** `next`: the refused task came with a RELEASE, with its routing facts. */
  | { type: "agent.reserve_refused"; taskId: string; reason: ReserveRefusal; next?: NextTaskFacts }
  /** Its free slots (0: it takes nothing now, its breaker refusing work). */
  | { type: "agent.capacity"; free: number }
  /** Its tasks are taken from it (`reason` goes to each task, then to the bot in `task_cancelled`). */
  | { type: "agent.lost"; taskIds: string[]; reason: LossReason }
  /** It drains: each held task not started yet goes back to ready. */
  | { type: "agent.draining"; taskIds: string[] }

/** Reservation slots left. */
export function freeCapacity(context: { readonly maxConcurrency: number; readonly inflight: ReadonlyArray<string> }): number {
  return Math.max(0, context.maxConcurrency - context.inflight.length)
}

/** Share of completed tasks among the recent outcomes; 1 for an agent with no recent outcome yet. */
export function successRate(context: { readonly recent: ReadonlyArray<boolean> }): number {
  if (context.recent.length === 0) return 1
  return context.recent.filter(Boolean).length / context.recent.length
}

/** Whether the breaker lets a new reservation through (half-open admits one at a time). */
function breakerAdmits(context: AgentContext): boolean {
  return context.breaker === "closed" || (context.breaker === "half_open" && context.probeTaskId === null)
}

function loadOf(context: AgentContext, inflight: string[]): number {
  return inflight.length / context.maxConcurrency
}

/** What an outcome says about the agent: a success, a failure, or nothing (the task was cancelled or lost). */
const VERDICT: Record<ReleaseOutcome, boolean | null> = {
  completed: true,
  failed: false,
  timed_out: false,
  cancelled: null,
  lost: null,
}

/** The slot a RELEASE frees. */
function slotOf(event: ReleaseEvent): string {
  return event.slot ?? event.taskId
}

/** Slots freed before they were heard of, kept at most (a tell that never comes, after a loss, leaves one behind). */
const UNHEARD_KEPT = 64

/** The context with the slots a GIVEN names (given straight by the router) held, its load with them; a slot already
 * freed (`unheard`: its RELEASE came first) is not added but forgotten there. */
function heard(context: AgentContext, given: readonly string[]): AgentContext {
  const fresh = given.filter((slot) => !context.inflight.includes(slot))
  if (fresh.length === 0) return context
  const unheard = context.unheard ?? []
  const added = fresh.filter((slot) => !unheard.includes(slot))
  const inflight = added.length === 0 ? context.inflight : [...context.inflight, ...added]
  const left = added.length === fresh.length ? unheard : unheard.filter((slot) => !fresh.includes(slot))
  return { ...context, inflight, load: loadOf(context, inflight), unheard: left }
}

/** The context with `count` more successes (tasks completed on transferred slots): counted, in the breaker's window. */
function withSuccesses(context: AgentContext, count: number): AgentContext {
  if (count === 0) return context
  const recent = [...context.recent, ...Array.from({ length: Math.min(count, BREAKER.window) }, () => true)]
  return { ...context, successes: context.successes + count, recent: recent.slice(-BREAKER.window) }
}

/** The context after `event` releases a held slot: the successes before it counted, capacity freed, outcome counted,
 * breaker moved. */
function released(before: AgentContext, event: ReleaseEvent): AgentContext {
  const context = withSuccesses(before, event.successesBefore ?? 0)
  const slot = slotOf(event)
  const inflight = context.inflight.filter((id) => id !== slot)
  const isProbe = context.probeTaskId === slot
  const freed = { ...context, inflight, load: loadOf(context, inflight), probeTaskId: isProbe ? null : context.probeTaskId }
  // A slot given straight whose tell is still on its way: freed now, so that tell adds nothing.
  if (inflight.length === context.inflight.length && event.told === true)
    freed.unheard = [...(context.unheard ?? []), slot].slice(-UNHEARD_KEPT)
  const success = VERDICT[event.outcome]
  if (success === null) return freed
  const counted = {
    ...freed,
    successes: context.successes + (success ? 1 : 0),
    failures: context.failures + (success ? 0 : 1),
    recent: [...context.recent, success].slice(-BREAKER.window),
  }
  if (isProbe) {
    // The probe decides: success closes the breaker and starts a fresh window with it, failure re-opens it.
    return success
      ? { ...counted, breaker: "closed", breakerOpenedAt: null, recent: [true] }
      : { ...counted, breaker: "open", breakerOpenedAt: event.at }
  }
  const tripped =
    context.breaker === "closed" && counted.recent.length >= BREAKER.minOutcomes && successRate(counted) < BREAKER.minSuccessRate
  return tripped ? { ...counted, breaker: "open", breakerOpenedAt: event.at } : counted
}

/** The facts a RELEASE carries about its next task (undefined members left out). */
function nextFacts(event: ReleaseEvent): NextTaskFacts {
  const facts: NextTaskFacts = {}
  if (event.nextCapability !== undefined) facts.nextCapability = event.nextCapability
  if (event.nextPriority !== undefined) facts.nextPriority = event.nextPriority
  if (event.nextGroup !== undefined) facts.nextGroup = event.nextGroup
  if (event.nextSince !== undefined) facts.nextSince = event.nextSince
  return facts
}

/** A RELEASE's next task refused for `reason`, with its facts (its queue takes it back); none without a next task. */
function refusedNext(event: ReleaseEvent, reason: ReserveRefusal): AgentEmitted[] {
  return event.nextTaskId === undefined ? [] : [{ type: "agent.reserve_refused", taskId: event.nextTaskId, reason, next: nextFacts(event) }]
}

/** Why an agent that takes work (online, busy) refuses a reservation now, or null when it takes it (a RESERVE's
 * guard and a RELEASE's next task both ask it). */
function refusalNow(context: AgentContext): ReserveRefusal | null {
  if (freeCapacity(context) === 0) return "no_capacity"
  return breakerAdmits(context) ? null : "breaker_open"
}

/** The context after `taskId` is reserved (a half-open breaker's reservation is its probe). */
function reservedOn(context: AgentContext, taskId: string): Partial<AgentContext> {
  const inflight = [...context.inflight, taskId]
  return {
    inflight,
    load: loadOf(context, inflight),
    probeTaskId: context.breaker === "half_open" ? taskId : context.probeTaskId,
  }
}

/**
 * A deregistered agent is a final (done) actor that receives no more events; the runtime answers
 * events sent to it with these effects: a reservation is refused, late timers, releases and GIVENs are
 * ignored, anything else is a conflict.
 */
export function deregisteredEffects(event: AgentEvent): AgentEmitted[] {
  switch (event.type) {
    case "RESERVE":
      return [{ type: "agent.reserve_refused", taskId: event.taskId, reason: "deregistered" }]
    case "RELEASE":
      return refusedNext(event, "deregistered")
    case "HEARTBEAT_EXPIRED":
    case "BREAKER_COOLDOWN":
    case "GIVEN":
      return []
    default:
      return [refuseInState("agent", event.type, "deregistered")]
  }
}

const LATE_TIMER = "late timer (an older seq or opening): ignored"
const NOT_HELD = "task not held (already released or lost): nothing to free"

/** Transitions online, busy and draining share: heartbeats keep them, an expiry (tasks given back) or a disconnect (tasks kept until the expiry) takes them offline. */
const connected = {
  HEARTBEAT: { actions: ["beat", "recordReport", "armHeartbeat"] },
  // A socket opened by an agent already online through HTTP heartbeats.
  CONNECT: { actions: ["beat", "recordConnection", "armHeartbeat"] },
  HEARTBEAT_EXPIRED: [
    {
      guard: "isCurrentHeartbeat",
      target: "offline",
      actions: [{ type: "reportLost", params: { reason: "heartbeat_expired" } }, "dropInflight"],
    },
    { description: LATE_TIMER },
  ],
  // A dropped socket keeps its tasks and its armed heartbeat: a bot that reconnects in time
  // resumes them; the expiry gives them back (see offline).
  DISCONNECT: { target: "offline" },
  GIVEN: { actions: "hear" },
} as const
/** A RESERVE for a task already held is confirmed again, never counted twice. */
const reaffirm = { guard: "holdsTask", actions: "confirmReservation", description: "duplicate: confirmed again" } as const
/** The breaker cool-down where no capacity is announced (offline, draining). */
const cooldown = [{ guard: "isCurrentCooldown", actions: "halfOpenBreaker" }, { description: LATE_TIMER }] as const

/** What a new agent has not had yet: no report, heartbeat, connection, outcome or breaker opening.
 * Every value means "nothing yet", so a stored agent leaves them out (actors/agent.ts). */
export const NOTHING_YET = {
  reportedStatus: null,
  lastHeartbeatAt: null,
  lastConnectedAt: null,
  heartbeatSeq: 0,
  successes: 0,
  failures: 0,
  breakerOpenedAt: null,
  probeTaskId: null,
} satisfies Partial<AgentContext>

export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as AgentInput,
    emitted: {} as AgentEmitted,
  },
  guards: {
    holdsTask: ({ context, event }) => {
      assertEvent(event, ["RESERVE", "RELEASE"])
      if (event.type === "RESERVE") return context.inflight.includes(event.taskId)
      // Held, or given straight and told by a GIVEN still on its way.
      return context.inflight.includes(slotOf(event)) || event.told === true
    },
    canTakeTask: ({ context }) => refusalNow(context) === null,
    isFull: ({ context }) => freeCapacity(context) === 0,
    hasNext: ({ event }) => {
      assertEvent(event, "RELEASE")
      return event.nextTaskId !== undefined
    },
    hasFreeCapacity: ({ context }) => freeCapacity(context) > 0,
    isCurrentHeartbeat: ({ context, event }) => {
      assertEvent(event, "HEARTBEAT_EXPIRED")
      return event.seq === context.heartbeatSeq
    },
    isCurrentCooldown: ({ context, event }) => {
      assertEvent(event, "BREAKER_COOLDOWN")
      return context.breaker === "open" && event.openedAt === context.breakerOpenedAt
    },
  },
  actions: {
    beat: assign(({ context, event }) => ({ lastHeartbeatAt: event.at, heartbeatSeq: context.heartbeatSeq + 1 })),
    recordReport: assign(({ context, event }) => {
      assertEvent(event, "HEARTBEAT")
      return { load: event.load ?? context.load, reportedStatus: event.status ?? context.reportedStatus }
    }),
    armHeartbeat: emit(({ context, event }) =>
      armTimer<AgentTimerEvent>(HEARTBEAT_TIMER, event.at + HEARTBEAT_MISSES * context.heartbeatIntervalMs, {
        type: "HEARTBEAT_EXPIRED",
        seq: context.heartbeatSeq,
      }),
    ),
    clearHeartbeat: emit(() => clearTimer(HEARTBEAT_TIMER)),
    clearBreaker: emit(() => clearTimer("breaker")),
    reportLost: emit(({ context }, params: { reason: LossReason }) => ({
      type: "agent.lost" as const,
      taskIds: context.inflight,
      reason: params.reason,
    })),
    reportDraining: emit(({ context }) => ({ type: "agent.draining" as const, taskIds: context.inflight })),
    recordConnection: assign(({ event }) => ({ lastConnectedAt: event.at })),
    dropInflight: assign({ inflight: [], load: 0, probeTaskId: null }),
    hear: assign(({ context, event }) => {
      assertEvent(event, "GIVEN")
      return heard(context, event.taskIds)
    }),
    reserve: assign(({ context, event }) => {
      assertEvent(event, "RESERVE")
      return reservedOn(context, event.taskId)
    }),
    confirmReservation: emit(({ event }) => {
      assertEvent(event, "RESERVE")
      return { type: "agent.reserved" as const, taskId: event.taskId }
    }),
    refuseReservation: emit(({ event }, params: { reason: ReserveRefusal }) => {
      assertEvent(event, "RESERVE")
      return { type: "agent.reserve_refused" as const, taskId: event.taskId, reason: params.reason }
    }),
    release: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "RELEASE")
      const next = released(context, event)
      enqueue.assign(next)
      if (next.breaker === "open" && context.breaker !== "open" && next.breakerOpenedAt !== null) {
        enqueue.emit(
          armTimer<AgentTimerEvent>("breaker", next.breakerOpenedAt + context.breakerCooldownMs, {
            type: "BREAKER_COOLDOWN",
            openedAt: next.breakerOpenedAt,
          }),
        )
      }
    }),
    /** After a RELEASE in online or busy: its next task reserved when the agent can take it (as RESERVE would be:
     * capacity, the breaker admitting; half-open, it is the probe), refused with the reason otherwise. */
    takeNext: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "RELEASE")
      const taskId = event.nextTaskId
      if (taskId === undefined) return
      if (context.inflight.includes(taskId)) {
        // Already held (a repeated proposal): confirmed again, never counted twice.
        enqueue.emit({ type: "agent.reserved", taskId })
        return
      }
      const refusal = refusalNow(context)
      if (refusal !== null) {
        for (const refused of refusedNext(event, refusal)) enqueue.emit(refused)
        return
      }
      enqueue.assign(reservedOn(context, taskId))
      enqueue.emit({ type: "agent.reserved", taskId })
    }),
    /** After a RELEASE where the agent takes no work (offline, draining): its next task refused with `reason`. */
    refuseNext: enqueueActions(({ event, enqueue }, params: { reason: ReserveRefusal }) => {
      assertEvent(event, "RELEASE")
      for (const refused of refusedNext(event, params.reason)) enqueue.emit(refused)
    }),
    halfOpenBreaker: assign({ breaker: "half_open" as const }),
    /** Tells the router how much work this online agent can take now: its free slots, or 0 while its breaker
     * refuses work (the router then forgets it as idle, so it is never woken for a task it would refuse). */
    announceCapacity: enqueueActions(({ context, enqueue }) => {
      const free = breakerAdmits(context) ? freeCapacity(context) : 0
      if (free > 0 || !breakerAdmits(context)) enqueue.emit({ type: "agent.capacity", free })
    }),
    /** A half-open breaker's probe just went out: no free slot until its outcome (the router forgets it as idle). */
    awaitProbe: enqueueActions(({ context, enqueue }) => {
      if (context.breaker === "half_open" && context.probeTaskId !== null) enqueue.emit({ type: "agent.capacity", free: 0 })
    }),
    rejectCommand: emit(({ event }, params: { state: AgentState }) => refuseInState("agent", event.type, params.state)),
  },
}).createMachine({
  id: "agent",
  initial: "offline",
  context: ({ input }) => ({
    id: input.id,
    name: input.name,
    capabilities: input.capabilities,
    type: input.type ?? null,
    maxConcurrency: input.maxConcurrency ?? 1,
    metadata: input.metadata ?? {},
    ...(input.labels === undefined || Object.keys(input.labels).length === 0 ? {} : { labels: input.labels }),
    heartbeatIntervalMs: input.heartbeatIntervalMs ?? 10_000,
    breakerCooldownMs: input.breakerCooldownMs ?? BREAKER.cooldownMs,
    createdAt: input.at,
    ...NOTHING_YET,
    inflight: [],
    unheard: [],
    load: 0,
    recent: [],
    breaker: "closed",
  }),
  on: {
    DEREGISTER: {
      target: ".deregistered",
      actions: [{ type: "reportLost", params: { reason: "deregistered" } }, "clearHeartbeat", "clearBreaker"],
    },
    "*": PRESENCE_STATES.map((state) => ({
      guard: stateIn(state),
      actions: { type: "rejectCommand" as const, params: { state } },
      description: "not accepted in this state: command.rejected (conflict)",
    })),
  },
  states: {
    offline: {
      on: {
        CONNECT: { target: "online", actions: ["beat", "recordConnection", "armHeartbeat"] },
        HEARTBEAT: { target: "online", actions: ["beat", "recordReport", "armHeartbeat"] },
        HEARTBEAT_EXPIRED: [
          {
            guard: "isCurrentHeartbeat",
            actions: [{ type: "reportLost", params: { reason: "heartbeat_expired" } }, "dropInflight"],
            description: "disconnected and not back in time: its tasks go back",
          },
          { description: LATE_TIMER },
        ],
        RESERVE: { actions: { type: "refuseReservation", params: { reason: "offline" } } },
        // Given before its socket dropped (or its loss): held, so a bot back in time counts it; the loss resolves it.
        GIVEN: { actions: "hear" },
        RELEASE: [
          { guard: "holdsTask", actions: ["release", { type: "refuseNext", params: { reason: "offline" } }] },
          { actions: { type: "refuseNext", params: { reason: "offline" } }, description: NOT_HELD },
        ],
        BREAKER_COOLDOWN: cooldown,
      },
    },
    online: {
      entry: "announceCapacity",
      always: { guard: "isFull", target: "busy" },
      on: {
        ...connected,
        RESERVE: [
          reaffirm,
          { guard: "canTakeTask", actions: ["reserve", "confirmReservation", "awaitProbe"] },
          { actions: { type: "refuseReservation", params: { reason: "breaker_open" } } },
        ],
        // Its next task (if any) taken before capacity is announced, once, for both.
        RELEASE: [
          { guard: "holdsTask", actions: ["release", "takeNext", "announceCapacity"] },
          { guard: "hasNext", actions: ["takeNext", "awaitProbe"], description: `${NOT_HELD}; its next task considered (as a RESERVE)` },
          { description: NOT_HELD },
        ],
        DRAIN: { target: "draining", actions: "reportDraining" },
        BREAKER_COOLDOWN: [{ guard: "isCurrentCooldown", actions: ["halfOpenBreaker", "announceCapacity"] }, { description: LATE_TIMER }],
      },
    },
    busy: {
      always: { guard: "hasFreeCapacity", target: "online" },
      on: {
        ...connected,
        RESERVE: [reaffirm, { actions: { type: "refuseReservation", params: { reason: "no_capacity" } } }],
        // A slot freed and taken again by its next task: still busy (no capacity to announce).
        RELEASE: [
          { guard: "holdsTask", actions: ["release", "takeNext"] },
          { actions: "takeNext", description: `${NOT_HELD}; its next task considered (refused: no capacity)` },
        ],
        DRAIN: { target: "draining", actions: "reportDraining" },
        BREAKER_COOLDOWN: {
          description: "never open while busy (it opens on a release, which frees a slot): a late timer, ignored",
        },
      },
    },
    draining: {
      on: {
        ...connected,
        RESERVE: [reaffirm, { actions: { type: "refuseReservation", params: { reason: "draining" } } }],
        RELEASE: [
          { guard: "holdsTask", actions: ["release", { type: "refuseNext", params: { reason: "draining" } }] },
          { actions: { type: "refuseNext", params: { reason: "draining" } }, description: NOT_HELD },
        ],
        UNDRAIN: { target: "online" },
        BREAKER_COOLDOWN: cooldown,
      },
    },
    deregistered: { type: "final" },
  },
})
