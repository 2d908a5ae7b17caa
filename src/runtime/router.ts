// Router: a ready task waits in its capability's ready queue (Redis) until one agent takes it;
// agents with free capacity take the most urgent first, and each task is taken by one agent
// at a time. The router proposes by appending RESERVE to the agent; the agent's machine has
// the last word on capacity, and a refused proposal puts the task back in its queue. A sweep
// puts back ready tasks that a crash dropped between taking and proposing, and wakes agents.
import type { Redis } from "ioredis"
import type { Keys } from "../redis/keys.ts"
import { compareStreamIds } from "../redis/stream-id.ts"
import { enqueue, take, type QueuedTask } from "../redis/ready-queue.ts"
import type { Sql } from "../store/db.ts"
import { agentsWithCapacity, taskRouting, waitingTasks, type AgentCapacity } from "../store/routing.ts"
import type { FillAgentOutput, RouteTaskOutput } from "./actor-kind.ts"
import type { AppendFn } from "./append.ts"

export interface Router {
  /** Carries out one batch's routing requests; `cmdId` derives the proposals' command ids. */
  route(queue: ReadonlyArray<RouteTaskOutput>, fills: ReadonlyArray<FillAgentOutput>, cmdId: string): Promise<void>
  /** Re-queues tasks ready since before `now - waitMs` and wakes agents for them; how many it saw. */
  sweep(now: number, waitMs: number): Promise<number>
}

interface Offer {
  readonly agentId: string
  readonly taskId: string
}

const WAKE_AGENTS = 64

export const createRouter = (options: {
  readonly sql: Sql
  readonly redis: Redis
  readonly keys: Keys
  readonly append: AppendFn
  readonly clock: () => number
}): Router => {
  const { sql, redis, keys, append, clock } = options
  // Proposals this process appended (their RESERVE entry ids, per agent) that an agent's row may
  // not show yet: they count against its free capacity until its row has applied past them.
  const pending = new Map<string, string[]>()
  const pendingFor = (agent: AgentCapacity): number => {
    const unseen = (pending.get(agent.id) ?? []).filter((streamId) => compareStreamIds(streamId, agent.streamId) > 0)
    if (unseen.length === 0) pending.delete(agent.id)
    else pending.set(agent.id, unseen)
    return unseen.length
  }

  const propose = async (offers: ReadonlyArray<Offer>, cmdId: string): Promise<void> => {
    if (offers.length === 0) return
    // A task cancelled while it waited in the queue is dropped here.
    const facts = await taskRouting(sql, offers.map((offer) => offer.taskId))
    await Promise.all(
      offers
        .filter((offer) => facts.get(offer.taskId)?.state === "ready")
        .map(async (offer) => {
          const appended = await append({ kind: "agent", id: offer.agentId, type: "RESERVE", payload: { taskId: offer.taskId }, cmdId: `${cmdId}/${offer.taskId}` })
          pending.set(offer.agentId, [...(pending.get(offer.agentId) ?? []), appended.streamId])
        }),
    )
  }

  /** Agents with free capacity for these capabilities take what waits there. */
  const wake = async (capabilities: ReadonlySet<string>, skip: ReadonlySet<string>): Promise<Offer[]> => {
    const offers: Offer[] = []
    for (const capability of capabilities) {
      for (const agent of await agentsWithCapacity(sql, capability, WAKE_AGENTS)) {
        if (skip.has(agent.id)) continue
        const free = agent.free - pendingFor(agent) - offers.filter((offer) => offer.agentId === agent.id).length
        const taken = await take(redis, [keys.ready(capability)], free)
        offers.push(...taken.map((taskId) => ({ agentId: agent.id, taskId })))
        if (taken.length < free) break
      }
    }
    return offers
  }

  return {
    async route(queue, fills, cmdId) {
      const unknown = queue.filter((request) => request.capability === undefined).map((request) => request.taskId)
      const facts = await taskRouting(sql, unknown)
      const queued: QueuedTask[] = []
      for (const request of queue) {
        const fact = request.capability === undefined ? facts.get(request.taskId) : undefined
        if (request.capability !== undefined) {
          queued.push({ key: keys.ready(request.capability), taskId: request.taskId, priority: request.priority ?? 2, since: request.since ?? clock() })
        } else if (fact?.state === "ready") {
          queued.push({ key: keys.ready(fact.capability), taskId: fact.id, priority: fact.priority, since: fact.since })
        }
      }
      await enqueue(redis, queued)

      const offers: Offer[] = []
      for (const fill of fills) {
        const taken = await take(redis, fill.capabilities.map((capability) => keys.ready(capability)), fill.free)
        offers.push(...taken.map((taskId) => ({ agentId: fill.agentId, taskId })))
      }
      const capabilities = new Set(queued.map((task) => task.key.slice(keys.ready("").length)))
      offers.push(...(await wake(capabilities, new Set(fills.map((fill) => fill.agentId)))))
      await propose(offers, cmdId)
    },

    async sweep(now, waitMs) {
      const waiting = await waitingTasks(sql, now - waitMs, 1_000)
      await enqueue(redis, waiting.map((task) => ({ key: keys.ready(task.capability), taskId: task.id, priority: task.priority, since: task.since })))
      await propose(await wake(new Set(waiting.map((task) => task.capability)), new Set()), `sweep/${now}`)
      return waiting.length
    },
  }
}
