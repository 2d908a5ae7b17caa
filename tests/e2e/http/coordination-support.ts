// Test support for the coordination tests over HTTP: a bot that works over HTTP (registered, kept
// online by heartbeats, starting and finishing the tasks assigned to it), and waits on a session's or
// a task's state as `GET` answers it.
import { waitFor } from "../../support/runtime.ts"
import { httpClient, type Client } from "../../support/edge.ts"

export interface HttpBot {
  readonly id: string
  readonly client: Client
  /** Waits until `taskId` is assigned to this bot, then starts it and ends it as `outcome` says. */
  work(taskId: string, outcome: "complete" | "fail"): Promise<void>
}

/** Registers a bot with `capabilities` and brings it online (one heartbeat, applied). `work` waits for one
 * task at a time: give it room (`maxConcurrency`) for every task that may be ready at once, or it may
 * hold tasks it is not working on while the one awaited waits for a slot. */
export const httpBot = async (api: Client, url: string, name: string, capabilities: string[], maxConcurrency = 1): Promise<HttpBot> => {
  const registered = await api.post("/api/v1/agents", { name, capabilities, max_concurrency: maxConcurrency })
  if (registered.status !== 201) throw new Error(`registering ${name}: ${JSON.stringify(registered.body)}`)
  const { id, token } = registered.body as { id: string; token: string }
  const client = httpClient(url, token)
  await client.post(`/api/v1/agents/${id}/heartbeat?wait=1`, {})
  return {
    id,
    client,
    async work(taskId, outcome) {
      await waitFor(`task ${taskId} assigned to ${name}`, async () => {
        const task = (await api.get(`/api/v1/tasks/${taskId}`)).body
        return task.status === "assigned" && task.agent_id === id ? true : undefined
      }, 20_000)
      await client.post(`/api/v1/agents/${id}/heartbeat`, {})
      const started = await client.post(`/api/v1/tasks/${taskId}/start?wait=1`, {})
      if (started.body.state !== "in_progress") throw new Error(`starting ${taskId}: ${JSON.stringify(started.body)}`)
      const body = outcome === "complete" ? { result: { by: name } } : { error: "it broke" }
      const ended = await client.post(`/api/v1/tasks/${taskId}/${outcome}?wait=1`, body)
      if (ended.status !== 200) throw new Error(`${outcome} ${taskId}: ${JSON.stringify(ended.body)}`)
    },
  }
}

/** The session once `GET /sessions/{id}` answers `status`. */
export const sessionIn = (api: Client, id: string, status: string, timeoutMs = 20_000) =>
  waitFor(`session ${id} ${status}`, async () => {
    const session = (await api.get(`/api/v1/sessions/${id}`)).body
    return session.status === status ? session : undefined
  }, timeoutMs)

/** The task once `GET /tasks/{id}` answers `status`. */
export const taskIn = (api: Client, id: string, status: string, timeoutMs = 20_000) =>
  waitFor(`task ${id} ${status}`, async () => {
    const task = (await api.get(`/api/v1/tasks/${id}`)).body
    return task.status === status ? task : undefined
  }, timeoutMs)
