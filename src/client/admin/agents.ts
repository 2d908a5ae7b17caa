// Admin routes of agents: register, list, read, deregister, rotate a token, drain / resume, an HTTP
// heartbeat, and ask the router whom it would pick.
import type { Schema } from "effect"
import { AgentHeartbeatBody, type ListAgentsQuery, RegisterAgentBody, type RouteAgentBody } from "../../schema/http.ts"
import type { AgentView } from "../types.ts"
import type { AgentCreated } from "../../edge/http/views.ts"
import {
  API,
  checked,
  command,
  everyPage,
  pagingQuery,
  segment,
  type CommandAnswer,
  type CommandOptions,
  type Page,
  type Paging,
  type Transport,
} from "./core.ts"

export type RegisterAgent = typeof RegisterAgentBody.Encoded
export type AgentFilters = Omit<Schema.Codec.Encoded<typeof ListAgentsQuery>, "limit" | "cursor"> & Paging
export type RouteQuestion = typeof RouteAgentBody.Encoded & { readonly group?: string }
/** `POST /agents/route`: the agent the router would pick now, and every candidate with its score and why. */
export type RouteAnswer = Readonly<Record<string, unknown>>

export const agentsApi = (t: Transport) => {
  const list = (filters?: AgentFilters) => t.request<Page<AgentView>>("GET", `${API}/agents`, { query: pagingQuery(filters) })
  return {
    /** Registers an agent; its `token` is shown this once. */
    register: async (body: RegisterAgent) => t.request<AgentCreated>("POST", `${API}/agents`, { body: checked(RegisterAgentBody, body) }),
    list,
    /** Every agent matching `filters`, page after page. */
    all: (filters?: Omit<AgentFilters, "cursor">) => everyPage((cursor) => list({ ...filters, ...(cursor ? { cursor } : {}) })),
    get: async (id: string) => t.request<AgentView>("GET", `${API}/agents/${segment(id)}`),
    /** Deregisters it: its in-flight tasks go back to ready, its sockets are closed. */
    deregister: async (id: string) => t.request<CommandAnswer>("DELETE", `${API}/agents/${segment(id)}`),
    /** A new token, shown once; the old one stops working at once. */
    rotateToken: async (id: string) => t.request<{ id: string; token: string }>("POST", `${API}/agents/${segment(id)}/token`),
    /** Finish in-flight tasks, take no new ones. */
    drain: async (id: string, options?: CommandOptions) => command(t, `${API}/agents/${segment(id)}/drain`, {}, options),
    resume: async (id: string, options?: CommandOptions) => command(t, `${API}/agents/${segment(id)}/resume`, {}, options),
    heartbeat: async (id: string, body: typeof AgentHeartbeatBody.Encoded = {}, options?: CommandOptions) =>
      command(t, `${API}/agents/${segment(id)}/heartbeat`, checked(AgentHeartbeatBody, body), options),
    route: async (question: RouteQuestion) => t.request<RouteAnswer>("POST", `${API}/agents/route`, { body: question }),
  }
}
