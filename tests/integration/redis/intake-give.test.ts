// Gifts at intake (intake-give.lua): a standalone task about to be created is given to the best idle agent of its
// capability whose free slots the router keeps exactly, as a wake would give it straight, but before the task exists;
// never while a task waits for that capability (nothing is passed over), and never to an agent the router does not
// keep exact count of (it is left idle as it was, and the task is created ready and routed as before). An agent lost
// before such a task's CREATE is appended marks the slot lost (route-batch.lua), which intake-lost.lua answers the
// producer once the CREATE is appended, until the task's release settles the slot.
import type { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { idleAgents } from "../../../src/redis/idle-agents.ts"
import { type FillAsk, givenSlots, keptFree, routeBatch, setGroupCap, waitingFor } from "../../../src/redis/ready-queue.ts"
import { scriptsOn } from "../../../src/redis/scripts.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment()
})
afterAll(() => d.close())

const T0 = Date.UTC(2026, 11, 4, 10)
const fill = (fills: FillAsk[]) => routeBatch(d.redis, d.keys, { releases: [], fills, tasks: [], wakeAgents: 64 })
/** An agent whose fill names its slots (none held) and takes transfers: the router keeps its free slots exactly. */
const exact = (agentId: string, capabilities: string[], free: number, score = 1): FillAsk => ({
  agentId,
  capabilities,
  free,
  score,
  held: [],
})
const give = (redis: Redis, tasks: Array<[capability: string, taskId: string]>) =>
  scriptsOn(redis).giveAtIntake(
    d.keys.route,
    tasks.map(([capability, taskId]) => ({ capability, taskId })),
  )
const idle = async (capability: string) => (await idleAgents(d.redis, d.keys.idle(capability))).map((agent) => [agent.agentId, agent.free])

describe("intake-give.lua", () => {
  it("gives tasks to the best idle agent's kept free slots, recorded as given, until they run out", async () => {
    await fill([exact("ig-a", ["ig-code", "ig-docs"], 2, 0.9), exact("ig-b", ["ig-code"], 1, 0.5)])
    const gifts = await give(d.redis, [
      ["ig-code", "ig-1"],
      ["ig-code", "ig-2"],
      ["ig-code", "ig-3"],
      ["ig-code", "ig-4"],
    ])
    expect(gifts).toEqual([
      { taskId: "ig-1", agentId: "ig-a" },
      { taskId: "ig-2", agentId: "ig-a" },
      { taskId: "ig-3", agentId: "ig-b" },
    ])
    expect(await givenSlots(d.redis, d.keys, "ig-a")).toEqual(["ig-1", "ig-2"])
    expect(await givenSlots(d.redis, d.keys, "ig-b")).toEqual(["ig-3"])
    expect([await keptFree(d.redis, d.keys, "ig-a"), await keptFree(d.redis, d.keys, "ig-b")]).toEqual([0, 0])
    // Idle nowhere with nothing left, for any of its capabilities; ig-4 was not given (created ready, routed as before).
    expect([await idle("ig-code"), await idle("ig-docs")]).toEqual([[], []])
    expect(await waitingFor(d.redis, d.keys, "ig-code")).toEqual([])
  })

  it("an agent whose fill gave no count of its slots is left idle as it was, and nothing is given", async () => {
    await fill([{ agentId: "ig-p", capabilities: ["ig-prop"], free: 2, score: 1 }])
    expect(await give(d.redis, [["ig-prop", "ig-p1"]])).toEqual([])
    expect(await idle("ig-prop")).toEqual([["ig-p", 2]])
    expect(await givenSlots(d.redis, d.keys, "ig-p")).toEqual([])
  })

  it("nothing is given while a task waits for the capability: it is not passed over", async () => {
    // A task of a group capped at 0 waits; the agent's fill takes nothing and stays idle with its slot kept.
    await setGroupCap(d.redis, d.keys, "ig-capped", 0)
    await routeBatch(d.redis, d.keys, {
      releases: [],
      fills: [],
      tasks: [{ capability: "ig-wait", group: "ig-capped", taskId: "ig-w0", priority: 2, since: T0 }],
      wakeAgents: 64,
    })
    await fill([exact("ig-w", ["ig-wait"], 1)])
    expect(await keptFree(d.redis, d.keys, "ig-w")).toBe(1)
    expect(await give(d.redis, [["ig-wait", "ig-w1"]])).toEqual([])
    expect(await idle("ig-wait")).toEqual([["ig-w", 1]])
  })

  it("with no idle agent for the capability, nothing is given", async () => {
    expect(await give(d.redis, [["ig-none", "ig-n1"]])).toEqual([])
  })
})

