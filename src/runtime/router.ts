// Router: a ready task waits in its capability's ready queue (Redis) until one agent takes it;
// agents with free capacity take the most urgent first (round-robin across groups within a priority,
// groups at their max_in_flight skipped), and each task is taken by one agent at a time. An agent that finds nothing to take is remembered as idle for its capabilities, and is
// woken from there when a task of one of them becomes ready, or when a slot frees in a capped group with tasks
// of its capabilities waiting: the hot path reads no database.
// The router proposes by appending RESERVE to the agent; the agent's machine has the last word
// on capacity, and a refused proposal puts the task back in its queue. A sweep (one process,
// every few seconds, from Postgres) puts back ready tasks a crash dropped between taking and
// proposing (once they were taken longer ago than the hold, `takenHoldMs`), and refreshes the idle agents from
// their stored free capacity.
import type { Redis } from "ioredis"
import { markIdle, popIdle } from "../redis/idle-agents.ts"
import type { Keys } from "../redis/keys.ts"
import { compareStreamIds } from "../redis/stream-id.ts"
import {
  enqueue,
  forgetTakenBefore,
  noted,
  releaseGroupSlots,
  replaceGroupCaps,
  TAKEN_HOLD_MS,
  take,
  type ReadyTask,
} from "../redis/ready-queue.ts"
import type { Sql } from "../store/db.ts"
import { groupCaps } from "../store/groups.ts"
import { agentsWithCapacity, taskRouting, waitingTasks } from "../store/routing.ts"
import type { FillAgentOutput, GroupReleaseOutput, RouteTaskOutput } from "./actor-kind.ts"
import type { AppendFn } from "./append.ts"

/** A request for work from an agent, with the agent's inbox entry it was decided at: its `free`
 * counts every reservation up to that entry, none appended after it. */
export type FillRequest = FillAgentOutput & { readonly entryId: string }

/** One batch's routing requests. */
export interface RoutingRequests {
  readonly queue: ReadonlyArray<RouteTaskOutput>
  readonly fills: ReadonlyArray<FillRequest>
  /** Tasks no longer held: their group's slots are free again. */
  readonly releases: ReadonlyArray<GroupReleaseOutput>
}

export interface Router {
  /** Carries out one batch's routing requests; `cmdId` derives the proposals' command ids. */
  route(requests: RoutingRequests, cmdId: string): Promise<void>
  /** Copies the group caps to Redis, re-queues tasks ready since before `now - waitMs` and wakes agents for them; how many it saw. */
  sweep(now: number, waitMs: number): Promise<number>
}

interface Offer {
  readonly agentId: string
  readonly taskId: string
}

/** Tasks a sweep looks at, at most (the oldest first): enough to repair a crash's drops within a few
 * sweeps, few enough that a backlog of waiting tasks (all still queued) costs little to look at. */
const SWEEP_TASKS = 250

/** Idle agents woken per capability and batch, at most. */
const WAKE_AGENTS = 64

