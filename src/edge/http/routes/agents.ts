// `/api/v1/agents`: register (the token is shown once, only its hash stored), list, read,
// the router's explained pick (POST /agents/route), drain and resume, deregister and token rotation (the old tokens stop at once: revoked in Postgres, evicted from every
// edge's cache and the agent's control sockets closed with 4401 through ctx.revocations), and the
// HTTP heartbeat (../heartbeat.ts: appended only when it says something new).
import { randomUUID } from "node:crypto"
import { HELD_STATUSES } from "../../../../machines/task-statuses.ts"
import { Schema } from "effect"
import { ApiError, ErrorBody } from "../../../schema/errors.ts"
import { AgentHeartbeatBody, ListAgentsQuery, RegisterAgentBody, RouteAgentBody, WaitQuery } from "../../../schema/http.ts"
import { listActors } from "../../../store/queries.ts"
import type { EdgeContext } from "../../context.ts"
import { replaceAgentTokens, revokeAgentTokens, saveAgentToken } from "../../../store/tokens.ts"
import { newToken, requireOperator, requireSelf } from "../../auth.ts"
import { COMMAND_RESPONSES, commandAnswer, creationStatus, sendCommand } from "../command.ts"
import { currentOr404, QUARANTINED } from "../current.ts"
import { httpHeartbeat } from "../heartbeat.ts"
import { listAnswer } from "../listing.ts"
import { explainRoute, RouteExplanation } from "../route-explain.ts"
import { IdParams } from "../params.ts"
import { API, json, route } from "../route.ts"
import { AgentCreated, AgentView, agentView, pageOf, type AgentCreated as AgentCreatedBody } from "../views.ts"

/** `POST /agents/{id}/<action>`: a bodiless command about the agent's presence, by the agent itself or the operator. */
const presenceCommand = (action: string, type: string, summary: string) =>
  route({
    method: "POST",
    path: `${API}/agents/{id}/${action}`,
    name: `${action}Agent`,
    summary,
    access: "token",
    params: IdParams,
    query: WaitQuery,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query }) {
      requireSelf(principal, params.id)
      const sent = await sendCommand(ctx, { kind: "agent", id: params.id, type, payload: {} })
      return commandAnswer(sent, query.wait)
    },
  })

/** The tasks `agentId` holds (at most `limit`), in one query. */
const heldTasks = async (ctx: EdgeContext, agentId: string, limit: number): Promise<string[]> =>
  (await listActors(ctx.sql, { kind: "task", state: [...HELD_STATUSES], agentId, limit })).actors.map((actor) => actor.id)

/** Waits (at most `limits.waitMs`) until no task is assigned to or in progress on `agentId`, and `cancelled` (the
 * `task_cancelled` pushes of the tasks it held, which the runtime publishes just after it commits) has settled. */
