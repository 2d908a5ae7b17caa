// Model-based paths (@xstate/graph): every state and every transition of the definition is reached, and every
// generated path, replayed on a real actor, keeps the effect invariants the runtime relies on.
import { getShortestPaths } from "@xstate/graph"
import { createActor, type AnyTransitionDefinition, type SnapshotFrom } from "xstate"
import { describe, expect, it } from "vitest"
import { taskMachine, type TaskEmitted, type TaskEvent, type TaskInput } from "../../../../machines/task.ts"
import { AGENT, OTHER_AGENT, T0, TIMEOUT_MS, taskInput } from "./harness.ts"
import { taskKind } from "../../../../actors/task.ts"
import { expectStoredOnceKept } from "../../actors/stored-once.ts"

type TaskSnapshot = SnapshotFrom<typeof taskMachine>

const MAX_ATTEMPTS = 2
const MAX_EPOCH = 1
const DEPENDENCY = "task-0"
const SUBTASK = "task-sub"
const at = T0 + 1_000
/** Timer events arrive after any deadline or backoff the paths can arm. */
const late = T0 + 10 * TIMEOUT_MS
/** Retry timers arrive after any backoff armed by a deadline that fired late. */
const later = late + 10 * TIMEOUT_MS

/** Concrete events offered in every state: both agents, the current attempt's timers and a stale attempt's. */
function eventsFor(snapshot: TaskSnapshot): TaskEvent[] {
  const { attempt, epoch } = snapshot.context
  const byBothAgents = (make: (agentId: string) => TaskEvent) => [make(AGENT), make(OTHER_AGENT)]
  return [
    { type: "SESSION_RUN", epoch, at },
    { type: "SESSION_RUN", epoch: epoch + 1, at },
    { type: "SESSION_HOLD", at },
    { type: "SESSION_CANCEL", reason: "session stopped", epoch: epoch + 1, at },
    ...(snapshot.context.dependsOn.length === 0
      ? []
      : ([
          { type: "DEPENDENCY_FINISHED", taskId: DEPENDENCY, status: "completed", epoch, at },
          { type: "DEPENDENCY_FINISHED", taskId: DEPENDENCY, status: "failed", epoch, at },
        ] as const)),
    ...byBothAgents((agentId) => ({ type: "ASSIGN", agentId, at })),
    ...byBothAgents((agentId) => ({ type: "CLAIM", agentId, at })),
    ...byBothAgents((agentId) => ({ type: "START", agentId, at })),
    // Naming the attempt it is about to run: how an agent an attempt was taken from starts again.
    ...byBothAgents((agentId) => ({ type: "START", agentId, attempt: attempt + 1, at })),
    ...byBothAgents((agentId) => ({ type: "PROGRESS", agentId, progress: 0.5, message: "halfway", at })),
    ...byBothAgents((agentId) => ({ type: "COMPLETE", agentId, result: { ok: true }, at })),
    ...byBothAgents((agentId) => ({ type: "FAIL", agentId, error: "boom", at })),
    ...byBothAgents((agentId) => ({ type: "AGENT_LOST", agentId, at })),
    ...(snapshot.context.requiresApproval
      ? ([
          { type: "APPROVE", at },
          { type: "REJECT", reason: "no", at },
          { type: "APPROVAL_TIMEOUT", at: late },
          { type: "APPROVAL_TIMEOUT", at },
        ] as const)
      : []),
    { type: "DEADLINE", attempt, at: late },
    { type: "DEADLINE", attempt: attempt + 1, at: late },
    { type: "RETRY_DUE", attempt, at: later },
    { type: "RETRY_DUE", attempt: attempt + 1, at: later },
    { type: "CANCEL", reason: "operator", at },
    { type: "RETRY", at },
    { type: "ERASE", at },
    // a decomposition makes it wait for a new task too
    ...(snapshot.context.dependsOn.includes(SUBTASK) ? [] : [{ type: "ADD_DEPENDENCIES" as const, taskIds: [SUBTASK], at }]),
  ]
}

