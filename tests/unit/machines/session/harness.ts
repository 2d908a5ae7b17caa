// Test harness for the session machine: runs a session actor from input together with the task actors it
// creates, wired through the real bindings (actors/session.ts, actors/task.ts) as the runtime wires them (every
// command delivered in the order it was sent), so the DAG runs between the tasks and their reports reach the
// session. It returns the effects the session emits, drives tasks through statuses with the commands bots and
// timers send, and drives sessions into any of the 12 states.
import { createActor, type Actor, type SnapshotFrom } from "xstate"
import { sessionKind } from "../../../../actors/session.ts"
import { taskKind } from "../../../../actors/task.ts"
import { taskMachine, type TaskContext } from "../../../../machines/task.ts"
import type { TaskStatus } from "../../../../machines/task-statuses.ts"
import { sessionTaskId } from "../../../../machines/task-ids.ts"
import {
  sessionMachine,
  type SessionContext,
  type SessionEmitted,
  type SessionEvent,
  type SessionInput,
  type SessionState,
  type SessionTaskInput,
} from "../../../../machines/session.ts"
import type { Emitted, Output } from "../../../../src/runtime/actor-kind.ts"

export const T0 = 1_700_000_000_000
export const SESSION_ID = "9d3c6f0e-6a4b-4c8e-9f1d-2b7a5e3c1d00"
const AGENT = "agent-1"

/** A task of the session input, named by `key` (its input id is its key; its real id is derived from its index). */
export function task(key: string, dependsOn: string[] = []): SessionTaskInput {
  return { id: key, key, title: `Task ${key}`, capability: "code", dependsOn, spec: { payload: { step: key } } }
}

export function sessionInput(overrides: Partial<SessionInput> = {}): SessionInput {
  return { id: SESSION_ID, title: "Ship the parser", tasks: [task("a"), task("b")], at: T0, ...overrides }
}

export interface SessionHarness {
  /** Sends one event to the session, delivers what follows, and returns exactly the effects the session emitted meanwhile. */
  send(event: SessionEvent): SessionEmitted[]
  /** Drives task `key` through each status in turn (with the command a bot, timer or operator sends) and returns the session's effects. */
  report(key: string, ...statuses: TaskStatus[]): SessionEmitted[]
  state(): SessionState
  context(): SessionContext
  snapshot(): SnapshotFrom<typeof sessionMachine>
  /** XState's actor status ("active": the session's terminal states are not XState final states). */
  status(): string
  /** Each task's state, in the session's order (absent while its CREATE has not been delivered). */
  tasks(): string[]
  /** One task's context, by key. */
  taskContext(key: string): TaskContext
  /** The commands the session sent to its tasks, in order (type and target), since the last call. */
  sent(): Array<{ type: string; to: string; payload: Readonly<Record<string, unknown>> }>
  /** The clock of the next event; every call advances it by one second. */
  now(): number
}

type TaskActor = Actor<typeof taskMachine>

