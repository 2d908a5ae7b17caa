// Test harness for the task machine: runs an actor from input and returns the effects each event emits.
import { createActor, type Actor, type Snapshot } from "xstate"
import {
  taskMachine,
  type FinishedStatus,
  type TaskContext,
  type TaskEmitted,
  type TaskEvent,
  type TaskInput,
} from "../../../../machines/task.ts"
import { FINISHED_STATUSES, type TaskStatus } from "../../../../machines/task-statuses.ts"

export const T0 = 1_700_000_000_000
export const AGENT = "agent-1"
export const OTHER_AGENT = "agent-2"
/** The default timeout (300 s) in milliseconds. */
export const TIMEOUT_MS = 300_000

export function taskInput(overrides: Partial<TaskInput> = {}): TaskInput {
  return {
    id: "task-1",
    title: "Build the parser",
    capability: "code",
    payload: { repo: "parser" },
    dependsOn: [],
    blocked: false,
    at: T0,
    ...overrides,
  }
}

export interface TaskHarness {
  /** Effects emitted while the actor was created (or restored) and started. */
  creation: TaskEmitted[]
  /** Sends one event and returns exactly the effects it emitted. */
  send(event: TaskEvent): TaskEmitted[]
  state(): string
  context(): TaskContext
  /** The snapshot as the runtime stores it: JSON, round-tripped. */
  stored(): Snapshot<unknown>
}

function run(actor: Actor<typeof taskMachine>): TaskHarness {
  let effects: TaskEmitted[] = []
  actor.on("*", (effect) => effects.push(effect))
  actor.start()
  const creation = effects
  return {
    creation,
    send(event) {
      effects = []
      actor.send(event)
      return effects
    },
    state: () => String(actor.getSnapshot().value),
    context: () => actor.getSnapshot().context,
    stored: () => JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as Snapshot<unknown>,
  }
}

export function startTask(overrides: Partial<TaskInput> = {}): TaskHarness {
  return run(createActor(taskMachine, { input: taskInput(overrides) }))
}

/** A task actor restored from a stored snapshot, as the runtime restores one from Postgres. */
export function restoreTask(stored: Snapshot<unknown>): TaskHarness {
  return run(createActor(taskMachine, { snapshot: stored, input: taskInput() }))
}

/** The events (after creation) that take a fresh task to each state; times advance one second per step. */
const ROUTES: Record<TaskStatus, TaskEvent[]> = {
  blocked: [],
  awaiting_approval: [],
  ready: [],
  assigned: [{ type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 }],
  in_progress: [
    { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 },
    { type: "START", agentId: AGENT, at: T0 + 2_000 },
  ],
  retry_wait: [
    { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 },
    { type: "START", agentId: AGENT, at: T0 + 2_000 },
    { type: "FAIL", agentId: AGENT, error: "boom", at: T0 + 3_000 },
  ],
  completed: [
    { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 },
    { type: "START", agentId: AGENT, at: T0 + 2_000 },
    { type: "COMPLETE", agentId: AGENT, result: { ok: true }, at: T0 + 3_000 },
  ],
  failed: [
    { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 },
    { type: "START", agentId: AGENT, at: T0 + 2_000 },
    { type: "FAIL", agentId: AGENT, error: "boom", at: T0 + 3_000 },
  ],
  cancelled: [{ type: "CANCEL", reason: "not needed", at: T0 + 1_000 }],
  timed_out: [
    { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 },
    { type: "DEADLINE", attempt: 0, at: T0 + 1_000 + TIMEOUT_MS },
  ],
}

/** A task driven into `status` by the accepted events of ROUTES (failed and timed_out use maxAttempts 1,
 * awaiting_approval requiresApproval). */
export function taskIn(status: TaskStatus, overrides: Partial<TaskInput> = {}): TaskHarness {
  const task = startTask({
    blocked: status === "blocked",
    ...(status === "failed" || status === "timed_out" ? { maxAttempts: 1 } : {}),
    ...(status === "awaiting_approval" ? { requiresApproval: true } : {}),
    ...overrides,
  })
  for (const event of ROUTES[status]) task.send(event)
  if (task.state() !== status) throw new Error(`route to ${status} ended in ${task.state()}`)
  return task
}

/** What a change of status from `from` to `to` emits for the task's session and, once finished, its dependants (epoch 0). */
export function announced(from: TaskStatus, to: TaskStatus): TaskEmitted[] {
  const status: TaskEmitted = { type: "task.status", from, status: to, epoch: 0 }
  return FINISHED_STATUSES.has(to) ? [status, { type: "task.finished", status: to as FinishedStatus, epoch: 0 }] : [status]
}