export const createRouter = (options: {
  readonly sql: Sql
  readonly redis: Redis
  readonly keys: Keys
  readonly append: AppendFn
  readonly clock: () => number
  /** How long a taken task counts as on its way to an agent (TAKEN_HOLD_MS by default). */
  readonly takenHoldMs?: number
}): Router => {
  const { sql, redis, keys, append, clock } = options
  const holdMs = options.takenHoldMs ?? TAKEN_HOLD_MS
  // Proposals this process appended (their RESERVE entry ids, per agent) that an agent's machine
  // may not have applied yet: they count against the free slots it reported before them.
  const pending = new Map<string, string[]>()
  const unseen = (agentId: string, seenUpTo: string): number => {
    const left = (pending.get(agentId) ?? []).filter((streamId) => compareStreamIds(streamId, seenUpTo) > 0)
    if (left.length === 0) pending.delete(agentId)
    else pending.set(agentId, left)
    return left.length
  }

  const propose = async (offers: ReadonlyArray<Offer>, cmdId: string): Promise<void> => {
    await Promise.all(
      offers.map(async (offer) => {
        const appended = await append({
          kind: "agent",
          id: offer.agentId,
          type: "RESERVE",
          payload: { taskId: offer.taskId },
          cmdId: `${cmdId}/${offer.taskId}`,
        })
        pending.set(offer.agentId, [...(pending.get(offer.agentId) ?? []), appended.streamId])
      }),
    )
  }

  /** An agent with `free` slots takes what waits for its capabilities; idle for them if that is not enough. */
  const fill = async (agentId: string, capabilities: ReadonlyArray<string>, free: number, score: number): Promise<Offer[]> => {
    if (free <= 0) return []
    const idle = capabilities.map((capability) => keys.idle(capability))
    const taken = await take(redis, keys, capabilities, free)
    await markIdle(redis, idle, agentId, free - taken.length, score)
    if (taken.length < free) {
      // A task queued between the take and the mark found no idle agent to wake: look once more.
      const late = await take(redis, keys, capabilities, free - taken.length)
      if (late.length > 0) {
        taken.push(...late)
        await markIdle(redis, idle, agentId, free - taken.length, score)
      }
    }
    return taken.map((taskId) => ({ agentId, taskId }))
  }

  /** Idle agents of `capability` take what now waits there, until it is empty or none is left. */
  const wake = async (capability: string): Promise<Offer[]> => {
    const offers: Offer[] = []
    for (let woken = 0; woken < WAKE_AGENTS; woken += 1) {
      const idle = await popIdle(redis, keys.idle(capability))
      if (idle === undefined) break
      // Its idle slots were counted after the proposals made to it so far.
      const taken = await fill(idle.agentId, [capability], idle.free, idle.score)
      offers.push(...taken)
      if (taken.length < idle.free) break
    }
    return offers
  }

  /** Queues `queued` and wakes idle agents of their capabilities and of `reopened` (a group slot freed there);
   * `unlessTaken` for the sweep's repairs (a task taken since the sweep looked stays with its taker). */
  const queueAndWake = async (
    queued: ReadonlyArray<ReadyTask>,
    cmdId: string,
    reopened: ReadonlyArray<string> = [],
    unlessTaken = false,
  ): Promise<void> => {
    await enqueue(redis, keys, queued, unlessTaken)
    const capabilities = new Set([...queued.map((task) => task.capability), ...reopened])
    const offers = (await Promise.all([...capabilities].map(wake))).flat()
    await propose(offers, cmdId)
  }

  return {
    async route({ queue, fills, releases }, cmdId) {
      // A group back under its cap: its waiting tasks' idle agents are woken below, not at the next sweep.
      const reopened = await releaseGroupSlots(redis, keys, releases)
      // A proposal the agent refused comes back without the task's facts (rare): read them.
      const unknown = queue.filter((request) => request.capability === undefined).map((request) => request.taskId)
      const facts = await taskRouting(sql, unknown)
      const queued: ReadyTask[] = []
      for (const request of queue) {
        const fact = request.capability === undefined ? facts.get(request.taskId) : undefined
        if (request.capability !== undefined) {
          queued.push({
            capability: request.capability,
            group: request.group ?? null,
            taskId: request.taskId,
            priority: request.priority ?? 2,
            since: request.since ?? clock(),
          })
        } else if (fact?.state === "ready") {
          queued.push({ capability: fact.capability, group: fact.group, taskId: fact.id, priority: fact.priority, since: fact.since })
        } else if (fact?.group && fact.state !== "assigned" && fact.state !== "in_progress") {
          // Taken for a proposal, then finished meanwhile: it no longer counts against its group.
          reopened.push(...(await releaseGroupSlots(redis, keys, [{ group: fact.group, taskId: fact.id }])))
        }
      }
      // Agents with free capacity first take what already waits, then the new tasks wake idle ones.
      // An agent's last request of the batch counts every reservation before it: the earlier ones are stale.
      const latest = new Map(fills.map((request) => [request.agentId, request]))
      const offers = (
        await Promise.all(
          [...latest.values()].map((request) =>
            fill(request.agentId, request.capabilities, request.free - unseen(request.agentId, request.entryId), request.score ?? 0),
          ),
        )
      ).flat()
      await propose(offers, cmdId)
      await queueAndWake(queued, `${cmdId}/w`, reopened)
    },

    async sweep(now, waitMs) {
      await replaceGroupCaps(redis, keys, await groupCaps(sql))
      await forgetTakenBefore(redis, keys, now - holdMs)
      const stored = await waitingTasks(sql, now - waitMs, SWEEP_TASKS)
      // Taken within the hold: its proposal is on its way, and queueing it again would offer it twice (this
      // look spares waking agents for it; the queueing itself checks again, atomically, for a take since).
      const onTheirWay = await noted(
        redis,
        keys,
        stored.map((task) => task.id),
      )
      const waiting = stored.filter((task) => !onTheirWay.has(task.id))
      const capabilities = new Set(waiting.map((task) => task.capability))
      for (const capability of capabilities) {
        for (const agent of await agentsWithCapacity(sql, capability, WAKE_AGENTS)) {
          // A repair: ranked by its free slots only (score 0) until it asks for work again with its score.
          await markIdle(redis, [keys.idle(capability)], agent.id, agent.free, 0)
        }
      }
      await queueAndWake(
        waiting.map((task) => ({
          capability: task.capability,
          group: task.group,
          taskId: task.id,
          priority: task.priority,
          since: task.since,
        })),
        `sweep/${now}`,
        [],
        true,
      )
      return waiting.length
    },
  }
}