function pathsFrom(input: TaskInput) {
  return getShortestPaths(taskMachine, {
    input,
    events: eventsFor,
    // A vertex is what the guards can tell apart (state, attempt, holder) *and the step that produced it*, so
    // every edge (self-loops and refusals included) ends some shortest path, not only the first into a state.
    serializeState: (snapshot, event, previous) =>
      JSON.stringify({
        guarded: guarded(snapshot),
        via: event && previous ? [guarded(previous), event] : null,
      }),
    // AGENT_LOST mid-run lets attempts grow without bound, and SESSION_RUN epochs; one past the budget covers every guard.
    stopWhen: (snapshot) => snapshot.context.attempt > MAX_ATTEMPTS || snapshot.context.epoch > MAX_EPOCH,
  })
}

/** What the guards can tell apart. */
function guarded(snapshot: TaskSnapshot) {
  const { attempt, agentId, held, dependenciesDone, epoch, finishedEpoch, approvedAt, takenFrom, refuseAssignFrom } = snapshot.context
  return [
    snapshot.value,
    attempt,
    agentId,
    held,
    dependenciesDone.length,
    (finishedEpoch ?? 0) < epoch,
    approvedAt !== null,
    agentId !== null && takenFrom.includes(agentId),
    // Read only by an ASSIGN in ready (kept elsewhere, it would multiply every other state's vertices).
    snapshot.value === "ready" ? refuseAssignFrom : null,
  ]
}

/** Created running with nothing to wait for, created held waiting for one dependency (sweeps hold and release either),
 * created waiting for an approval that times out, and created assigned (given to an agent at its intake). */
const inputs = [
  taskInput({ blocked: false, maxAttempts: MAX_ATTEMPTS }),
  taskInput({ blocked: false, maxAttempts: MAX_ATTEMPTS, givenTo: AGENT }),
  taskInput({ blocked: true, dependsOn: [DEPENDENCY], maxAttempts: MAX_ATTEMPTS }),
  taskInput({ blocked: false, maxAttempts: MAX_ATTEMPTS, requiresApproval: true, approvalTimeoutS: 60 }),
]

/** The status changes a step announces chain from where the task was (after a sweep's reset: blocked) to where it is. */
function expectAnnounced(effects: TaskEmitted[], event: TaskEvent, from: string, to: string, epoch: number): void {
  const announced = effects.flatMap((e) => (e.type === "task.status" ? [e] : []))
  const reset = event.type === "SESSION_RUN" && ["failed", "cancelled", "timed_out"].includes(from)
  if (from === to || event.type === "SESSION_CANCEL" || (reset && to === "blocked")) {
    expect(announced).toEqual([])
    return
  }
  expect(announced.map((e) => e.epoch)).toEqual(announced.map(() => epoch))
  expect(announced[0]?.from).toBe(reset ? "blocked" : from)
  expect(announced.at(-1)?.status).toBe(to)
  announced.slice(1).forEach((e, i) => expect(e.from).toBe(announced[i]?.status))
}
const paths = inputs.flatMap((input) => pathsFrom(input).map((path) => ({ input, path })))

/** Updates the model of the actor's durable timers (name → event) after one step, as the runtime's sorted set holds them. */
function applyTimers(armed: Map<string, string>, effects: TaskEmitted[], sent: TaskEvent): void {
  if (sent.type === "DEADLINE" || sent.type === "RETRY_DUE") {
    const name = sent.type === "DEADLINE" ? "deadline" : "retry"
    // The poller removes a timer when it delivers it.
    if (armed.get(name) === JSON.stringify({ type: sent.type, attempt: sent.attempt })) armed.delete(name)
  }
  if (sent.type === "APPROVAL_TIMEOUT" && sent.at === late) armed.delete("approval")
  for (const effect of effects) {
    if (effect.type === "timer.arm") armed.set(effect.name, JSON.stringify(effect.event))
    if (effect.type === "timer.clear") armed.delete(effect.name)
  }
}

interface Replay {
  states: Set<string>
  transitions: Set<AnyTransitionDefinition>
}

/** Where a replay stands: the actor's persisted snapshot, the timers armed, how many agents the task holds. */
interface Run {
  last: TaskSnapshot
  persisted: ReturnType<typeof taskMachine.getPersistedSnapshot>
  armed: Map<string, string>
  holders: number
}

/** Replays `events` on a real actor, created or restored where `from` stood, checking each step's effects against the
 * invariants; returns where it stands after the last. */