describe("intake-lost.lua", () => {
  const lostAtIntake = (gifts: Array<[agentId: string, taskId: string]>) =>
    scriptsOn(d.redis).lostAtIntake(
      d.keys.route,
      gifts.map(([agentId, taskId]) => ({ agentId, taskId })),
    )

  it("answers the tasks given to an agent whose loss came before their CREATE, with its reason, until their release", async () => {
    await fill([exact("il-a", ["il-code"], 2), exact("il-b", ["il-docs"], 1)])
    const gifts = await give(d.redis, [
      ["il-code", "il-1"],
      ["il-code", "il-2"],
      ["il-docs", "il-3"],
    ])
    expect(gifts.map(({ agentId }) => agentId)).toEqual(["il-a", "il-a", "il-b"])
    // Nothing lost yet: nothing to answer.
    expect(
      await lostAtIntake([
        ["il-a", "il-1"],
        ["il-a", "il-2"],
        ["il-b", "il-3"],
      ]),
    ).toEqual([])
    // il-a deregistered before the CREATEs were appended: its loss resolves the two given slots to their tasks (whose
    // AGENT_LOST a missing actor refuses), and marks them.
    const loss = { cmdId: "il-loss", agentId: "il-a", slots: [], lost: true, lossReason: "deregistered" }
    const routed = await routeBatch(d.redis, d.keys, { leaving: [loss], releases: [], fills: [], tasks: [], wakeAgents: 64 })
    expect(routed.leaving).toEqual([["il-1", "il-2"]])
    expect(
      await lostAtIntake([
        ["il-a", "il-1"],
        ["il-a", "il-2"],
        ["il-b", "il-3"],
      ]),
    ).toEqual([
      { taskId: "il-1", agentId: "il-a", reason: "deregistered" },
      { taskId: "il-2", agentId: "il-a", reason: "deregistered" },
    ])
    // il-1's release (its AGENT_LOST applied) settles its slot: no longer answered; il-2 still is.
    const settle = { cmdId: "il-settle", agentId: "il-a", taskId: "il-1", outcome: "lost", replayed: false }
    await routeBatch(d.redis, d.keys, { settles: [settle], releases: [], fills: [], tasks: [], wakeAgents: 64 })
    expect(
      await lostAtIntake([
        ["il-a", "il-1"],
        ["il-a", "il-2"],
      ]),
    ).toEqual([{ taskId: "il-2", agentId: "il-a", reason: "deregistered" }])
  })

  it("a loss without a reason marks heartbeat_expired, and a drain marks nothing", async () => {
    await fill([exact("il-h", ["il-hb"], 1), exact("il-d", ["il-dr"], 1)])
    await give(d.redis, [
      ["il-hb", "il-h1"],
      ["il-dr", "il-d1"],
    ])
    await routeBatch(d.redis, d.keys, {
      leaving: [
        { cmdId: "il-h-loss", agentId: "il-h", slots: [], lost: true },
        { cmdId: "il-d-drain", agentId: "il-d", slots: [], lost: false },
      ],
      releases: [],
      fills: [],
      tasks: [],
      wakeAgents: 64,
    })
    expect(
      await lostAtIntake([
        ["il-h", "il-h1"],
        ["il-d", "il-d1"],
      ]),
    ).toEqual([{ taskId: "il-h1", agentId: "il-h", reason: "heartbeat_expired" }])
  })
})
