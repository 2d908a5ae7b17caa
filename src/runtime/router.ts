// Router: finds work for agents and agents for work, from the Postgres snapshot columns, and
// proposes it by appending RESERVE to an agent. The agent's machine has the last word on
// capacity, so a stale read can never over-reserve; a refused proposal is routed again.
import type { FillAgentOutput, RouteTaskOutput } from "./actor-kind.ts"
import type { AppendFn } from "./append.ts"
import { candidateAgents, getActor, readyTasksFor } from "../store/queries.ts"
import type { Sql } from "../store/db.ts"

export interface Router {
  routeTask(request: RouteTaskOutput, cmdId: string): Promise<void>
  fillAgent(request: FillAgentOutput, cmdId: string): Promise<void>
}

export const createRouter = (sql: Sql, append: AppendFn): Router => ({
  async routeTask(request, cmdId) {
    const capability = request.capability ?? (await stillReady(sql, request.taskId))?.capability
    if (!capability) return
    const candidates = await candidateAgents(sql, capability, request.exclude.length + 1)
    const agent = candidates.find((candidate) => !request.exclude.includes(candidate.id))
    // No agent now: the task stays ready until an agent with free capacity asks for work.
    if (!agent) return
    await append({ kind: "agent", id: agent.id, type: "RESERVE", payload: { taskId: request.taskId }, cmdId })
  },

  async fillAgent(request, cmdId) {
    if (request.free <= 0 || request.capabilities.length === 0) return
    const tasks = await readyTasksFor(sql, request.capabilities, request.free)
    await Promise.all(
      tasks.map((task, index) =>
        append({ kind: "agent", id: request.agentId, type: "RESERVE", payload: { taskId: task.id }, cmdId: `${cmdId}/${index}` }),
      ),
    )
  },
})

/** A refused proposal comes back without the capability: route it again only while the task
 * waits. A task assigned, finished or gone meanwhile would otherwise bounce between busy
 * agents for ever, one refusal causing the next. */
const stillReady = async (sql: Sql, taskId: string) => {
  const task = await getActor(sql, "task", taskId)
  return task?.state === "ready" ? task : undefined
}
