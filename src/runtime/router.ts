// Router: a ready task waits in its capability's ready queue (Redis) until one agent takes it;
// agents with free capacity take the most urgent first (round-robin across groups within a priority,
// groups at their max_in_flight skipped), and each task is taken by one agent at a time. An agent that finds nothing to take is remembered as idle for its capabilities, and is
// woken from there when a task of one of them becomes ready, or when a slot frees in a capped group with tasks
// of its capabilities waiting: the hot path reads no database. A batch's routing (its group slots released, its
// agents' takes, its tasks queued, the idle agents woken) is one script call (route-batch.lua), then its proposals,
// one append call for all their agents' partitions (append-runs.lua, each proposal its own entry; one call a partition
// in a Redis Cluster).
// A task that frees its agent's slot is settled in the same script call (after the group releases): a completed
// task's slot is transferred to one ready task among the capabilities the agent's last fill request stored, and the
// runtime appends ASSIGN to that task, nothing to the agent (its count of held slots is the same); any other outcome,
// or an agent not taking transfers (no `agent-caps` entry: its breaker not closed, draining, lost), gives the slot back
// by RELEASE, carrying the ready task taken for it as the agent's next reservation (runtime: execute-batch.ts). An
// agent leaving work (lost, draining) has its slots resolved in that call to the tasks holding them now.
// The router proposes by appending RESERVE to the agent; the agent's machine has the last word
// on capacity, and a refused proposal puts the task back in its queue (and no longer counts against the agent's free
// slots). A wake of an agent whose free slots the router
// keeps exactly gives them straight: ASSIGN to each task, and one GIVEN to the agent naming them. A sweep (one process,
// every few seconds, from Postgres) puts back ready tasks a crash dropped between taking and
// proposing (once they were taken longer ago than the hold, `takenHoldMs`), and refreshes the idle agents from
// their stored free capacity and routing score (the score `POST /agents/route` explains).
import type { Redis } from "ioredis"
import { markIdle } from "../redis/idle-agents.ts"
import type { Keys } from "../redis/keys.ts"
import {
  forgetTakenBefore,
  noted,
  releasesAppended,
  replaceGroupCaps,
  routeBatch,
  TAKEN_HOLD_MS,
  type Give,
  type LeavingAgent,
  type ReadyTask,
  type RouteOffer,
  type Settled,
  type SlotRelease,
} from "../redis/ready-queue.ts"
import { streamIdMs } from "../redis/stream-id.ts"
import type { Sql } from "../store/db.ts"
import { groupCaps } from "../store/groups.ts"
import { agentsWithCapacity, taskRouting, waitingTasks } from "../store/routing.ts"
import type { FillAgentOutput, GroupReleaseOutput, RouteTaskOutput } from "./actor-kind.ts"
import type { AppendEachFn, EachCommand } from "./append.ts"

/** A task to route, with the command id of its item when the runtime's (a task given straight to an agent keeps that
 * decision under it, so a redelivered item gives it again to the same agent). */
export type RouteRequest = RouteTaskOutput & { readonly cmdId?: string; readonly entryId?: string }

/** One batch's routing requests. */
export interface RoutingRequests {
  readonly queue: ReadonlyArray<RouteRequest>
  /** `entryId`: the agent's inbox entry the fill was asked from (the runtime's items name it): a stale one does nothing. */
  readonly fills: ReadonlyArray<FillAgentOutput & { readonly entryId?: string }>
  /** Tasks no longer held: their group's slots are free again. */
  readonly releases: ReadonlyArray<GroupReleaseOutput>
  /** Tasks that free their agent's slot, in order (absent: none): each settled once (`Settled`). */
  readonly settles?: ReadonlyArray<SlotRelease>
  /** Agents leaving work, in order (absent: none): their slots resolved to the tasks holding them. */
  readonly leaving?: ReadonlyArray<LeavingAgent>
}

/** What a batch's routing answers. */
export interface Routed {
  /** Per settle, in order. */
  readonly settles: ReadonlyArray<Settled>
  /** Per leaving agent, in order: the tasks holding its slots. */
  readonly leaving: ReadonlyArray<ReadonlyArray<string>>
}