export function startSession(overrides: Partial<SessionInput> = {}): SessionHarness {
  const input = sessionInput(overrides)
  const keys = input.tasks.map((t) => t.key)
  const idOf = (key: string): string => {
    const index = keys.indexOf(key)
    if (index < 0) throw new Error(`no task ${key}`)
    return sessionTaskId(input.id, index)
  }
  const tasks = new Map<string, TaskActor>()
  const queue: Output[] = []
  /** Effects are turned into outputs after the step, with the context the step left (as the runtime does). */
  let unbound: Array<() => ReadonlyArray<Output>> = []
  const bind = (): void => {
    for (const outputs of unbound) queue.push(...outputs())
    unbound = []
  }
  let sessionEffects: SessionEmitted[] = []
  let sentToTasks: Array<{ type: string; to: string; payload: Readonly<Record<string, unknown>> }> = []
  let clock = T0

  const session = createActor(sessionMachine, { input })
  session.on("*", (effect) => {
    sessionEffects.push(effect)
    unbound.push(() => {
      const outputs = sessionKind.outputs(effect as Emitted, { id: input.id, context: session.getSnapshot().context })
      for (const output of outputs)
        if (output._tag === "send") sentToTasks.push({ type: output.type, to: output.to.id, payload: output.payload })
      return outputs
    })
  })
  const watch = (id: string, actor: TaskActor): TaskActor => {
    actor.on("*", (effect) => unbound.push(() => taskKind.outputs(effect as Emitted, { id, context: actor.getSnapshot().context })))
    return actor
  }
  const deliver = (): void => {
    for (bind(); queue.length > 0; bind()) {
      const output = queue.shift()
      if (output?._tag !== "send") continue
      const event = { type: output.type, ...output.payload, at: clock }
      if (output.to.kind === "session") session.send(event as SessionEvent)
      else if (output.type === "CREATE")
        tasks.set(output.to.id, watch(output.to.id, createActor(taskMachine, { input: event as never })).start())
      else tasks.get(output.to.id)?.send(event as never)
    }
  }
  const taskActor = (key: string): TaskActor => {
    const actor = tasks.get(idOf(key))
    if (!actor) throw new Error(`task ${key} was not created`)
    return actor
  }
  /** Makes the attempt in progress the task's last one or not, as a maxAttempts chosen so would (FAIL then fails for good or waits to retry). */
  const lastAttempt = (key: string, last: boolean): void => {
    const stored = taskActor(key).getPersistedSnapshot() as unknown as { context: TaskContext }
    const attempt = stored.context.attempt
    const snapshot = { ...stored, context: { ...stored.context, maxAttempts: last ? attempt : attempt + 1 } }
    const actor = createActor(taskMachine, { snapshot: snapshot as never, input: undefined as never })
    tasks.set(idOf(key), watch(idOf(key), actor).start())
  }
  const drive = (key: string, status: TaskStatus): void => {
    const { context } = taskActor(key).getSnapshot()
    const at = harness.now()
    const command = ((): Record<string, unknown> & { type: string } => {
      switch (status) {
        case "assigned":
          return { type: "ASSIGN", agentId: AGENT }
        // The bot names the attempt it reports on, as the SDK does (an agent a run was taken from must).
        case "in_progress":
          return { type: "START", agentId: AGENT, attempt: context.attempt + 1 }
        case "completed":
          return { type: "COMPLETE", agentId: AGENT, attempt: context.attempt }
        case "retry_wait":
        case "failed":
          lastAttempt(key, status === "failed")
          return { type: "FAIL", agentId: AGENT, attempt: context.attempt }
        case "timed_out":
          lastAttempt(key, true)
          return { type: "DEADLINE", attempt: context.attempt, at: Math.max(at, context.deadlineAt ?? at) }
        case "ready":
          return context.status === "retry_wait"
            ? { type: "RETRY_DUE", attempt: context.attempt, at: Math.max(at, context.retryAt ?? at) }
            : { type: "AGENT_LOST", agentId: AGENT }
        case "cancelled":
          return { type: "CANCEL", reason: "operator" }
        case "blocked":
          return { type: "RETRY" }
        case "awaiting_approval":
          throw new Error("the session tests do not drive approvals (tests/unit/machines/task/approval.test.ts does)")
      }
    })()
    taskActor(key).send({ at, ...command } as never)
    deliver()
    const reached = String(taskActor(key).getSnapshot().value)
    if (reached !== status) throw new Error(`task ${key}: ${command.type} led to ${reached}, not ${status}`)
  }

  session.start()
  deliver()
  const harness: SessionHarness = {
    send(event) {
      sessionEffects = []
      clock = Math.max(clock, event.at)
      session.send(event)
      const effects = sessionEffects
      deliver()
      return effects
    },
    report(key, ...statuses) {
      sessionEffects = []
      for (const status of statuses) drive(key, status)
      return sessionEffects
    },
    state: () => session.getSnapshot().value as SessionState,
    context: () => session.getSnapshot().context,
    snapshot: () => session.getSnapshot(),
    status: () => session.getSnapshot().status,
    tasks: () =>
      keys.flatMap((key) => {
        const actor = tasks.get(idOf(key))
        return actor ? [String(actor.getSnapshot().value)] : []
      }),
    taskContext: (key) => taskActor(key).getSnapshot().context,
    sent: () => {
      const sent = sentToTasks
      sentToTasks = []
      return sent
    },
    now: () => (clock += 1_000),
  }
  return harness
}