function replay(input: TaskInput, events: TaskEvent[], seen: Replay, from?: Run): Run {
  const actor = createActor(taskMachine, {
    input,
    ...(from === undefined ? {} : { snapshot: from.persisted }),
    inspect: (inspection) => {
      if (inspection.type === "@xstate.microstep") inspection._transitions.forEach((t) => seen.transitions.add(t))
    },
  })
  let effects: TaskEmitted[] = []
  actor.on("*", (effect) => effects.push(effect))
  actor.start()
  const armed = new Map(from?.armed)
  if (from === undefined) applyTimers(armed, effects, { type: "RETRY", at })
  // A task given at its intake holds its agent from its creation.
  let holders = from?.holders ?? effects.filter((effect) => effect.type === "task.assigned").length
  seen.states.add(String(actor.getSnapshot().value))

  for (const event of events) {
    const before = actor.getSnapshot()
    effects = []
    actor.send(event)
    const after = actor.getSnapshot()
    const from = String(before.value)
    const to = String(after.value)
    seen.states.add(to)
    // What the task is given at its creation stays as given: its row stores it once (actors/task.ts).
    expectStoredOnceKept(taskKind, before.context, after.context, `${event.type} in ${from}`)

    // A state change is announced exactly once, with the states it left and entered; no change, or a change a
    // session sweep made (its session counted it), no announcement. Dependants hear of every finish but a sweep's.
    expectAnnounced(effects, event, from, to, after.context.epoch)
    const finished = ["completed", "failed", "cancelled", "timed_out"].includes(to) && from !== to && event.type !== "SESSION_CANCEL"
    expect(effects.filter((e) => e.type === "task.finished")).toEqual(
      finished ? [{ type: "task.finished", status: to, epoch: after.context.epoch }] : [],
    )
    // Routing is requested exactly when the task becomes ready, and again when it refuses, ready, the ASSIGN decided
    // for an agent that left work before it came.
    const leftBefore = event.type === "ASSIGN" && from === "ready" && event.agentId === before.context.refuseAssignFrom
    expect(effects.filter((e) => e.type === "task.ready")).toHaveLength((to === "ready" && from !== "ready") || leftBefore ? 1 : 0)
    // A refusal changes nothing.
    if (effects.some((e) => e.type === "command.rejected")) {
      expect(effects).toHaveLength(1)
      expect(after.value).toEqual(before.value)
      expect(after.context).toEqual(before.context)
    }
    // An ASSIGN the task cannot take gives the agent its capacity back; one repeated by the
    // agent that holds the task changes nothing (its capacity is still in use).
    if (event.type === "ASSIGN" && (from !== "ready" || leftBefore)) {
      const repeated = (from === "assigned" || from === "in_progress") && event.agentId === before.context.agentId
      const refused = { type: "task.assign_refused", agentId: event.agentId }
      expect(effects).toEqual(repeated ? [] : leftBefore ? [refused, expect.objectContaining({ type: "task.ready" })] : [refused])
    }
    // ERASE deletes a finished task (which holds no agent and no timer) with nothing else to carry out; any other is refused.
    if (event.type === "ERASE") {
      expect(effects.map((e) => e.type)).toEqual(
        ["completed", "failed", "cancelled", "timed_out"].includes(from) ? ["actor.purge"] : ["command.rejected"],
      )
    }
    // Agent capacity never leaks: the task holds an agent exactly while assigned or in progress.
    for (const effect of effects) {
      if (effect.type === "task.assigned") holders += 1
      if (effect.type === "task.released") {
        expect(effect.agentId).toBe(before.context.agentId)
        holders -= 1
      }
    }
    expect(holders).toBe(to === "assigned" || to === "in_progress" ? 1 : 0)
    // The durable timers match the state: a deadline while held, a retry while waiting, nothing otherwise.
    applyTimers(armed, effects, event)
    const expected = new Map<string, string>()
    if (to === "assigned" || to === "in_progress") {
      expected.set("deadline", JSON.stringify({ type: "DEADLINE", attempt: after.context.attempt }))
    }
    if (to === "retry_wait") expected.set("retry", JSON.stringify({ type: "RETRY_DUE", attempt: after.context.attempt }))
    if (to === "awaiting_approval") expected.set("approval", JSON.stringify({ type: "APPROVAL_TIMEOUT" }))
    expect(armed).toEqual(expected)
  }
  const run = { last: actor.getSnapshot(), persisted: actor.getPersistedSnapshot(), armed, holders }
  actor.stop()
  return run
}

