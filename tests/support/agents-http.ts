// Test support: agents and tasks made over the HTTP API of a test edge, as a test's bots would have them:
// an agent registered (201, its id and token), one brought online by a first heartbeat, a task that runs
// once (max_attempts 1) for a capability.
import { expect } from "vitest"
import type { Client } from "./edge.ts"

/** An agent as its registration answers it. */
export interface RegisteredAgent {
  readonly id: string
  readonly token: string
}

/** The registration body's profile: snake_case, as `POST /agents` takes it. */
export type AgentProfile = Readonly<Record<string, unknown>> & { readonly name: string; readonly capabilities: readonly string[] }

/** Registers an agent with `profile`. */
export const registerAgent = async (api: Client, profile: AgentProfile): Promise<RegisteredAgent> => {
  const answer = await api.post("/api/v1/agents", profile)
  expect(answer.status).toBe(201)
  return answer.body as RegisteredAgent
}

/** Registers an agent with `profile` and brings it online with a heartbeat (applied before it answers). */
export const registerOnline = async (api: Client, profile: AgentProfile): Promise<RegisteredAgent> => {
  const agent = await registerAgent(api, profile)
  expect((await api.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {}, { token: agent.token })).status).toBe(200)
  return agent
}

/** A task of `capability` that runs once (no retry after a failure); its id. */
export const oneShotTask = async (api: Client, capability: string): Promise<string> => {
  const created = await api.post("/api/v1/tasks", { title: `a ${capability} task`, capability, max_attempts: 1 })
  expect(created.status).toBe(201)
  return created.body.id as string
}
