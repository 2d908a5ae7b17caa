// Model-based coverage with @xstate/graph: generated paths reach all 12 states and take every transition the
// machine defines (every state's own moves, its eventless outcome/health moves, and the root ORPHAN,
// CHECKPOINT, late TIMEOUT and refusal handlers from every non-final state).
import { createActor, type SnapshotFrom } from "xstate"
import { getShortestPaths, getStateNodes, type StatePath } from "@xstate/graph"
import { describe, expect, it } from "vitest"
import type { TaskStatus } from "../../../../machines/task-statuses.ts"
import { SESSION_STATES, sessionMachine, type SessionEvent, type SessionInput, type SessionState } from "../../../../machines/session.ts"
import { sessionTaskId } from "../../../../machines/task-ids.ts"
import { T0, sessionInput, task } from "./harness.ts"
import { sessionKind } from "../../../../actors/session.ts"
import { expectStoredOnceKept } from "../../actors/stored-once.ts"

type Snapshot = SnapshotFrom<typeof sessionMachine>
type Path = StatePath<Snapshot, SessionEvent>

const STATUSES: TaskStatus[] = [
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

/** What a task may plausibly report next; retry_wait only while the session has seen fewer than 3 failed attempts. */
function nextReports(status: TaskStatus, failedAttempts: number, mayFail: boolean): TaskStatus[] {
  switch (status) {
    case "blocked":
      return ["ready"]
    case "ready":
      return ["assigned"]
    case "assigned":
      return mayFail ? ["in_progress", "timed_out"] : ["in_progress"]
    case "in_progress":
      return mayFail ? ["completed", "failed", ...(failedAttempts < 3 ? (["retry_wait"] as const) : [])] : ["completed"]
    case "retry_wait":
      return ["ready"]
    default:
      return []
  }
}

/** A report of a task in `from` (the session counts tasks, not which; any of its ids will do), made in `epoch`. */
function report(snapshot: Snapshot, from: TaskStatus, status: TaskStatus, epoch = snapshot.context.sweeps.length): SessionEvent {
  return { type: "TASK_STATUS", taskId: sessionTaskId(snapshot.context.id, 0), index: 0, from, status, epoch, at: T0 }
}

/** The next report of a task in each status the session counts; `mayFail` says whether it may fail. */
function taskReports(snapshot: Snapshot, mayFail: boolean, only?: (status: TaskStatus) => boolean): SessionEvent[] {
  const { tasks, failedAttempts } = snapshot.context.metrics
  return STATUSES.filter((status) => tasks[status] > 0 && (only === undefined || only(status))).flatMap((status) =>
    nextReports(status, failedAttempts, mayFail).map((next) => report(snapshot, status, next)),
  )
}

/** Every command, a current and a late TIMEOUT, a CHECKPOINT, and the next report of every task. */
function everyEvent(snapshot: Snapshot): SessionEvent[] {
  const at = T0
  const seq = snapshot.context.timeoutSeq
  return [
    { type: "START", at },
    { type: "PAUSE", at },
    { type: "RESUME", at },
    { type: "STOP", at },
    { type: "CANCEL", at },
    { type: "FAIL", reason: "operator", at },
    { type: "RETRY", at },
    { type: "ORPHAN", at },
    { type: "CHECKPOINT", data: null, at },
    { type: "TIMEOUT", seq, at },
    { type: "TIMEOUT", seq: seq - 1, at },
    ...taskReports(snapshot, true),
    ...lateCompletions(snapshot),
  ]
}

/** Events left out of the generated paths (the state space would explode) and walked by their own tests: orphan.test.ts, delete.test.ts, erase.test.ts, add-tasks.test.ts. */
const OWN_TESTS = ["ORPHAN_DUE", "COVERAGE", "DELETE", "ERASE", "PURGE", "ADD_TASKS"]

/** After a timeout, a task it cancelled may still report the completion that raced the cancel (made before the sweep). */
function lateCompletions(snapshot: Snapshot): SessionEvent[] {
  if (snapshot.value !== "timeout" || snapshot.context.metrics.tasks.cancelled === 0) return []
  return [report(snapshot, "in_progress", "completed", snapshot.context.sweeps.length - 1)]
}

/** START, then tasks run one after another: one task at a time leaves ready; only the first may fail. */
function sequentialRun(snapshot: Snapshot): SessionEvent[] {
  const { tasks } = snapshot.context.metrics
  const busy = tasks.assigned + tasks.in_progress + tasks.retry_wait > 0
  const first = tasks.completed + tasks.failed + tasks.timed_out === 0
  return [{ type: "START", at: T0 }, ...taskReports(snapshot, first, (status) => status !== "ready" || !busy)]
}

/** What distinguishes states for the traversal (times, checkpoints and timer sequence numbers do not). */
function shape(snapshot: Snapshot): string {
  const { metrics, sweeps, timeoutAt, remainingMs } = snapshot.context
  return JSON.stringify([
    snapshot.value,
    metrics.tasks,
    sweeps,
    metrics.attemptsEnded,
    metrics.failedAttempts,
    metrics.timedOut,
    metrics.retries,
    timeoutAt !== undefined,
    remainingMs !== undefined,
  ])
}

/**
 * Shortest paths cover vertices, so a vertex is a shape together with the transition that reached it
 * (source state and event type): every transition then ends some path. Only the first vertex of each
 * shape is expanded; the others are leaves, since whatever follows them also follows their twin.
 */
function explore(input: SessionInput, events: (snapshot: Snapshot) => SessionEvent[]): Path[] {
  const expanded = new Map<string, string>()
  const leaves = new WeakSet<Snapshot>()
  const serializeState = (snapshot: Snapshot, event: SessionEvent | undefined, previous?: Snapshot): string => {
    const vertexShape = shape(snapshot)
    const vertex = `${vertexShape}|${previous === undefined ? "init" : `${String(previous.value)}|${event?.type}`}`
    const first = expanded.get(vertexShape) ?? vertex
    expanded.set(vertexShape, first)
    if (first !== vertex) leaves.add(snapshot)
    return vertex
  }
  return getShortestPaths(sessionMachine, {
    input,
    serializeState,
    events: (snapshot) => (leaves.has(snapshot) || snapshot.status === "done" ? [] : events(snapshot)),
  })
}

/** `from|event|to` for one transition definition taken from (or defined on) state `from`. */
function key(from: string, eventType: string, to: string | undefined): string {
  return `${from}|${eventType || "(always)"}|${to ?? from}`
}

/** Whether a root transition applies in `state`: it has no `stateIn` guard, or its `stateIn` guard names that state. */
function guardedFor(guard: unknown, state: string): boolean {
  const stateValue = typeof guard === "function" ? (guard as { stateValue?: unknown }).stateValue : undefined
  return stateValue === undefined || stateValue === state
}

/** Every transition the definition holds, per state it can be taken from. */
function definedTransitions(): Set<string> {
  const keys = new Set<string>()
  for (const node of getStateNodes(sessionMachine)) {
    for (const [eventType, transitions] of node.transitions) {
      if (OWN_TESTS.includes(eventType)) continue
      for (const t of transitions) keys.add(key(node.key, eventType, t.target?.[0]?.key))
    }
    for (const t of node.always ?? []) keys.add(key(node.key, "", t.target?.[0]?.key))
  }
  for (const [eventType, transitions] of sessionMachine.root.transitions) {
    if (OWN_TESTS.includes(eventType)) continue
    for (const state of SESSION_STATES) {
      // a root handler guarded by the state it serves (ORPHAN, CHECKPOINT, refusals) is defined for that state only
      const own = transitions.filter((t) => guardedFor(t.guard, state))
      if (own.length > 0) keys.add(key(state, eventType, own[0]?.target?.[0]?.key))
    }
  }
  return keys
}

/**
 * Replays the last step of each path on a real actor and records the transitions XState selected. Every
 * other step of a path is the last step of the (shorter) path to its own vertex, so this covers all steps.
 */
function takenTransitions(paths: Path[], input: SessionInput): Set<string> {
  const keys = new Set<string>()
  for (const path of paths) {
    const last = path.steps.at(-1)
    const previous = path.steps.at(-2)?.state
    if (last === undefined || previous === undefined) continue
    const actor = createActor(sessionMachine, {
      input,
      snapshot: previous,
      inspect: (inspection) => {
        if (inspection.type !== "@xstate.microstep") return
        for (const t of inspection._transitions) {
          const from = t.source === sessionMachine.root ? String(previous.value) : t.source.key
          keys.add(key(from, t.eventType, t.target?.[0]?.key))
        }
      },
    })
    actor.start()
    actor.send(last.event)
    // What the session is created with stays as given: its row stores it once (actors/session.ts).
    expectStoredOnceKept(sessionKind, previous.context, actor.getSnapshot().context, `${last.event.type} in ${String(previous.value)}`)
    actor.stop()
  }
  return keys
}

/** The transitions XState selects while it creates a session from `input` (the creation macrostep). */
function takenFromCreation(input: SessionInput): Set<string> {
  const keys = new Set<string>()
  const actor = createActor(sessionMachine, {
    input,
    inspect: (inspection) => {
      if (inspection.type !== "@xstate.microstep") return
      for (const t of inspection._transitions) keys.add(key(t.source.key, t.eventType, t.target?.[0]?.key))
    },
  })
  actor.start()
  actor.stop()
  return keys
}

// Replaying every generated path takes seconds alone and much longer on a loaded 2-core machine.
describe("generated paths", { timeout: 120_000 }, () => {
  const lifecycleInput = sessionInput({ tasks: [task("a"), task("b", ["a"])], timeoutS: 60, maxRetries: 1 })
  const recoveryInput = sessionInput({ tasks: ["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => task(id)) })
  const startedInput = sessionInput({ tasks: [task("a")], start: true })
  const lifecyclePaths = explore(lifecycleInput, everyEvent)
  const recoveryPaths = explore(recoveryInput, sequentialRun)
  const startedPaths = explore(startedInput, (snapshot) => taskReports(snapshot, false))

  it("cover a machine of exactly the 12 states", () => {
    expect(
      getStateNodes(sessionMachine)
        .map((node) => node.key)
        .sort(),
    ).toEqual([...SESSION_STATES].sort())
  })

  it("reach every one of the 12 states", () => {
    const reached = new Set<SessionState>(
      [...lifecyclePaths, ...recoveryPaths, ...startedPaths].map((path) => path.state.value as SessionState),
    )
    expect([...reached].sort()).toEqual([...SESSION_STATES].sort())
  })

  it("take every transition in the definition", () => {
    const defined = definedTransitions()
    expect(defined).toContain("pending|START|queued")
    expect(defined).toContain("queued|TASK_STATUS|running")
    expect(defined).toContain("degraded|(always)|running")
    expect(defined).toContain("failed|ORPHAN|orphaned")
    expect(defined).toContain("paused|*|paused")
    expect(defined).toContain("pending|(always)|queued")
    const taken = new Set([
      ...takenTransitions(lifecyclePaths, lifecycleInput),
      ...takenTransitions(recoveryPaths, recoveryInput),
      ...takenFromCreation(startedInput),
    ])
    expect([...defined].filter((transition) => !taken.has(transition))).toEqual([])
  }, 180_000) // replays every generated path on a real actor: about a minute on a busy 2-core machine

  it("include the recovery from degraded back to running", () => {
    const recovered = recoveryPaths.some((path) =>
      path.steps.some((step, i) => i > 0 && path.steps[i - 1]!.state.value === "degraded" && step.state.value === "running"),
    )
    expect(recovered).toBe(true)
  })
})
