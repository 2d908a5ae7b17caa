// The routing score of an agent for a piece of work (docs/coordination.md): pure, from the agent
// machine's context alone, so the agent binding ranks idle agents with it on the hot path (no read) and
// `POST /agents/route` explains the same numbers.
import { BREAKER, freeCapacity, successRate, type AgentContext } from "./agent.ts"

/** The weights of the four factors; they sum to 1, so a score is in [0, 1]. */
export const ROUTING_WEIGHTS = { fit: 0.35, load: 0.25, success: 0.25, availability: 0.15 } as const

export interface RoutingFactors {
  /** Capability fit: the share of the agent's capabilities the work needs (a specialist 1, a generalist less). */
  readonly fit: number
  /** 1 − load (the larger of its reservations over max_concurrency and the load it reports). */
  readonly load: number
  /** Completed among its last outcomes (1 with none yet). */
  readonly success: number
  /** Its reported health (healthy 1, degraded 0.5, busy 0.25), halved while its breaker is half open. */
  readonly availability: number
}

const HEALTH = { healthy: 1, degraded: 0.5, busy: 0.25 } as const

/** What the score reads of an agent's context (read-only: the edge scores decoded snapshots too). */
interface Scored {
  readonly capabilities: ReadonlyArray<string>
  readonly inflight: ReadonlyArray<string>
  readonly maxConcurrency: number
  readonly load: number
  readonly recent: ReadonlyArray<boolean>
  readonly reportedStatus: AgentContext["reportedStatus"]
  readonly breaker: AgentContext["breaker"]
}

/** The four factors for work needing `requested` (all of which the agent offers). */
export function routingFactors(agent: Scored, requested: ReadonlyArray<string>): RoutingFactors {
  const reserved = agent.inflight.length / agent.maxConcurrency
  const health = agent.reportedStatus === null ? 1 : HEALTH[agent.reportedStatus]
  return {
    fit: Math.min(1, new Set(requested).size / Math.max(1, agent.capabilities.length)),
    load: 1 - Math.min(1, Math.max(reserved, agent.load)),
    success: successRate(agent),
    availability: agent.breaker === "half_open" ? health / 2 : health,
  }
}

/** Σ weight × factor, rounded to 4 decimals (what the router compares and the API shows). */
export function routingScore(factors: RoutingFactors): number {
  const sum = (Object.keys(ROUTING_WEIGHTS) as Array<keyof RoutingFactors>).reduce(
    (total, name) => total + ROUTING_WEIGHTS[name] * factors[name],
    0,
  )
  return Math.round(sum * 10_000) / 10_000
}

/** The score the router wakes an idle agent by, for any one of its capabilities. */
export function idleScore(agent: Scored): number {
  return routingScore(routingFactors(agent, agent.capabilities.length > 0 ? [agent.capabilities[0]!] : []))
}

/** Why an agent cannot take new work now, if it cannot: its state, breaker or capacity. */
export function unavailableBecause(
  state: string,
  agent: Pick<Scored, "breaker" | "inflight" | "maxConcurrency"> & { readonly probeTaskId: string | null },
): string | undefined {
  if (state !== "online" && state !== "busy") return `it is ${state}`
  if (agent.breaker === "open")
    return `its circuit breaker is open (success rate under ${BREAKER.minSuccessRate * 100}% of its last outcomes)`
  if (agent.breaker === "half_open" && agent.probeTaskId !== null) return "its half-open breaker is waiting for its probe task"
  if (freeCapacity(agent) === 0) return `it has no free slot (${agent.inflight.length} of ${agent.maxConcurrency} in use)`
  return undefined
}
