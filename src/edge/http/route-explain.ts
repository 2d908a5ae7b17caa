// `POST /agents/route` explained: every agent offering one of the capabilities asked for, scored with the
// router's own formula (machines/routing-score.ts) from its stored snapshot brought up to its machine
// (current.ts; a quarantined agent is a candidate that lost, the quarantine its reason), the one the
// router would wake first for such a task now, and why each other one lost. A read: nothing is reserved or appended.
import { Schema } from "effect"
import { type RoutingFactors, ROUTING_WEIGHTS, routingFactors, routingScore, unavailableBecause } from "../../../machines/routing-score.ts"
import { groupInFlight } from "../../redis/ready-queue.ts"
import { decodeOr } from "../../schema/errors.ts"
import type { RouteAgentBody } from "../../schema/http.ts"
import { getGroup } from "../../store/groups.ts"
import { routeCandidates } from "../../store/queries.ts"
import type { EdgeContext } from "../context.ts"
import { bringUp } from "./current.ts"

/** Candidates explained, at most (the first by id beyond it are left out, and the answer says so). */
const MAX_CANDIDATES = 500

/** The parts of a stored agent snapshot the score needs. */
const StoredAgent = Schema.Struct({
  context: Schema.Struct({
    name: Schema.String,
    capabilities: Schema.Array(Schema.String),
    inflight: Schema.Array(Schema.String),
    maxConcurrency: Schema.Number,
    load: Schema.Number,
    recent: Schema.Array(Schema.Boolean),
    reportedStatus: Schema.NullOr(Schema.Literals(["healthy", "degraded", "busy"])),
    breaker: Schema.Literals(["closed", "open", "half_open"]),
    probeTaskId: Schema.NullOr(Schema.String),
  }),
})

export interface Candidate {
  readonly agent_id: string
  readonly name: string
  readonly status: string
  readonly score: number | null
  readonly factors: RoutingFactors | null
  readonly picked: boolean
  /** Why it lost (null for the pick). */
  readonly reason: string | null
}

export const RouteExplanation = Schema.Struct({
  capabilities: Schema.Array(Schema.String),
  group: Schema.NullOr(Schema.Struct({ key: Schema.String, max_in_flight: Schema.NullOr(Schema.Number), in_flight: Schema.Number })),
  agent_id: Schema.NullOr(Schema.String),
  /** Why there is no pick (null when there is one). */
  reason: Schema.NullOr(Schema.String),
  weights: Schema.Struct({ fit: Schema.Number, load: Schema.Number, success: Schema.Number, availability: Schema.Number }),
  candidates: Schema.Array(
    Schema.Struct({
      agent_id: Schema.String,
      name: Schema.String,
      status: Schema.String,
      score: Schema.NullOr(Schema.Number),
      factors: Schema.NullOr(
        Schema.Struct({ fit: Schema.Number, load: Schema.Number, success: Schema.Number, availability: Schema.Number }),
      ),
      picked: Schema.Boolean,
      reason: Schema.NullOr(Schema.String),
    }),
  ),
  truncated: Schema.Boolean,
}).annotate({ identifier: "RouteExplanation" })

export async function explainRoute(ctx: EdgeContext, body: RouteAgentBody) {
  const rows = await routeCandidates(ctx.sql, body.capabilities, MAX_CANDIDATES + 1)
  const excluded = new Set(body.exclude)
  const scored = rows.slice(0, MAX_CANDIDATES).map((stored) => {
    const { actor: row, quarantined } = bringUp(ctx.kinds, stored)
    const decoded = decodeOr(StoredAgent, row.snapshot)
    const unreadable = quarantined ?? (decoded.ok ? null : `its stored snapshot is unreadable: ${decoded.error.message}`)
    if (unreadable !== null || !decoded.ok)
      return { agent_id: row.id, name: "", status: row.state, score: null, factors: null, free: 0, reason: unreadable }
    const agent = decoded.value.context
    const missing = body.capabilities.filter((capability) => !agent.capabilities.includes(capability))
    const base = { agent_id: row.id, name: agent.name, status: row.state, free: agent.maxConcurrency - agent.inflight.length }
    if (missing.length > 0) return { ...base, score: null, factors: null, reason: `it does not offer ${missing.join(", ")}` }
    const factors = routingFactors(agent, body.capabilities)
    const score = routingScore(factors)
    if (excluded.has(row.id)) return { ...base, score, factors, reason: "excluded by the request" }
    return { ...base, score, factors, reason: unavailableBecause(row.state, agent) ?? null }
  })
  // The router's order among idle agents: score, then free slots (then id, for a stable answer).
  const ranked = scored.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || b.free - a.free || a.agent_id.localeCompare(b.agent_id))
  const stored = body.group === undefined ? undefined : await getGroup(ctx.sql, body.group)
  const group =
    body.group === undefined
      ? null
      : { key: body.group, max_in_flight: stored?.maxInFlight ?? null, in_flight: await groupInFlight(ctx.redis, ctx.keys, body.group) }
  const groupFull = group !== null && group.max_in_flight !== null && group.in_flight >= group.max_in_flight
  const pick = groupFull ? undefined : ranked.find((candidate) => candidate.reason === null)
  const candidates: Candidate[] = ranked.map(({ free: _free, ...candidate }) => ({
    ...candidate,
    picked: candidate.agent_id === pick?.agent_id,
    reason:
      candidate.agent_id === pick?.agent_id
        ? null
        : (candidate.reason ??
          (pick ? `scored ${candidate.score} against ${pick.name}'s ${pick.score}` : `its group ${group?.key} is at its max_in_flight`)),
  }))
  const reason =
    pick !== undefined
      ? null
      : groupFull
        ? `group ${group.key} has ${group.in_flight} tasks in flight, its max_in_flight`
        : rows.length === 0
          ? `no registered agent offers ${body.capabilities.join(", ")}`
          : "no candidate can take work now"
  return {
    capabilities: body.capabilities,
    group,
    agent_id: pick?.agent_id ?? null,
    reason,
    weights: ROUTING_WEIGHTS,
    candidates,
    truncated: rows.length > MAX_CANDIDATES,
  }
}
