// Ready queues: per capability, the ready tasks no agent has taken yet, in one queue per group, and a
// rotation of those groups. Taking gives the most urgent priority first and, within a priority, one
// task per group in turn (so one group's 10,000 tasks do not starve another's 10); a group at its
// `max_in_flight` is skipped until one of its tasks is released. Each task is taken by exactly one
// taker (the script is atomic). One script, route-batch.lua, does a runtime batch's whole routing (releases, takes,
// queueing, idle agents woken) in one call; it includes the queues' and the idle agents' logic (ready-queues.lua,
// idle-agents.lua).
import type { Redis } from "ioredis"
import { scoreUnits } from "./idle-agents.ts"
import type { Keys } from "./keys.ts"
import { scriptsOn, type LeavingAgent, type ReadyTask, type Refusal, type RoutedBatch, type SlotRelease } from "./scripts.ts"

export type { Give, LeavingAgent, ReadyTask, Refusal, RouteOffer, RoutedBatch, Settled, SlotRelease } from "./scripts.ts"

/**
 * How long a taken task is known as taken, by default: a task still `ready` in Postgres and taken less
 * than this long ago has a proposal on its way (RESERVE, then ASSIGN), and the routing sweep leaves it
 * alone. A task a crash dropped between its take and its proposal is queued again by a sweep after this.
 */
export const TAKEN_HOLD_MS = 15_000

const takenKey = (keys: Keys): string => `${keys.route}:taken`

/** Those of `taskIds` noted as taken: not queued again since, and not forgotten (`forgetTakenBefore`). */
export const noted = async (redis: Redis, keys: Keys, taskIds: ReadonlyArray<string>): Promise<Set<string>> => {
  if (taskIds.length === 0) return new Set()
  const times = await redis.zmscore(takenKey(keys), ...taskIds)
  return new Set(taskIds.filter((_, index) => times[index] !== null))
}

/** Drops the notes of tasks taken before `before` (ms since the epoch): the routing sweep's, so the
 * notes held are those of the last hold at most, and none outlives it at rest. */
export const forgetTakenBefore = async (redis: Redis, keys: Keys, before: number): Promise<void> => {
  await redis.zremrangebyscore(takenKey(keys), "-inf", `(${before}`)
}

/** An agent with `free` slots for `capabilities`, and its routing score (it ranks it among the idle agents);
 * `transfers`: its slots may be transferred to next tasks without it (its breaker closed; default true). */
export interface FillAsk {
  readonly agentId: string
  readonly capabilities: ReadonlyArray<string>
  readonly free: number
  readonly score: number
  readonly transfers?: boolean
  /** The slots its machine holds (`inflight`): with `transfers`, its free slots are kept exactly and a wake gives them
   * straight to tasks (route-batch.lua); absent: a wake proposes (RESERVE). */
  readonly held?: ReadonlyArray<string>
  /** The agent's inbox entry whose state it asks from (a fill from an older state than the last one carried out is
   * stale and does nothing); absent: never stale. */
  readonly entryId?: string
}

/**
 * One batch's routing, atomically in one script call (route-batch.lua): resolves the slots of the agents `leaving`
 * work (none is transferred after), forgets the proposals of `refusals` (their agents' free slots no longer wait for
 * them), releases `releases` from their groups, settles each task of `settles` that
 * frees its agent's slot (transferred to one ready task among the agent's stored capabilities when it completed and
 * the agent takes transfers, else given back to the agent with that task as its next), lets each of `fills` take up to
 * its free slots (then idle for its capabilities with what is left, or no longer idle with none), queues `tasks` (a
 * task already queued keeps its place; one queued again is no longer in flight for its group, nor noted as taken;
 * `unlessTaken`, the sweep's repairs: a task noted as taken is left alone), then wakes up to `wakeAgents` idle agents
 * per capability of `tasks` and of the groups the releases reopened. The offers to propose, the fills' and the wakes'.
 */