const ASSIGNED: TaskEvent[] = [{ type: "ASSIGN", agentId: AGENT, at }]
const STARTED: TaskEvent[] = [...ASSIGNED, { type: "START", agentId: AGENT, at }]
/** Attempt 1 is the current one in both; 3 is stale. */
const STALE = 3
/** Hand-written paths for what would multiply the generated ones: reports naming a stale attempt, and drains. */
const EXTRA_PATHS: TaskEvent[][] = [
  [...ASSIGNED, { type: "CLAIM", agentId: AGENT, attempt: STALE, at }],
  [...ASSIGNED, { type: "START", agentId: AGENT, attempt: STALE, at }],
  [...STARTED, { type: "PROGRESS", agentId: AGENT, attempt: STALE, progress: 0.5, at }],
  [...STARTED, { type: "COMPLETE", agentId: AGENT, attempt: STALE, at }],
  [...STARTED, { type: "FAIL", agentId: AGENT, attempt: STALE, at }],
  [...STARTED, { type: "COMPLETE", agentId: AGENT, attempt: 1, at }],
  [...ASSIGNED, { type: "AGENT_DRAINING", agentId: AGENT, at }],
  [...ASSIGNED, { type: "AGENT_DRAINING", agentId: OTHER_AGENT, at }],
  [...STARTED, { type: "AGENT_DRAINING", agentId: AGENT, at }],
  // Ready, the drain of an agent whose ASSIGN is on its way: refused when it comes.
  [{ type: "AGENT_DRAINING", agentId: AGENT, at }, ...ASSIGNED],
  // Finished: a drain that finds the task elsewhere changes nothing.
  [
    { type: "CANCEL", reason: "stop", at },
    { type: "AGENT_DRAINING", agentId: AGENT, at },
  ],
]

let replayed: Replay | undefined
/** Replays every generated path (asserting the invariants at each step) and records what was covered. A shortest path
 * is its predecessor's plus one step, so each path's replay goes on from where its predecessor's stopped. */
function replayAll(): Replay {
  if (replayed) return replayed
  const seen: Replay = { states: new Set(), transitions: new Set() }
  const runs = new Map<string, Run>()
  const byLength = paths
    .map(({ input, path }) => ({ input, path, events: path.steps.slice(1).map((step) => step.event) }))
    .sort((a, b) => a.events.length - b.events.length)
  for (const { input, path, events } of byLength) {
    const key = (count: number) => JSON.stringify([inputs.indexOf(input), events.slice(0, count)])
    const from = runs.get(key(events.length - 1))
    const run = from === undefined ? replay(input, events, seen) : replay(input, events.slice(-1), seen, from)
    runs.set(key(events.length), run)
    const { attempt, agentId } = path.state.context
    expect([run.last.value, run.last.context.attempt, run.last.context.agentId]).toEqual([path.state.value, attempt, agentId])
  }
  for (const events of EXTRA_PATHS) replay(inputs[0]!, events, seen)
  replayed = seen
  return seen
}

describe("task machine paths", () => {
  it("generates paths from both creations that a real actor replays to the same state, keeping the invariants", () => {
    expect(paths.length).toBeGreaterThan(100)
    expect(replayAll().states.size).toBeGreaterThan(0)
  })

  it("reaches every state of the definition", () => {
    expect([...replayAll().states].sort()).toEqual(Object.keys(taskMachine.root.states).sort())
  })

  it("takes every transition of the definition, guarded branches and refusals included", () => {
    const nodes = [taskMachine.root, ...Object.values(taskMachine.root.states)]
    const defined = nodes.flatMap((node) =>
      [...node.transitions.values()]
        .flat()
        .concat(node.always ?? [])
        .map((transition) => ({
          state: node.key,
          event: transition.eventType,
          target: transition.target?.map((t) => t.key).join(",") ?? "(stay)",
          guard: JSON.stringify(transition.guard ?? null),
          taken: replayAll().transitions.has(transition),
        })),
    )
    expect(defined.length).toBeGreaterThan(30)
    expect(defined.filter((t) => !t.taken)).toEqual([])
  })
})
