// Paths: @xstate/graph walks the agent machine from its initial state; replaying every generated path
// (extended by each next event) on a real actor reaches every state and takes every transition of the
// definition: each guarded branch, each eventless move, the root catch-all.
import { getShortestPaths } from "@xstate/graph"
import { describe, expect, it } from "vitest"
import { createActor, type AnyTransitionDefinition, type InspectionEvent, type SnapshotFrom } from "xstate"
import { agentMachine, type AgentEvent, type ReleaseOutcome } from "../../../../machines/agent.ts"
import { baseInput } from "./harness.ts"
import { agentKind } from "../../../../actors/agent.ts"
import { expectStoredOnceKept } from "../../actors/stored-once.ts"

type Snapshot = SnapshotFrom<typeof agentMachine>

const input = { ...baseInput, maxConcurrency: 2, labels: { team: "red" } }
const AT = 5_000

/**
 * What the machine's guards and actions read of a snapshot: the state, the held and probe task ids, the
 * breaker and its recent outcomes, the heartbeat seq (timestamps, load and totals never decide anything).
 * Snapshots that agree on it behave alike, so any one of them stands for all.
 */
function abstract(snapshot: Snapshot): string {
  const { inflight, probeTaskId, breaker, breakerOpenedAt, recent, heartbeatSeq } = snapshot.context
  const outcomes = recent.map((ok) => (ok ? "+" : "-")).join("")
  return [snapshot.value, [...inflight].sort().join(","), probeTaskId, breaker, breakerOpenedAt, outcomes, heartbeatSeq].join("|")
}

/**
 * Every event worth trying in a snapshot: current and stale timers, new and duplicate reservations, given slots,
 * each outcome for each held task, with and without a next reservation. Heartbeats and recorded outcomes are bounded so the graph stays
 * small: at most 3 heartbeat arms, at most 6 recent outcomes and one success before the breaker trips.
 */
function eventsFor(snapshot: Snapshot): AgentEvent[] {
  if (snapshot.status !== "active") return []
  const { inflight, heartbeatSeq, breaker, breakerOpenedAt, recent } = snapshot.context
  const beats: AgentEvent[] =
    heartbeatSeq < 3
      ? [
          { type: "CONNECT", at: AT },
          { type: "HEARTBEAT", at: AT },
        ]
      : []
  const outcomes: ReleaseOutcome[] = [
    "cancelled",
    ...(recent.length < 6 ? (["failed"] as const) : []),
    ...(recent.length < 6 && (breaker === "half_open" || !recent.includes(true)) ? (["completed"] as const) : []),
  ]
  const fresh = ["a", "b", "c"].find((id) => !inflight.includes(id)) ?? "d"
  return [
    ...beats,
    { type: "HEARTBEAT_EXPIRED", at: AT, seq: heartbeatSeq },
    { type: "HEARTBEAT_EXPIRED", at: AT, seq: heartbeatSeq - 1 },
    { type: "DISCONNECT", at: AT },
    { type: "RESERVE", at: AT, taskId: fresh },
    // A slot the router gave straight (a wake) to an online agent with capacity; elsewhere (to keep the graph small)
    // one it holds given again, counted once.
    ...[snapshot.value === "online" && inflight.length < input.maxConcurrency ? fresh : inflight[0]]
      .filter((id) => id !== undefined)
      .map((id): AgentEvent => ({ type: "GIVEN", at: AT, taskIds: [id] })),
    ...inflight.map((taskId): AgentEvent => ({ type: "RESERVE", at: AT, taskId })),
    ...inflight.flatMap((taskId) => outcomes.map((outcome): AgentEvent => ({ type: "RELEASE", at: AT, taskId, outcome }))),
    { type: "RELEASE", at: AT, taskId: "unknown", outcome: "completed" },
    // A release carrying its agent's next reservation (the router's refill): of each held task, and of none held.
    ...inflight.flatMap((taskId) =>
      outcomes.map((outcome): AgentEvent => ({ type: "RELEASE", at: AT, taskId, outcome, nextTaskId: fresh, nextCapability: "code" })),
    ),
    { type: "RELEASE", at: AT, taskId: "unknown", outcome: "cancelled", nextTaskId: fresh, nextCapability: "code" },
    { type: "DRAIN", at: AT },
    { type: "UNDRAIN", at: AT },
    { type: "BREAKER_COOLDOWN", at: AT, openedAt: breakerOpenedAt ?? 0 },
    { type: "BREAKER_COOLDOWN", at: AT, openedAt: -1 },
    { type: "DEREGISTER", at: AT },
  ]
}

/** A shortest path to every abstract state the events can reach. */
const paths = getShortestPaths(agentMachine, { input, events: eventsFor, serializeState: abstract })

/** Every transition the definition declares: per state node, each event's candidates and eventless moves. */
function declaredTransitions(): AnyTransitionDefinition[] {
  const nodes = [agentMachine.root, ...Object.values(agentMachine.root.states)]
  return nodes.flatMap((node) => [...[...node.transitions.values()].flat(), ...(node.always ?? [])])
}

function describeTransition(transition: AnyTransitionDefinition): string {
  const candidates = transition.source.transitions.get(transition.eventType) ?? transition.source.always ?? []
  const guard = transition.toJSON().guard
  return `${transition.source.key} ${transition.eventType || "(always)"} #${candidates.indexOf(transition)}${guard ? ` [${JSON.stringify(guard)}]` : ""}`
}

/**
 * Replays every path on a real actor, then tries each of the end state's events from there (each
 * path extended by one event, so every edge of the graph is taken), and returns the transition
 * definitions the microsteps took.
 */
function replayAll(): Set<AnyTransitionDefinition> {
  const taken = new Set<AnyTransitionDefinition>()
  const inspect = (inspection: InspectionEvent) => {
    if (inspection.type === "@xstate.microstep") for (const t of inspection._transitions) taken.add(t)
  }
  for (const path of paths) {
    const actor = createActor(agentMachine, { input, inspect }).start()
    for (const step of path.steps) {
      const before = actor.getSnapshot()
      actor.send(step.event)
      // What the agent registered with stays as given: its row stores it once (actors/agent.ts).
      expectStoredOnceKept(agentKind, before.context, actor.getSnapshot().context, `${step.event.type} in ${String(before.value)}`)
    }
    expect(abstract(actor.getSnapshot())).toBe(abstract(path.state))
    const snapshot = actor.getPersistedSnapshot()
    for (const event of eventsFor(actor.getSnapshot())) {
      const next = createActor(agentMachine, { snapshot, input, inspect }).start()
      next.send(event)
      expectStoredOnceKept(
        agentKind,
        actor.getSnapshot().context,
        next.getSnapshot().context,
        `${event.type} in ${abstract(actor.getSnapshot())}`,
      )
    }
  }
  return taken
}

describe("agent machine paths", () => {
  it("reach every state, the final one included", () => {
    const reached = new Set(paths.map((path) => String(path.state.value)))
    expect([...reached].sort()).toEqual(Object.keys(agentMachine.root.states).sort())
  })

  it("take every transition of the definition at least once", () => {
    const taken = replayAll()
    const declared = declaredTransitions()
    const missing = declared.filter((t) => !taken.has(t)).map(describeTransition)
    expect(missing).toEqual([])
    expect(new Set(declared.map((t) => t.source.key))).toEqual(new Set(["agent", "offline", "online", "busy", "draining"]))
    // CPU alone (every path replayed, then extended by each event): about 12 s here, 25 s under CI's parallel suite.
  }, 120_000)
})