const tasksGivenBack = async (ctx: EdgeContext, agentId: string, cancelled: Promise<boolean>): Promise<void> => {
  const deadline = ctx.clock() + ctx.limits.waitMs
  while ((await heldTasks(ctx, agentId, 1)).length > 0 && ctx.clock() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  await cancelled
}

/** The held tasks a deregistration awaits the pushes of, at most (an agent holds at most its `max_concurrency`,
 * itself at most 1,000). */
const MAX_HELD = 1_000

const AgentToken = Schema.Struct({ id: Schema.String, token: Schema.String }).annotate({ identifier: "AgentToken" })

export const agentRoutes = [
  route({
    method: "POST",
    path: `${API}/agents`,
    name: "registerAgent",
    summary: "Register an agent; its token is in this answer only",
    access: "token",
    body: RegisterAgentBody,
    command: true,
    responses: {
      201: { description: "registered", schema: AgentCreated },
      202: { description: "accepted, registration still pending (status null)", schema: AgentCreated },
    },
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      const id = randomUUID()
      const token = newToken()
      await saveAgentToken(ctx.sql, id, token)
      try {
        const payload = { id, ...body, breakerCooldownMs: ctx.limits.breakerCooldownMs }
        const sent = await sendCommand(ctx, { kind: "agent", id, type: "CREATE", payload })
        const created: AgentCreatedBody = {
          id,
          token,
          status: sent.applied?.state ?? null,
          stream_id: sent.streamId,
          name: body.name,
          capabilities: body.capabilities,
          type: body.type ?? null,
          max_concurrency: body.maxConcurrency,
          metadata: body.metadata ?? {},
          labels: body.labels ?? {},
          heartbeat_interval_ms: body.heartbeatIntervalMs,
        }
        return json(creationStatus(sent), created)
      } catch (error) {
        // Nothing stays behind from a refused registration.
        await revokeAgentTokens(ctx.sql, id).catch(() => undefined)
        throw error
      }
    },
  }),
  route({
    method: "POST",
    path: `${API}/agents/route`,
    name: "routeAgent",
    summary: "The agent the router would pick now for work needing these capabilities, and every candidate with its score and why it lost",
    access: "read",
    body: RouteAgentBody,
    responses: { 200: { description: "the pick (agent_id, null when none) and the candidates, best first", schema: RouteExplanation } },
    async handle({ ctx, body }) {
      return json(200, await explainRoute(ctx, body))
    },
  }),
  route({
    method: "GET",
    path: `${API}/agents`,
    name: "listAgents",
    summary: "List agents, oldest in their state first",
    access: "read",
    query: ListAgentsQuery,
    responses: { 200: { description: "one page", schema: pageOf("AgentPage", AgentView) } },
    async handle({ ctx, query }) {
      return listAnswer(ctx, "agent", query, agentView)
    },
  }),
  route({
    method: "GET",
    path: `${API}/agents/{id}`,
    name: "getAgent",
    summary: "One agent (an agent token reads only its own)",
    access: "read",
    agentReads: true,
    params: IdParams,
    responses: { 200: { description: "the agent", schema: AgentView }, 409: QUARANTINED },
    async handle({ ctx, principal, params }) {
      if (principal?.role === "agent" && !ctx.publicReads) requireSelf(principal, params.id)
      return json(200, agentView(await currentOr404(ctx, "agent", params.id)))
    },
  }),
  route({
    method: "DELETE",
    path: `${API}/agents/{id}`,
    name: "deregisterAgent",
    summary: "Deregister an agent (its tasks go back to ready) and revoke its tokens",
    access: "token",
    params: IdParams,
    query: WaitQuery,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query }) {
      requireSelf(principal, params.id)
      // Its tasks go back first, so each one's task_cancelled reaches the bot before its sockets close: the pushes of
      // the tasks it holds now are awaited from before the command (a task it takes meanwhile: Postgres only).
      const held = await heldTasks(ctx, params.id, MAX_HELD)
      const cancelled = ctx.cancellations.await(params.id, held, ctx.limits.waitMs)
      const sent = await sendCommand(ctx, { kind: "agent", id: params.id, type: "DEREGISTER", payload: {} })
      if (sent.applied) await ctx.budget.exempt(tasksGivenBack(ctx, params.id, cancelled))
      await revokeAgentTokens(ctx.sql, params.id)
      await ctx.revocations.revoke({ kind: "agent", id: params.id })
      return commandAnswer(sent, query.wait)
    },
  }),
  route({
    method: "POST",
    path: `${API}/agents/{id}/token`,
    name: "rotateAgentToken",
    summary: "Rotate the agent's token: the new one is in this answer only; the old ones stop at once and its sockets close (4401)",
    access: "token",
    params: IdParams,
    responses: {
      200: { description: "the new token", schema: AgentToken },
      409: {
        description: "conflict: the agent is deregistered, or its stored snapshot is quarantined (the message says why); no token changed",
        schema: ErrorBody,
      },
    },
    async handle({ ctx, principal, params }) {
      requireSelf(principal, params.id)
      // Its state as the runtime would restore it (migrated); a quarantined agent is refused with the reason.
      const agent = await currentOr404(ctx, "agent", params.id)
      if (agent.state === "deregistered") throw new ApiError({ code: "conflict", message: `agent ${params.id} is deregistered` })
      const token = newToken()
      await replaceAgentTokens(ctx.sql, params.id, token)
      await ctx.revocations.revoke({ kind: "agent", id: params.id })
      return json(200, { id: params.id, token })
    },
  }),
  presenceCommand(
    "drain",
    "DRAIN",
    "Drain: tasks not started yet go back to ready (the bot gets task_cancelled), started ones run to their end; no new ones",
  ),
  presenceCommand("resume", "UNDRAIN", "Resume after a drain: the agent takes new tasks again"),
  route({
    method: "POST",
    path: `${API}/agents/{id}/heartbeat`,
    name: "agentHeartbeat",
    summary: "Heartbeat over HTTP, for bots without a control socket",
    access: "token",
    params: IdParams,
    query: WaitQuery,
    body: AgentHeartbeatBody,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query, body }) {
      requireSelf(principal, params.id)
      return httpHeartbeat(ctx, params.id, body, query.wait)
    },
  }),
]
