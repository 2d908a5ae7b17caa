// Model-based coverage with @xstate/graph: generated paths reach all 12 states and take every transition the
// machine defines (every state's own moves, its eventless outcome/health moves, and the root ORPHAN,
// CHECKPOINT, late TIMEOUT and refusal handlers from every non-final state).
import { createActor, type SnapshotFrom } from "xstate"
import { getShortestPaths, getStateNodes, type StatePath } from "@xstate/graph"
import { describe, expect, it } from "vitest"
import type { TaskStatus } from "../../../../machines/task.ts"
import {
  SESSION_STATES,
  sessionMachine,
  type SessionEvent,
  type SessionInput,
  type SessionState,
} from "../../../../machines/session.ts"
import { LIVE_STATES, T0, sessionInput, task } from "./harness.ts"

type Snapshot = SnapshotFrom<typeof sessionMachine>
type Path = StatePath<Snapshot, SessionEvent>

/** What a task may plausibly report next; retry_wait only while the session has seen fewer than 3 failed attempts. */
function nextReports(status: string, failedAttempts: number, mayFail: boolean): TaskStatus[] {
  switch (status) {
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

function taskReports(snapshot: Snapshot, only?: (taskId: string, index: number) => boolean): SessionEvent[] {
  const { tasks, metrics } = snapshot.context
  return tasks.flatMap((t, index) =>
    only && !only(t.id, index)
      ? []
      : nextReports(t.status, metrics.failedAttempts, index === 0 || !only).map(
          (status): SessionEvent => ({ type: "TASK_STATUS", taskId: t.id, status, at: T0 }),
        ),
  )
}

/** Every command, a current and a late TIMEOUT, a CHECKPOINT, and the next report of every task. */
function everyEvent(snapshot: Snapshot): SessionEvent[] {
  const at = T0
  const seq = snapshot.context.timeoutSeq
  return [
    { type: "QUEUE", at },
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
    ...taskReports(snapshot),
  ]
}

/** START, then tasks run one after another; only the first may fail: enough attempts to degrade and recover. */
function sequentialRun(snapshot: Snapshot): SessionEvent[] {
  const firstUnfinished = snapshot.context.tasks.findIndex((t) => !["completed", "failed", "timed_out"].includes(t.status))
  return [{ type: "START", at: T0 }, ...taskReports(snapshot, (_, index) => index === firstUnfinished)]
}

/** What distinguishes states for the traversal; an event that leaves it unchanged gets a vertex of its own. */
function shape(snapshot: Snapshot): string {
  const { tasks, metrics, timeoutAt, remainingMs } = snapshot.context
  return JSON.stringify([
    snapshot.value,
    tasks.map((t) => t.status),
    metrics.attemptsEnded,
    metrics.failedAttempts,
    metrics.timedOut,
    metrics.retries,
    timeoutAt !== undefined,
    remainingMs !== undefined,
  ])
}

function serializeState(snapshot: Snapshot, event: SessionEvent | undefined, previous?: Snapshot): string {
  const key = shape(snapshot)
  return previous !== undefined && event !== undefined && shape(previous) === key ? `${key}|${event.type}` : key
}

function explore(input: SessionInput, events: (snapshot: Snapshot) => SessionEvent[]): Path[] {
  return getShortestPaths(sessionMachine, { input, events, serializeState })
}

/** `from|event|to` for one transition definition taken from (or defined on) state `from`. */
function key(from: string, eventType: string, to: string | undefined): string {
  return `${from}|${eventType || "(always)"}|${to ?? from}`
}

/** Every transition the definition holds, per state it can be taken from. */
function definedTransitions(): Set<string> {
  const keys = new Set<string>()
  for (const node of getStateNodes(sessionMachine)) {
    for (const [eventType, transitions] of node.transitions) {
      for (const t of transitions) keys.add(key(node.key, eventType, t.target?.[0]?.key))
    }
    for (const t of node.always ?? []) keys.add(key(node.key, "", t.target?.[0]?.key))
  }
  for (const [eventType, transitions] of sessionMachine.root.transitions) {
    for (const state of LIVE_STATES) keys.add(key(state, eventType, transitions[0]?.target?.[0]?.key))
  }
  return keys
}

/** Replays each step of each path on a real actor and records the transitions XState selected. */
function takenTransitions(paths: Path[], input: SessionInput): Set<string> {
  const keys = new Set<string>()
  for (const path of paths) {
    for (const [i, step] of path.steps.entries()) {
      if (i === 0) continue
      const previous = path.steps[i - 1]!.state
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
      actor.send(step.event)
      actor.stop()
    }
  }
  return keys
}

describe("generated paths", () => {
  const lifecycleInput = sessionInput({ tasks: [task("a"), task("b", ["a"])], timeoutS: 60, maxRetries: 1 })
  const recoveryInput = sessionInput({ tasks: ["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => task(id)) })
  const lifecyclePaths = explore(lifecycleInput, everyEvent)
  const recoveryPaths = explore(recoveryInput, sequentialRun)

  it("cover a machine of exactly the 12 states", () => {
    expect(getStateNodes(sessionMachine).map((node) => node.key).sort()).toEqual([...SESSION_STATES].sort())
  })

  it("reach every one of the 12 states", () => {
    const reached = new Set<SessionState>(
      [...lifecyclePaths, ...recoveryPaths].map((path) => path.state.value as SessionState),
    )
    expect([...reached].sort()).toEqual([...SESSION_STATES].sort())
  })

  it("take every transition in the definition", () => {
    const taken = new Set([...takenTransitions(lifecyclePaths, lifecycleInput), ...takenTransitions(recoveryPaths, recoveryInput)])
    const missing = [...definedTransitions()].filter((transition) => !taken.has(transition))
    expect(missing).toEqual([])
    expect(taken.size).toBeGreaterThan(60)
  })

  it("include the recovery from degraded back to running", () => {
    const recovered = recoveryPaths.some((path) =>
      path.steps.some((step, i) => i > 0 && path.steps[i - 1]!.state.value === "degraded" && step.state.value === "running"),
    )
    expect(recovered).toBe(true)
  })
})
