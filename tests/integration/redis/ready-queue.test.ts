// Ready queues, as route-batch.lua keeps them (its fills take, its tasks are queued, its releases free group slots):
// urgency order (priority, then age) across capabilities, a queued task keeps its place,
// a task is taken by exactly one of several concurrent takers, groups share a priority round-robin,
// a group at its max_in_flight is skipped until one of its tasks is released (which wakes the idle agents
// of its capabilities only when it brings a group with waiting tasks back under its cap), and a taken
// task is known as taken (so the routing sweep does not offer it twice, even when it was taken between the
// sweep's look and its queueing) until it is queued again or the hold passes.
import type { Redis } from "ioredis"
import { describe, expect, it } from "vitest"
import { markIdle } from "../../../src/redis/idle-agents.ts"
import {
  forgetTakenBefore,
  groupInFlight,
  noted,
  type ReadyTask,
  routeBatch,
  setGroupCap,
  TAKEN_HOLD_MS,
  waitingFor,
} from "../../../src/redis/ready-queue.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()
const T0 = Date.UTC(2026, 10, 21, 10)
const ready = (capability: string, taskId: string, priority: number, since: number, group: string | null = null): ReadyTask => ({
  capability,
  group,
  taskId,
  priority,
  since,
})

type Slot = { group: string; taskId: string }
const route = (
  batch: {
    releases?: Slot[]
    fills?: Parameters<typeof routeBatch>[2]["fills"]
    tasks?: ReadyTask[]
    unlessTaken?: boolean
    wakeAgents?: number
  },
  redis: Redis = fresh.redis,
) => routeBatch(redis, fresh.keys, { releases: [], fills: [], tasks: [], wakeAgents: 0, ...batch })

const waiting = async (capabilities: ReadonlyArray<string>): Promise<number> =>
  (await Promise.all(capabilities.map((capability) => waitingFor(fresh.redis, fresh.keys, capability)))).flat().length

/** Queues `tasks`, waking no one; how many were queued anew (by how many the tasks waiting grew). */
const enqueue = async (tasks: ReadyTask[], unlessTaken = false): Promise<number> => {
  const capabilities = [...new Set(tasks.map((task) => task.capability))]
  const before = await waiting(capabilities)
  await route({ tasks, unlessTaken })
  return (await waiting(capabilities)) - before
}

let takers = 0
/** The tasks an agent of `capabilities` with `count` free slots takes, in the order taken (it is not left idle). */
const take = async (capabilities: string[], count: number, redis: Redis = fresh.redis): Promise<string[]> => {
  const agentId = `taker-${takers++}`
  const routed = await route(
    {
      fills: [
        { agentId, capabilities, free: count, score: 1 },
        { agentId, capabilities, free: 0, score: 1 },
      ],
    },
    redis,
  )
  expect(routed.wakes).toEqual([])
  return routed.fills.map((offer) => offer.taskId)
}

/**
 * Releases `slots`; the capabilities of `watched` woken by it, sorted. Each watched capability gets an idle agent with
 * one slot and, queued without waking anyone, a task of no group more urgent than any other: its agent takes that task
 * only when woken. The tasks of those not woken are taken back after, their agents no longer idle: the queues are as
 * the release alone leaves them.
 */
const release = async (slots: Slot[], watched: string[]): Promise<string[]> => {
  for (const capability of watched) await markIdle(fresh.redis, [fresh.keys.idle(capability)], `watch-${capability}`, 1, 1)
  await route({ tasks: watched.map((capability) => ready(capability, `canary-${capability}`, 0, T0)) })
  const routed = await route({ releases: slots, wakeAgents: 1 })
  expect(routed.fills).toEqual([])
  const woken = routed.wakes.map((offer) => offer.agentId.slice("watch-".length))
  expect(routed.wakes).toEqual(woken.map((capability) => ({ agentId: `watch-${capability}`, taskId: `canary-${capability}` })))
  const rest = watched.filter((capability) => !woken.includes(capability))
  if (rest.length > 0)
    expect(
      (
        await route({
          fills: rest.map((capability) => ({ agentId: `watch-${capability}`, capabilities: [capability], free: 1, score: 1 })),
        })
      ).fills,
    ).toEqual(rest.map((capability) => ({ agentId: `watch-${capability}`, taskId: `canary-${capability}` })))
  return woken.sort()
}

