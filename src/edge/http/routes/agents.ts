// `/api/v1/agents`: register (the token is shown once, only its hash stored), list, read,
// deregister (its tokens are revoked) and the HTTP heartbeat.
import { randomUUID } from "node:crypto"
import { AgentHeartbeatBody, ListAgentsQuery, RegisterAgentBody, WaitQuery } from "../../../schema/http.ts"
import { revokeAgentTokens, saveAgentToken } from "../../../store/tokens.ts"
import { newToken, requireOperator, requireSelf } from "../../auth.ts"
import { COMMAND_RESPONSES, commandAnswer, creationStatus, sendCommand } from "../command.ts"
import { listAnswer } from "../listing.ts"
import { actorOr404, IdParams } from "../params.ts"
import { API, json, route } from "../route.ts"
import { AgentCreated, AgentView, agentView, pageOf, type AgentCreated as AgentCreatedBody } from "../views.ts"

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
        const sent = await sendCommand(ctx, { kind: "agent", id, type: "CREATE", payload: { id, ...body } })
        const created: AgentCreatedBody = {
          id, token, status: sent.applied?.state ?? null, stream_id: sent.streamId, name: body.name,
          capabilities: body.capabilities, type: body.type ?? null, max_concurrency: body.maxConcurrency, metadata: body.metadata ?? {},
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
    method: "GET",
    path: `${API}/agents`,
    name: "listAgents",
    summary: "List agents, oldest in their state first",
    access: "public",
    query: ListAgentsQuery,
    responses: { 200: { description: "one page", schema: pageOf("AgentPage", AgentView) } },
    async handle({ ctx, query }) {
      return listAnswer(ctx.sql, "agent", query, agentView)
    },
  }),
  route({
    method: "GET",
    path: `${API}/agents/{id}`,
    name: "getAgent",
    summary: "One agent",
    access: "public",
    params: IdParams,
    responses: { 200: { description: "the agent", schema: AgentView } },
    async handle({ ctx, params }) {
      return json(200, agentView(await actorOr404(ctx.sql, "agent", params.id)))
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
      const sent = await sendCommand(ctx, { kind: "agent", id: params.id, type: "DEREGISTER", payload: {} })
      await revokeAgentTokens(ctx.sql, params.id)
      return commandAnswer(sent, query.wait)
    },
  }),
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
      const sent = await sendCommand(ctx, { kind: "agent", id: params.id, type: "HEARTBEAT", payload: body })
      return commandAnswer(sent, query.wait)
    },
  }),
]