export interface Router {
  /** Carries out one batch's routing requests; `cmdId` derives the proposals' command ids. Answers the settles and
   * the leaving agents' tasks (`Routed`) once its proposals are appended. */
  route(requests: RoutingRequests, cmdId: string): Promise<Routed>
  /** The RELEASEs of given slots that `route` settled (`told`) are appended: those slots no longer count against their
   * agents' free slots as on their way. */
  released(slots: ReadonlyArray<{ readonly agentId: string; readonly slot: string }>): Promise<void>
  /** Copies the group caps to Redis, re-queues tasks ready since before `now - waitMs` and wakes agents for them; how many it saw.
   * `rebuild`: Redis lost the routing state (runtime.ts: a lease it forgot), so every online agent with free slots is
   * marked idle again, whatever waits, and the ready tasks are queued again (the oldest `SWEEP_TASKS`), however short their wait. */
  sweep(now: number, waitMs: number, rebuild?: boolean): Promise<number>
}

/** Tasks a sweep looks at, at most (the oldest first): enough to repair a crash's drops within a few
 * sweeps, few enough that a backlog of waiting tasks (all still queued) costs little to look at. */
const SWEEP_TASKS = 250

/** Agents a rebuild marks idle again, at most (the best ranked first): the rest ask for work again themselves, or are
 * marked by a sweep for a task of theirs that waits. */
const REBUILD_AGENTS = 10_000

/** Idle agents woken per capability and batch, at most. */
const WAKE_AGENTS = 64