describe("ready queues", () => {
  it("takes the most urgent tasks across capabilities: priority first, then the oldest", async () => {
    await enqueue([
      ready("code", "code-p2-old", 2, T0),
      ready("code", "code-p2-new", 2, T0 + 5_000),
      ready("review", "review-p1", 1, T0 + 9_000),
      ready("code", "code-p0", 0, T0 + 20_000),
    ])
    expect(await take(["code", "review"], 3)).toEqual(["code-p0", "review-p1", "code-p2-old"])
    expect(await take(["code", "review"], 3)).toEqual(["code-p2-new"])
    expect(await take(["code", "review"], 3)).toEqual([])
    expect(await fresh.redis.exists(fresh.keys.ready("code"), fresh.keys.ready("review"))).toBe(0)
  })

  it("keeps a queued task's place when it is queued again", async () => {
    await enqueue([ready("keep", "a", 2, T0), ready("keep", "b", 2, T0 + 1)])
    await enqueue([ready("keep", "a", 2, T0 + 10)])
    expect(await take(["keep"], 1)).toEqual(["a"])
  })

  it("gives each task to exactly one of many concurrent takers", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, "0")}`)
    await enqueue(ids.map((taskId, i) => ready("race", taskId, 2, T0 + i, i % 3 === 0 ? "g" : null)))
    const takers = await Promise.all(Array.from({ length: 4 }, () => fresh.connect("taker")))
    const taken = (
      await Promise.all(
        takers.map(async (redis) => {
          const mine: string[] = []
          for (let batch = await take(["race"], 7, redis); batch.length > 0; batch = await take(["race"], 7, redis)) mine.push(...batch)
          return mine
        }),
      )
    ).flat()
    expect(taken.sort()).toEqual(ids)
  })

  it("takes nothing for no capacity or no capabilities", async () => {
    await enqueue([ready("none", "x", 2, T0)])
    expect(await take(["none"], 0)).toEqual([])
    expect(await take([], 3)).toEqual([])
  })

  it("hands out one task per group in turn within a priority: a group of 1,000 does not starve a group of 3", async () => {
    const big = Array.from({ length: 1_000 }, (_, i) => ready("fair", `big-${i}`, 2, T0 + i, "big"))
    const small = Array.from({ length: 3 }, (_, i) => ready("fair", `small-${i}`, 2, T0 + 5_000 + i, "small"))
    await enqueue([...big, ...small])
    expect(await take(["fair"], 6)).toEqual(["big-0", "small-0", "big-1", "small-1", "big-2", "small-2"])
    expect(await take(["fair"], 2)).toEqual(["big-3", "big-4"])
  })

  it("still gives a more urgent priority first, whatever the groups", async () => {
    await enqueue([ready("prio", "a-low", 3, T0, "a"), ready("prio", "b-low", 3, T0 + 1, "b"), ready("prio", "b-high", 0, T0 + 2, "b")])
    expect(await take(["prio"], 3)).toEqual(["b-high", "a-low", "b-low"])
  })

  it("skips a group at its max_in_flight until one of its tasks is released", async () => {
    await setGroupCap(fresh.redis, fresh.keys, "capped", 2)
    await enqueue([
      ...Array.from({ length: 5 }, (_, i) => ready("cap", `c-${i}`, 2, T0 + i, "capped")),
      ready("cap", "free-0", 2, T0 + 100, "other"),
    ])
    expect(await take(["cap"], 10)).toEqual(["c-0", "free-0", "c-1"])
    expect(await groupInFlight(fresh.redis, fresh.keys, "capped")).toBe(2)
    expect(await take(["cap"], 10)).toEqual([])
    // Back under its cap with tasks waiting: the capability's idle agents are to be woken.
    expect(await release([{ group: "capped", taskId: "c-0" }], ["cap"])).toEqual(["cap"])
    expect(await take(["cap"], 10)).toEqual(["c-2"])
    // A taken task queued again (its agent refused it) leaves its group's in-flight set.
    await enqueue([ready("cap", "c-1", 2, T0 + 1, "capped")])
    expect(await groupInFlight(fresh.redis, fresh.keys, "capped")).toBe(1)
    expect(await take(["cap"], 10)).toEqual(["c-1"])
  })

  it("wakes the idle agents of a capability only when a release brings a capped group with waiting tasks under its cap", async () => {
    await setGroupCap(fresh.redis, fresh.keys, "wake", 2)
    const WATCHED = ["build", "lint", "test"]
    await enqueue([
      ready("build", "b-0", 2, T0, "wake"),
      ready("build", "b-1", 2, T0 + 1, "wake"),
      ready("test", "t-0", 2, T0 + 2, "wake"),
      ready("lint", "l-0", 2, T0 + 3, "wake"),
    ])
    expect(await take(["build"], 2)).toEqual(["b-0", "b-1"])
    // At its cap: a release of a task it does not hold changes nothing and wakes no one.
    expect(await release([{ group: "wake", taskId: "x" }], WATCHED)).toEqual([])
    expect(await release([{ group: "wake", taskId: "b-0" }], WATCHED)).toEqual(["lint", "test"])
    // Under its cap already: a second release wakes no one (the agents woken by the first took the slot or found none).
    expect(await release([{ group: "wake", taskId: "b-1" }], WATCHED)).toEqual([])
    expect(await take(["test", "lint"], 2)).toEqual(["t-0", "l-0"])
    // Under its cap: nothing is woken.
    expect(await release([{ group: "wake", taskId: "t-0" }], WATCHED)).toEqual([])
    expect(await release([{ group: "wake", taskId: "l-0" }], WATCHED)).toEqual([])
    await enqueue([ready("build", "b-2", 2, T0 + 4, "wake"), ready("build", "b-3", 2, T0 + 5, "wake")])
    expect(await take(["build"], 2)).toEqual(["b-2", "b-3"])
    // At its cap again with nothing of it waiting: the release wakes no one and empties the index.
    expect(await release([{ group: "wake", taskId: "b-2" }], WATCHED)).toEqual([])
    expect(await fresh.redis.exists(`${fresh.keys.route}:gc:wake`)).toBe(0)
  })

  it("knows a taken task as taken until it is queued again, and forgets takes older than the hold", async () => {
    await enqueue([ready("note", "n-0", 2, T0), ready("note", "n-1", 2, T0 + 1), ready("note", "n-2", 2, T0 + 2)])
    expect(await take(["note"], 2)).toEqual(["n-0", "n-1"])
    expect(await noted(fresh.redis, fresh.keys, ["n-0", "n-1", "n-2"])).toEqual(new Set(["n-0", "n-1"]))
    // Refused by its agent and queued again: no longer on its way.
    await enqueue([ready("note", "n-1", 2, T0 + 1)])
    expect(await noted(fresh.redis, fresh.keys, ["n-0", "n-1"])).toEqual(new Set(["n-0"]))
    // A take older than the hold is forgotten (the routing sweep's step); a recent one is kept.
    await fresh.redis.zadd(`${fresh.keys.route}:taken`, Date.now() - TAKEN_HOLD_MS - 60_000, "n-0")
    expect(await take(["note"], 1)).toEqual(["n-1"])
    await forgetTakenBefore(fresh.redis, fresh.keys, Date.now() - TAKEN_HOLD_MS)
    expect(await fresh.redis.zscore(`${fresh.keys.route}:taken`, "n-0")).toBeNull()
    expect(await noted(fresh.redis, fresh.keys, ["n-1"])).toEqual(new Set(["n-1"]))
  })

  it("leaves a task taken since the sweep looked with its taker when the sweep queues it again (unless_taken)", async () => {
    await enqueue([ready("race", "r-0", 2, T0), ready("race", "r-1", 2, T0 + 1)])
    // The sweep saw both waiting; r-0 is taken before it queues them again.
    expect(await take(["race"], 1)).toEqual(["r-0"])
    expect(await enqueue([ready("race", "r-0", 2, T0), ready("race", "r-1", 2, T0 + 1)], true)).toBe(0)
    // r-0 is offered to no second agent; r-1 (still queued) keeps its place.
    expect(await take(["race"], 5)).toEqual(["r-1"])
    // A task a crash dropped after its take is queued again once its note is forgotten.
    await forgetTakenBefore(fresh.redis, fresh.keys, Date.now() + 1)
    expect(await enqueue([ready("race", "r-0", 2, T0)], true)).toBe(1)
    expect(await take(["race"], 5)).toEqual(["r-0"])
  })
})
