// Test harness for the session machine: runs an actor from input, returns the effects each event emits,
// and drives sessions into any of the 12 states or tasks through their statuses.
import { createActor, type SnapshotFrom } from "xstate"
import type { TaskStatus } from "../../../../machines/task.ts"
import {
  sessionMachine,
  type SessionContext,
  type SessionEmitted,
  type SessionEvent,
  type SessionInput,
  type SessionState,
  type SessionTaskInput,
} from "../../../../machines/session.ts"

export const T0 = 1_700_000_000_000

export function task(id: string, dependsOn: string[] = []): SessionTaskInput {
  return { id, key: `key-${id}`, title: `Task ${id}`, capability: "code", dependsOn, spec: { step: id } }
}

export function sessionInput(overrides: Partial<SessionInput> = {}): SessionInput {
  return { id: "session-1", title: "Ship the parser", tasks: [task("a"), task("b")], at: T0, ...overrides }
}

export interface SessionHarness {
  /** Sends one event and returns exactly the effects it emitted. */
  send(event: SessionEvent): SessionEmitted[]
  /** Reports each status of `taskId` in turn (one TASK_STATUS per status) and returns all effects. */
  report(taskId: string, ...statuses: TaskStatus[]): SessionEmitted[]
  state(): SessionState
  context(): SessionContext
  snapshot(): SnapshotFrom<typeof sessionMachine>
  /** "done" once a final state is reached. */
  status(): string
  /** The clock of the next event; every send advances it by one second. */
  now(): number
}

export function startSession(overrides: Partial<SessionInput> = {}): SessionHarness {
  const actor = createActor(sessionMachine, { input: sessionInput(overrides) })
  let effects: SessionEmitted[] = []
  let clock = T0
  actor.on("*", (effect) => effects.push(effect))
  actor.start()
  const harness: SessionHarness = {
    send(event) {
      effects = []
      clock = Math.max(clock, event.at)
      actor.send(event)
      return effects
    },
    report(taskId, ...statuses) {
      return statuses.flatMap((status) => harness.send({ type: "TASK_STATUS", taskId, status, at: harness.now() }))
    },
    state: () => actor.getSnapshot().value as SessionState,
    context: () => actor.getSnapshot().context,
    snapshot: () => actor.getSnapshot(),
    status: () => actor.getSnapshot().status,
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
  queued: (s) => s.send({ type: "QUEUE", at: s.now() }),
  running: (s) => s.send({ type: "START", at: s.now() }),
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

/** Only the effects of one type, e.g. `ofType(effects, "session.unblock_task")`. */
export function ofType<T extends SessionEmitted["type"]>(
  effects: SessionEmitted[],
  type: T,
): Extract<SessionEmitted, { type: T }>[] {
  return effects.filter((effect): effect is Extract<SessionEmitted, { type: T }> => effect.type === type)
}
