// Agent actor binding: reservations become assignments, lost and draining agents hand their tasks back (through the
// router, which knows which task holds each slot now), free capacity asks the router for waiting tasks; the topics
// and query columns of an agent.
import {
  agentMachine,
  BREAKER,
  deregisteredEffects,
  freeCapacity,
  NOTHING_YET,
  type AgentContext,
  type AgentEmitted,
  type AgentEvent,
} from "../machines/agent.ts"
import { idleScore } from "../machines/routing-score.ts"
import { agentView } from "./views.ts"
import { StoredAgentContext } from "./stored-contexts.ts"
import { OWN_ID, type ActorKind, type Output, type StoredDefaults, type StoredOnce } from "../src/runtime/actor-kind.ts"

const task = (id: string) => ({ kind: "task", id })

/** The agent leaving work (a loss: its slots forgotten after; a drain): `type` to each task holding one of its
 * `slots`, and its capabilities, for which it is idle no more. */
const leavingWork = (
  id: string,
  agent: AgentContext,
  slots: ReadonlyArray<string>,
  lost: boolean,
  type: string,
  payload: Readonly<Record<string, unknown>>,
): Output => ({ _tag: "agent_tasks", agentId: id, slots, capabilities: agent.capabilities, lost, type, payload })

const outputs = (effect: AgentEmitted, id: string, agent: AgentContext): Output[] => {
  switch (effect.type) {
    case "agent.reserved":
      return [{ _tag: "send", to: task(effect.taskId), type: "ASSIGN", payload: { agentId: id } }]
    case "agent.reserve_refused": {
      // Back to its ready queue (the refusal left this agent's row without free capacity); a next task that came with
      // a RELEASE carries its routing facts (no Postgres read), a refused RESERVE's are read by the router. Either way
      // the router forgets that proposal (it no longer holds back one of this agent's free slots).
      const next = effect.next
      if (next?.nextCapability === undefined) return [{ _tag: "route_task", taskId: effect.taskId, refusedBy: id }]
      return [
        {
          _tag: "route_task",
          taskId: effect.taskId,
          refusedBy: id,
          capability: next.nextCapability,
          ...(next.nextPriority === undefined ? {} : { priority: next.nextPriority }),
          ...(next.nextSince === undefined ? {} : { since: next.nextSince }),
          ...(next.nextGroup === undefined ? {} : { group: next.nextGroup }),
        },
      ]
    }
    case "agent.capacity":
      // Its slots are transferred without it only while its breaker is closed (a half-open one's probe reaches it).
      return [
        {
          _tag: "fill_agent",
          agentId: id,
          capabilities: agent.capabilities,
          free: effect.free,
          score: idleScore(agent),
          transfers: agent.breaker === "closed",
          // What it holds as it counts it: the router takes off what it gave it straight and it has not heard of yet.
          held: agent.inflight,
        },
      ]
    // Even holding none as it counts them: the router may have given it slots straight that it has not heard of yet
    // (a wake), and resolves those too.
    case "agent.lost":
      return [leavingWork(id, agent, effect.taskIds, true, "AGENT_LOST", { agentId: id, reason: effect.reason })]
    case "agent.draining":
      return [leavingWork(id, agent, effect.taskIds, false, "AGENT_DRAINING", { agentId: id })]
    default:
      return []
  }
}

/** States in which an agent takes new work. */
const TAKES_WORK = new Set(["online"])

/** Members left out of a stored agent while they hold nothing (src/runtime/stored-snapshot.ts). */
const STORED_DEFAULTS: StoredDefaults<AgentContext> = {
  // its row's id: written once, in the row
  id: OWN_ID,
  ...NOTHING_YET,
  type: null,
  inflight: [],
  unheard: [],
  recent: [],
  // Absent from a snapshot stored before it was configurable, and from one at the default.
  breakerCooldownMs: BREAKER.cooldownMs,
}

/** What an agent registers with and keeps (tests/unit/machines/agent/paths.test.ts holds it): stored
 * once in its row, not at each reservation and release (src/runtime/stored-snapshot.ts). Its `id` is its row's. */
const STORED_ONCE: StoredOnce<AgentContext> = [
  "name",
  "capabilities",
  "type",
  "maxConcurrency",
  "metadata",
  "labels",
  "heartbeatIntervalMs",
  "breakerCooldownMs",
  "createdAt",
]

export const agentKind: ActorKind = {
  kind: "agent",
  machine: agentMachine,
  storedDefaults: STORED_DEFAULTS,
  storedOnce: STORED_ONCE,
  context: StoredAgentContext,
  createType: "CREATE",
  outputs: (effect, self) => outputs(effect as AgentEmitted, self.id, self.context as AgentContext),
  afterFinal: (event) => deregisteredEffects(event as AgentEvent),
  topics: (id) => ["agents", `agent:${id}`],
  columns: (context, state) => {
    const agent = context as AgentContext
    const free = TAKES_WORK.has(state) && agent.breaker !== "open" ? freeCapacity(agent) : 0
    return { capabilities: agent.capabilities, freeCapacity: free, load: agent.load, routingScore: free > 0 ? idleScore(agent) : null }
  },
  view: (id, context, state) => agentView(id, context as AgentContext, state),
}