export const createRouter = (options: {
  readonly sql: Sql
  readonly redis: Redis
  readonly keys: Keys
  /** How the proposals are appended, all of a batch's together (the runtime's: checked as its own commands). */
  readonly appendEach: AppendEachFn
  readonly clock: () => number
  /** How long a taken task counts as on its way to an agent (TAKEN_HOLD_MS by default). */
  readonly takenHoldMs?: number
  /** How long a settle's decision is kept for a repeat of its command: the deployment's dedupe window (by default the
   * scripts' default). */
  readonly decisionMs?: number
}): Router => {
  const { sql, redis, keys, appendEach, clock } = options
  const holdMs = options.takenHoldMs ?? TAKEN_HOLD_MS

  /** The proposal of `offer`, its command id derived from `cmdId` (so a repeated batch proposes nothing twice). */
  const reserve =
    (cmdId: string) =>
    (offer: RouteOffer): EachCommand => ({
      kind: "agent",
      id: offer.agentId,
      type: "RESERVE",
      payload: { taskId: offer.taskId },
      cmdId: `${cmdId}/${offer.taskId}`,
    })
  /** A task given straight to an agent's free slot: ASSIGN to the task, under the command id the script derived. */
  const assign = (give: Give): EachCommand => ({
    kind: "task",
    id: give.taskId,
    type: "ASSIGN",
    payload: { agentId: give.agentId },
    cmdId: give.cmdId,
  })
  /** The agents told of the slots given them straight (GIVEN), one per tell (a routing call's gives to one agent, named
   * after its first give; a give kept for a repeat keeps its tell): they count them from now on, without a RESERVE on
   * the task's way. A repeated batch tells a kept slot under the same id (deduplicated), whatever order or company its
   * gives come in. */
  const tell = (gives: ReadonlyArray<Give>): EachCommand[] => {
    const byTell = new Map<string, Give[]>()
    for (const give of gives) {
      const told = byTell.get(give.tell)
      if (told === undefined) byTell.set(give.tell, [give])
      else told.push(give)
    }
    return [...byTell].map(([name, told]) => ({
      kind: "agent",
      id: told[0]!.agentId,
      type: "GIVEN",
      payload: { taskIds: told.map((give) => give.taskId) },
      cmdId: `${name}/g`,
    }))
  }
  /** Appends `commands` together (one call; one a partition in a Redis Cluster). */
  const propose = async (commands: ReadonlyArray<EachCommand>): Promise<void> => {
    if (commands.length === 0) return
    await Promise.all(appendEach(commands))
  }

  return {
    async route({ queue, fills, releases, settles, leaving }, cmdId) {
      // A proposal the agent refused comes back without the task's facts (rare): read them.
      const unknown = queue.filter((request) => request.capability === undefined).map((request) => request.taskId)
      const facts = await taskRouting(sql, unknown)
      const queued: Array<ReadyTask & { readonly key?: string }> = []
      // Released tasks: a group back under its cap has its waiting tasks' idle agents woken in this same step.
      const released: Array<{ readonly group: string; readonly taskId: string }> = [...releases]
      for (const request of queue) {
        const fact = request.capability === undefined ? facts.get(request.taskId) : undefined
        const key = request.cmdId ?? request.entryId
        if (request.capability !== undefined) {
          queued.push({
            capability: request.capability,
            group: request.group ?? null,
            taskId: request.taskId,
            priority: request.priority ?? 2,
            since: request.since ?? clock(),
            ...(key === undefined ? {} : { key }),
          })
        } else if (fact?.state === "ready") {
          queued.push({
            capability: fact.capability,
            group: fact.group,
            taskId: fact.id,
            priority: fact.priority,
            since: fact.since,
            ...(key === undefined ? {} : { key }),
          })
        } else if (fact?.group && fact.state !== "assigned" && fact.state !== "in_progress") {
          // Taken for a proposal, then finished meanwhile: it no longer counts against its group.
          released.push({ group: fact.group, taskId: fact.id })
        }
      }
      // Agents with free capacity first take what already waits, then the new tasks wake idle ones (one script).
      // An agent's last request of the batch counts every reservation before it: the earlier ones are stale.
      const latest = new Map(fills.map((request) => [request.agentId, request]))
      // A refusal is carried out from the entry of the RESERVE it refused: that entry's time (Redis's clock, as the
      // proposal's) bounds the proposal it forgets. The runtime's items always name their entry.
      const refusals = queue.flatMap(({ refusedBy, taskId, entryId }) =>
        refusedBy === undefined || entryId === undefined ? [] : [{ agentId: refusedBy, taskId, reserveAt: streamIdMs(entryId) }],
      )
      const routed = await routeBatch(redis, keys, {
        leaving: leaving ?? [],
        refusals,
        releases: released,
        settles: settles ?? [],
        fills: [...latest.values()].map((request) => ({
          agentId: request.agentId,
          capabilities: request.capabilities,
          free: request.free,
          score: request.score ?? 0,
          transfers: request.transfers ?? true,
          ...(request.held === undefined ? {} : { held: request.held }),
          ...(request.entryId === undefined ? {} : { entryId: request.entryId }),
        })),
        tasks: queued,
        wakeAgents: WAKE_AGENTS,
        routing: cmdId,
        holdMs,
        ...(options.decisionMs === undefined ? {} : { decisionMs: options.decisionMs }),
      })
      await propose([
        ...routed.fills.map(reserve(cmdId)),
        ...routed.wakes.map(reserve(`${cmdId}/w`)),
        ...routed.gives.map(assign),
        ...tell(routed.gives),
      ])
      return { settles: routed.settles, leaving: routed.leaving }
    },

    released: (slots) => releasesAppended(redis, keys, slots),

    async sweep(now, waitMs, rebuild = false) {
      await replaceGroupCaps(redis, keys, await groupCaps(sql))
      await forgetTakenBefore(redis, keys, now - holdMs)
      if (rebuild) {
        const agents = await agentsWithCapacity(sql, undefined, REBUILD_AGENTS)
        await Promise.all(
          agents.map((agent) =>
            markIdle(
              redis,
              agent.capabilities.map((capability) => keys.idle(capability)),
              agent.id,
              agent.free,
              agent.score,
            ),
          ),
        )
      }
      const stored = await waitingTasks(sql, rebuild ? now : now - waitMs, SWEEP_TASKS)
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
          // A repair, ranked by the routing score its binding stored, as the agent ranks itself when it asks for work.
          await markIdle(redis, [keys.idle(capability)], agent.id, agent.free, agent.score)
        }
      }
      const routed = await routeBatch(redis, keys, {
        releases: [],
        fills: [],
        tasks: waiting.map((task) => ({
          capability: task.capability,
          group: task.group,
          taskId: task.id,
          priority: task.priority,
          since: task.since,
        })),
        unlessTaken: true,
        wakeAgents: WAKE_AGENTS,
        routing: `sweep/${now}`,
        holdMs,
      })
      await propose([...routed.wakes.map(reserve(`sweep/${now}`)), ...routed.gives.map(assign), ...tell(routed.gives)])
      return waiting.length
    },
  }
}