export const routeBatch = (
  redis: Redis,
  keys: Keys,
  batch: {
    readonly leaving?: ReadonlyArray<LeavingAgent>
    readonly refusals?: ReadonlyArray<Refusal>
    readonly releases: ReadonlyArray<{ readonly group: string; readonly taskId: string }>
    readonly settles?: ReadonlyArray<SlotRelease>
    readonly fills: ReadonlyArray<FillAsk>
    /** `key`: the command id a task given straight to an agent keeps that decision under. */
    readonly tasks: ReadonlyArray<ReadyTask & { readonly key?: string }>
    readonly unlessTaken?: boolean
    /** The command id gives of tasks without a `key` derive theirs from. */
    readonly routing?: string
    readonly wakeAgents: number
    /** How long a decision is kept for a repeat of its command (ms; default: the connection's scripts' dedupe window). */
    readonly decisionMs?: number
    /** How long a proposal counts against its agent's free slots until the agent's fill names it (ms; TAKEN_HOLD_MS by
     * default: a proposal not applied by then was refused or dropped). */
    readonly holdMs?: number
  },
): Promise<RoutedBatch> =>
  scriptsOn(redis).routeBatch(keys.route, {
    ...(batch.leaving === undefined ? {} : { leaving: batch.leaving }),
    ...(batch.refusals === undefined ? {} : { refusals: batch.refusals }),
    releases: batch.releases,
    ...(batch.settles === undefined ? {} : { settles: batch.settles }),
    fills: batch.fills.map(({ agentId, capabilities, free, score, transfers, held, entryId }) => ({
      agentId,
      capabilities,
      free,
      units: scoreUnits(score),
      transfers: transfers ?? true,
      ...(held === undefined ? {} : { held }),
      ...(entryId === undefined ? {} : { entryId }),
    })),
    tasks: batch.tasks,
    unlessTaken: batch.unlessTaken ?? false,
    wakeAgents: batch.wakeAgents,
    holdMs: batch.holdMs ?? TAKEN_HOLD_MS,
    ...(batch.decisionMs === undefined ? {} : { decisionMs: batch.decisionMs }),
    ...(batch.routing === undefined ? {} : { routing: batch.routing }),
  })

/** A given slot's RELEASE, `told`, is appended to its agent: the slot is no longer counted on its way (`x:<slot>`,
 * route-batch.lua), as the RELEASE is now ahead of any GIVEN the freed slot brings. One call for a batch's releases. */
export const releasesAppended = async (
  redis: Redis,
  keys: Keys,
  released: ReadonlyArray<{ readonly agentId: string; readonly slot: string }>,
): Promise<void> => {
  if (released.length === 0) return
  const pipeline = redis.pipeline()
  for (const { agentId, slot } of released) pipeline.hdel(`${keys.route}:slots:${agentId}`, `x:${slot}`)
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
}

/** The slots of an agent transferred since its last RELEASE: task id -> the slot it holds (for inspection and tests). */
export const transferredSlots = async (redis: Redis, keys: Keys, agentId: string): Promise<Map<string, string>> => {
  const record = await redis.hgetall(`${keys.route}:slots:${agentId}`)
  return new Map(
    Object.entries(record)
      .filter(([field]) => field.startsWith("t:"))
      .map(([field, slot]) => [field.slice(2), slot]),
  )
}

/** The slots given straight to an agent by wakes and not released since, in the order of its record (for inspection
 * and tests). */
export const givenSlots = async (redis: Redis, keys: Keys, agentId: string): Promise<string[]> => {
  const record = await redis.hgetall(`${keys.route}:slots:${agentId}`)
  return Object.keys(record)
    .filter((field) => field.startsWith("v:"))
    .map((field) => field.slice(2))
}

/** The free slots the router keeps for an agent whose wakes give them straight (null: none kept; for tests). */
export const keptFree = async (redis: Redis, keys: Keys, agentId: string): Promise<number | null> => {
  const free = await redis.hget(`${keys.route}:slots:${agentId}`, "fr")
  return free === null ? null : Number(free)
}

/** Sets (or, with null, removes) the caps the routing scripts read, replacing them all. */
export const replaceGroupCaps = async (redis: Redis, keys: Keys, caps: ReadonlyMap<string, number>): Promise<void> => {
  const key = `${keys.route}:caps`
  const pipeline = redis.multi().del(key)
  if (caps.size > 0) pipeline.hset(key, Object.fromEntries(caps))
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
}

/** Sets one group's cap (null: no cap). */
export const setGroupCap = async (redis: Redis, keys: Keys, group: string, max: number | null): Promise<void> => {
  await (max === null ? redis.hdel(`${keys.route}:caps`, group) : redis.hset(`${keys.route}:caps`, group, max))
}

/** How many of its tasks are taken and not yet released. */
export const groupInFlight = (redis: Redis, keys: Keys, group: string): Promise<number> => redis.scard(`${keys.route}:held:${group}`)

/** The task ids waiting in `capability`'s queues, group by group in rotation order (for inspection and tests). */
export const waitingFor = async (redis: Redis, keys: Keys, capability: string): Promise<string[]> => {
  const groups = await redis.zrange(keys.ready(capability), 0, -1)
  const queues = await Promise.all(groups.map((group) => redis.zrange(`${keys.route}:g:${capability}|${group}`, 0, -1)))
  return queues.flat()
}