/** A task's statuses from ready to one finished attempt ending in `outcome`. */
export function attempt(outcome: TaskStatus): TaskStatus[] {
  return ["assigned", "in_progress", outcome]
}

/** Three failed attempts of task a, then a completed one: 4 ended attempts, health 0.25. */
export const DEGRADING_RUN: TaskStatus[] = [
  ...attempt("retry_wait"),
  "ready",
  ...attempt("retry_wait"),
  "ready",
  ...attempt("retry_wait"),
  "ready",
  ...attempt("completed"),
]

/** Events (after creation, with the default input of tasks a and b) that lead to each state. */
const ROUTES: Record<SessionState, (session: SessionHarness) => void> = {
  pending: () => {},
  queued: (s) => s.send({ type: "START", at: s.now() }),
  running: (s) => {
    s.send({ type: "START", at: s.now() })
    // queued until a task is assigned; the agent then loses it, so both tasks are ready again
    s.report("a", "assigned", "ready")
  },
  paused: (s) => {
    s.send({ type: "START", at: s.now() })
    s.send({ type: "PAUSE", at: s.now() })
  },
  completed: (s) => {
    s.send({ type: "START", at: s.now() })
    s.report("a", ...attempt("completed"))
    s.report("b", ...attempt("completed"))
  },
  partially_completed: (s) => {
    s.send({ type: "START", at: s.now() })
    s.report("a", ...attempt("completed"))
    s.report("b", ...attempt("failed"))
  },
  failed: (s) => {
    s.send({ type: "START", at: s.now() })
    s.send({ type: "FAIL", reason: "operator gave up", at: s.now() })
  },
  timeout: (s) => {
    s.send({ type: "START", at: s.now() })
    s.send({ type: "TIMEOUT", seq: 1, at: s.now() })
  },
  stopped: (s) => {
    s.send({ type: "START", at: s.now() })
    s.send({ type: "STOP", at: s.now() })
  },
  cancelled: (s) => s.send({ type: "CANCEL", at: s.now() }),
  orphaned: (s) => s.send({ type: "ORPHAN", at: s.now() }),
  degraded: (s) => {
    s.send({ type: "START", at: s.now() })
    s.report("a", ...DEGRADING_RUN)
  },
}

/** A session (tasks a and b, 60 s timeout unless overridden) driven into `state`. */
export function sessionIn(state: SessionState, overrides: Partial<SessionInput> = {}): SessionHarness {
  const session = startSession({ timeoutS: 60, ...overrides })
  ROUTES[state](session)
  if (session.state() !== state) throw new Error(`route to ${state} ended in ${session.state()}`)
  return session
}

export const LIVE_STATES = ["pending", "queued", "running", "paused", "failed", "timeout", "degraded"] as const satisfies SessionState[]
export type LiveState = (typeof LIVE_STATES)[number]
export const FINAL_STATES: SessionState[] = ["completed", "partially_completed", "stopped", "cancelled", "orphaned"]

/** Only the effects of one type, e.g. `ofType(effects, "session.cancel_tasks")`. */
export function ofType<T extends SessionEmitted["type"]>(effects: SessionEmitted[], type: T): Extract<SessionEmitted, { type: T }>[] {
  return effects.filter((effect): effect is Extract<SessionEmitted, { type: T }> => effect.type === type)
}
