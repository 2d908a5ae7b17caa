// A runtime batch's routing in one script call (route-batch.lua): group slots released, then the agents with free
// slots take (idle with what is left), then the batch's tasks are queued, then the idle agents of their capabilities
// and of the reopened groups' are woken, best rank first, up to the limit, stopping at one that took fewer than its
// free slots; priorities and caps hold throughout. The router carries out a batch with that one call, then its
// proposals (RESERVE appended to each agent; how many calls: tests/integration/runtime/router-proposals.test.ts).
import { randomUUID } from "node:crypto"
import type { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { idleAgents } from "../../../src/redis/idle-agents.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import {
  type FillAsk,
  givenSlots,
  groupInFlight,
  keptFree,
  type LeavingAgent,
  releasesAppended,
  type ReadyTask,
  type Refusal,
  routeBatch,
  setGroupCap,
  type SlotRelease,
  transferredSlots,
  waitingFor,
} from "../../../src/redis/ready-queue.ts"
import { createAppendEach } from "../../../src/runtime/append.ts"
import { ownCommandPayload, validateCommand } from "../../../src/runtime/inbox-codec.ts"
import { createRouter } from "../../../src/runtime/router.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment()
})
afterAll(() => d.close())

const T0 = Date.UTC(2026, 10, 30, 10)
const ready = (capability: string, taskId: string, priority = 2, since = T0, group: string | null = null): ReadyTask => ({
  capability,
  group,
  taskId,
  priority,
  since,
})
const ask = (agentId: string, capabilities: string[], free: number, score = 1): FillAsk => ({ agentId, capabilities, free, score })

interface Batch {
  leaving?: LeavingAgent[]
  refusals?: Refusal[]
  releases?: Array<{ group: string; taskId: string }>
  settles?: SlotRelease[]
  fills?: FillAsk[]
  tasks?: ReadyTask[]
  unlessTaken?: boolean
  wakeAgents?: number
  /** How long a proposal or a given slot counts while a fill does not name it (ms; the router's default). */
  holdMs?: number
}

/** One batch through the script, with the router's defaults. */
const routed = (batch: Batch) =>
  routeBatch(d.redis, d.keys, {
    ...(batch.leaving === undefined ? {} : { leaving: batch.leaving }),
    ...(batch.refusals === undefined ? {} : { refusals: batch.refusals }),
    releases: batch.releases ?? [],
    ...(batch.settles === undefined ? {} : { settles: batch.settles }),
    fills: batch.fills ?? [],
    tasks: batch.tasks ?? [],
    ...(batch.unlessTaken === undefined ? {} : { unlessTaken: batch.unlessTaken }),
    wakeAgents: batch.wakeAgents ?? 64,
    ...(batch.holdMs === undefined ? {} : { holdMs: batch.holdMs }),
  })

/** A batch without settles or leaving agents: its fills' and wakes' offers. */
const route = async (batch: Omit<Batch, "settles" | "leaving">) => {
  const { fills, wakes, settles, leaving } = await routed(batch)
  expect([settles, leaving]).toEqual([[], []])
  return { fills, wakes }
}

let cmds = 0
/** Task `taskId` of `agentId` frees its slot with `outcome` (a new command each time unless `cmdId` is given). */
const freed = (agentId: string, taskId: string, outcome = "completed", cmdId = `cmd-${++cmds}`, replayed = false): SlotRelease => ({
  cmdId,
  agentId,
  taskId,
  outcome,
  replayed,
})
/** Settled as a RELEASE to the agent of `slot`, with `next` (none: no next task); `told`: the slot was given straight. */
const release = (slot: string, next?: ReadyTask, successesBefore = 0, told = false) => ({
  transfer: false,
  slot,
  successesBefore,
  next,
  told,
})
/** Settled as a transfer of `slot` to `next`. */
const transfer = (slot: string, next: ReadyTask) => ({ transfer: true, slot, successesBefore: 0, next, told: false })

/** Queues `tasks`, waking no one. */
const enqueue = (tasks: ReadyTask[]) => route({ tasks, wakeAgents: 0 })
const offers = (...pairs: Array<[string, string]>) => pairs.map(([agentId, taskId]) => ({ agentId, taskId }))
const idle = async (capability: string) =>
  (await idleAgents(d.redis, d.keys.idle(capability))).map((agent) => [agent.agentId, agent.free, agent.score])

describe("route-batch.lua", () => {
  it("keeps the idle agents under the routing hash tag, so one script touches them with the queues", () => {
    expect(d.keys.idle("code")).toBe(`${d.keys.route}:idle:code`)
  })

  it("fills: each agent takes the most urgent of its capabilities up to its free slots, and is idle with what is left", async () => {
    await enqueue([
      ready("f-code", "code-p2-old", 2, T0),
      ready("f-code", "code-p2-new", 2, T0 + 5_000),
      ready("f-review", "review-p1", 1, T0 + 9_000),
      ready("f-code", "code-p0", 0, T0 + 20_000),
    ])
    expect(await route({ fills: [ask("both", ["f-code", "f-review"], 3), ask("coder", ["f-code"], 2, 0.5)] })).toEqual({
      fills: offers(["both", "code-p0"], ["both", "review-p1"], ["both", "code-p2-old"], ["coder", "code-p2-new"]),
      wakes: [],
    })
    // `both` took its three; `coder` has one slot left.
    expect(await idle("f-code")).toEqual([["coder", 1, 0.5]])
    expect(await idle("f-review")).toEqual([])
    // No slot free any more (its breaker opened, say): no longer idle; one with nothing to take is.
    await route({ fills: [ask("coder", ["f-code"], 0, 0.5), ask("reviewer", ["f-review", "f-code"], 2, 0.25)] })
    expect(await idle("f-code")).toEqual([["reviewer", 2, 0.25]])
    expect(await idle("f-review")).toEqual([["reviewer", 2, 0.25]])
    // Woken for one capability, it is marked there with what is left; its other idle entry stays a hint.
    expect(await route({ tasks: [ready("f-review", "r-1", 2, T0)] })).toEqual({ fills: [], wakes: offers(["reviewer", "r-1"]) })
    expect(await idle("f-review")).toEqual([["reviewer", 1, 0.25]])
    expect(await idle("f-code")).toEqual([["reviewer", 2, 0.25]])
  })

  it("fills before it queues: an agent asking takes what waited, and the new task wakes an idle one", async () => {
    await route({ fills: [ask("sleeper", ["o-code"], 1, 0.4)] })
    await enqueue([ready("o-code", "waited", 2, T0)])
    expect(await route({ fills: [ask("asker", ["o-code"], 1)], tasks: [ready("o-code", "new", 0, T0 + 1)] })).toEqual({
      fills: offers(["asker", "waited"]),
      wakes: offers(["sleeper", "new"]),
    })
    expect(await idle("o-code")).toEqual([])
  })

  it("wakes idle agents best rank first (score, then free slots, then the greatest id), until one takes fewer than its free slots", async () => {
    // Nothing waits: all three become idle.
    expect(
      await route({ fills: [ask("a-low", ["w-code"], 2, 0.5), ask("b-one", ["w-code"], 1, 0.9), ask("c-three", ["w-code"], 3, 0.9)] }),
    ).toEqual({ fills: [], wakes: [] })
    expect(await idle("w-code")).toEqual([
      ["c-three", 3, 0.9],
      ["b-one", 1, 0.9],
      ["a-low", 2, 0.5],
    ])
    const routed = await route({ tasks: ["t1", "t2", "t3", "t4"].map((id, i) => ready("w-code", id, 2, T0 + i)) })
    // c-three takes three, b-one one, a-low finds nothing (and stays idle with its two slots): the wake-up stops there.
    expect(routed).toEqual({ fills: [], wakes: offers(["c-three", "t1"], ["c-three", "t2"], ["c-three", "t3"], ["b-one", "t4"]) })
    expect(await idle("w-code")).toEqual([["a-low", 2, 0.5]])
  })

  it("wakes at most wakeAgents idle agents per capability", async () => {
    await route({ fills: ["x", "y", "z"].map((agent) => ask(agent, ["l-code"], 1)) })
    const routed = await route({ tasks: ["l1", "l2", "l3"].map((id, i) => ready("l-code", id, 2, T0 + i)), wakeAgents: 2 })
    expect(routed.wakes).toEqual(offers(["z", "l1"], ["y", "l2"]))
    expect(await waitingFor(d.redis, d.keys, "l-code")).toEqual(["l3"])
    expect(await idle("l-code")).toEqual([["x", 1, 1]])
  })

  it("gives the most urgent priority first to a woken agent, whatever was queued before", async () => {
    await enqueue([ready("p-code", "p2-old", 2, T0)])
    await route({ fills: [ask("one", ["p-code"], 1)] })
    // `one` took p2-old as it asked; it asks again with one slot and finds nothing: idle.
    await route({ fills: [ask("one", ["p-code"], 1)] })
    await enqueue([ready("p-code", "p3", 3, T0)])
    // One slot free, and a new priority-0 task: the priority-0 one is taken, the priority-3 one waits.
    expect(await route({ tasks: [ready("p-code", "p0", 0, T0 + 60_000)] })).toEqual({ fills: [], wakes: offers(["one", "p0"]) })
    expect(await waitingFor(d.redis, d.keys, "p-code")).toEqual(["p3"])
  })

  it("skips a group at its cap in fills and wakes, and a released slot wakes the group's capabilities in the same call", async () => {
    await setGroupCap(d.redis, d.keys, "capped", 1)
    await enqueue([
      ready("g-build", "c-0", 2, T0, "capped"),
      ready("g-build", "c-1", 2, T0 + 1, "capped"),
      ready("g-build", "o-0", 2, T0 + 2, "other"),
      ready("g-test", "c-test", 2, T0 + 3, "capped"),
    ])
    // Three slots: one task of the capped group, then the other group's; the second capped task waits.
    expect(await route({ fills: [ask("builder", ["g-build"], 3)] })).toEqual({
      fills: offers(["builder", "c-0"], ["builder", "o-0"]),
      wakes: [],
    })
    expect(await groupInFlight(d.redis, d.keys, "capped")).toBe(1)
    expect(await route({ fills: [ask("tester", ["g-test"], 1, 0.9)] })).toEqual({ fills: [], wakes: [] })
    expect(await idle("g-build")).toEqual([["builder", 1, 1]])
    // c-0 is released: the capped group is under its cap, so both capabilities it has tasks waiting under are woken.
    const routed = await route({ releases: [{ group: "capped", taskId: "c-0" }] })
    expect(routed.fills).toEqual([])
    // One slot of the group: the first woken capability takes it; the other finds the group at its cap again.
    expect(routed.wakes.length).toBe(1)
    expect([offers(["builder", "c-1"]), offers(["tester", "c-test"])]).toContainEqual(routed.wakes)
    expect(await groupInFlight(d.redis, d.keys, "capped")).toBe(1)
  })

  it("wakes the batch's tasks' capabilities before the reopened ones", async () => {
    await setGroupCap(d.redis, d.keys, "order", 1)
    await enqueue([ready("r-build", "held", 2, T0, "order"), ready("r-build", "next", 2, T0 + 1, "order")])
    expect((await route({ fills: [ask("taker", ["r-build"], 1)] })).fills).toEqual(offers(["taker", "held"]))
    // Two idle agents: one for r-build, one for r-new; the batch releases `held` and queues a task of the group in r-new.
    await route({ fills: [ask("builds", ["r-build"], 1), ask("news", ["r-new"], 1)] })
    const routed = await route({ releases: [{ group: "order", taskId: "held" }], tasks: [ready("r-new", "fresh", 2, T0 + 2, "order")] })
    // r-new (the batch's task) is woken first and takes the group's one slot; r-build (reopened) finds it at its cap.
    expect(routed).toEqual({ fills: [], wakes: offers(["news", "fresh"]) })
    expect(await waitingFor(d.redis, d.keys, "r-build")).toEqual(["next"])
    expect(await idle("r-build")).toEqual([["builds", 1, 1]])
  })

  it("does not queue again a task noted as taken when asked for the sweep's repairs (unlessTaken)", async () => {
    await enqueue([ready("u-code", "u-0", 2, T0)])
    expect((await route({ fills: [ask("first", ["u-code"], 1)] })).fills).toEqual(offers(["first", "u-0"]))
    await route({ fills: [ask("second", ["u-code"], 1)] })
    expect(await route({ tasks: [ready("u-code", "u-0", 2, T0)], unlessTaken: true })).toEqual({ fills: [], wakes: [] })
    expect(await route({ tasks: [ready("u-code", "u-0", 2, T0)] })).toEqual({ fills: [], wakes: offers(["second", "u-0"]) })
  })

  it("settles: a slot freed by another outcome goes back to the agent with the most urgent ready task of its capabilities as its next", async () => {
    await enqueue([
      ready("x-code", "x-p2", 2, T0),
      ready("x-review", "x-p1", 1, T0 + 9_000, "rev"),
      ready("x-code", "x-p1-old", 1, T0 + 1_000),
      ready("x-other", "x-p0", 0, T0),
    ])
    // Its capabilities are stored by its fill request (nothing waits for x-none, so it goes idle there).
    await route({ fills: [ask("rf", ["x-none"], 1)] })
    await route({ fills: [ask("rf", ["x-code", "x-review"], 0)] })
    // A fill without free slots (its breaker refusing) forgets its capabilities: nothing taken.
    expect((await routed({ settles: [freed("rf", "t-0", "failed")] })).settles).toEqual([release("t-0")])
    await route({ fills: [ask("rf", ["x-code", "x-review"], 1)] })
    // x-p1-old took the fill's one slot; the next most urgent is x-p1 (priority 1, older than x-p2).
    expect(await waitingFor(d.redis, d.keys, "x-code")).toEqual(["x-p2"])
    expect((await routed({ settles: [freed("rf", "t-1", "failed")] })).settles).toEqual([
      release("t-1", { taskId: "x-p1", capability: "x-review", group: "rev", priority: 1, since: T0 + 9_000 }),
    ])
    expect((await routed({ settles: [freed("rf", "t-2", "cancelled"), freed("rf", "t-3", "timed_out")] })).settles).toEqual([
      release("t-2", { taskId: "x-p2", capability: "x-code", group: null, priority: 2, since: T0 }),
      release("t-3"),
    ])
    // Never the task of a capability it lacks.
    expect(await waitingFor(d.redis, d.keys, "x-other")).toEqual(["x-p0"])
  })

  it("settles: a completed task's slot is transferred to the next ready task, and the agent hears of it at its next RELEASE", async () => {
    await enqueue([ready("tr-code", "tr-1", 2, T0), ready("tr-code", "tr-2", 2, T0 + 1)])
    await route({ fills: [ask("tr", ["tr-code"], 0)] })
    await route({ fills: [ask("tr", ["tr-code"], 1)] })
    await enqueue([ready("tr-code", "tr-3", 2, T0 + 2)])
    // tr-1 was taken by the fill (the agent reserves slot tr-1). It completes: tr-2 takes its slot, then tr-3 from tr-2.
    const first = ready("tr-code", "tr-2", 2, T0 + 1)
    expect((await routed({ settles: [freed("tr", "tr-1")] })).settles).toEqual([transfer("tr-1", first)])
    expect(await transferredSlots(d.redis, d.keys, "tr")).toEqual(new Map([["tr-2", "tr-1"]]))
    expect((await routed({ settles: [freed("tr", "tr-2")] })).settles).toEqual([transfer("tr-1", ready("tr-code", "tr-3", 2, T0 + 2))])
    // Nothing waits when tr-3 completes: its RELEASE names slot tr-1 and the two successes transferred before it.
    expect((await routed({ settles: [freed("tr", "tr-3")] })).settles).toEqual([release("tr-1", undefined, 2)])
    expect(await transferredSlots(d.redis, d.keys, "tr")).toEqual(new Map())
    expect((await routed({ settles: [freed("tr", "tr-9")] })).settles).toEqual([release("tr-9")])
  })

  it("settles: no transfer for an agent whose breaker is not closed (its fill stored no capabilities): its RELEASE reaches it", async () => {
    await enqueue([ready("hb-code", "hb-1", 2, T0)])
    // Half-open: it asks for work with a free slot, but not for transfers; nothing is taken for its freed slot.
    await route({ fills: [{ ...ask("hb", ["hb-none"], 1), transfers: false }] })
    expect((await routed({ settles: [freed("hb", "hb-0")] })).settles).toEqual([release("hb-0")])
    expect(await waitingFor(d.redis, d.keys, "hb-code")).toEqual(["hb-1"])
  })

  it("settles: a repeated command gets its first decision again; a replayed one whose decision is gone decides nothing new", async () => {
    await enqueue([ready("rp-code", "rp-1", 2, T0), ready("rp-code", "rp-2", 2, T0 + 1)])
    await route({ fills: [ask("rp", ["rp-none"], 0)] })
    await route({ fills: [ask("rp", ["rp-code"], 1)] })
    const once = freed("rp", "rp-1", "completed", "rp-cmd")
    const first = (await routed({ settles: [once] })).settles
    expect(first).toEqual([transfer("rp-1", ready("rp-code", "rp-2", 2, T0 + 1))])
    // The same command again (a redelivery, replayed or not): the same transfer, nothing more taken.
    await enqueue([ready("rp-code", "rp-3", 2, T0 + 2)])
    expect((await routed({ settles: [once] })).settles).toEqual(first)
    expect((await routed({ settles: [{ ...once, replayed: true }] })).settles).toEqual(first)
    expect(await waitingFor(d.redis, d.keys, "rp-code")).toEqual(["rp-3"])
    // A replayed command with no decision kept (past the window): the slot goes back, nothing taken, no transfer.
    expect((await routed({ settles: [freed("rp", "rp-2", "completed", "rp-gone", true)] })).settles).toEqual([release("rp-1")])
    expect(await waitingFor(d.redis, d.keys, "rp-code")).toEqual(["rp-3"])
  })

  it("leaving: an agent's slots resolve to the tasks holding them now, none is transferred after, and a loss forgets them", async () => {
    // Nothing waits when it asks: its capabilities are stored, and it is idle.
    await route({ fills: [ask("lv", ["lv-code"], 1)] })
    await enqueue([ready("lv-code", "lv-2", 2, T0), ready("lv-code", "lv-3", 2, T0 + 1)])
    // Slot lv-1 transferred to lv-2; slot lv-9 still held by its own task.
    expect((await routed({ settles: [freed("lv", "lv-1")] })).settles).toEqual([transfer("lv-1", ready("lv-code", "lv-2", 2, T0))])
    const drain = { cmdId: "lv-drain", agentId: "lv", slots: ["lv-1", "lv-9"], lost: false }
    expect((await routed({ leaving: [drain] })).leaving).toEqual([["lv-2", "lv-9"]])
    // Draining: lv-2 completes and its slot goes back to the agent (no more transfers), nothing taken.
    expect((await routed({ settles: [freed("lv", "lv-2")] })).settles).toEqual([release("lv-1", undefined, 1)])
    expect(await waitingFor(d.redis, d.keys, "lv-code")).toEqual(["lv-3"])
    // Back online (asking with no free slot stores nothing; with one, it takes lv-3), then lv-3's slot transferred
    // from lv-9 is lost: resolved, then forgotten; a repeat of the loss answers the same.
    await route({ fills: [ask("lv", ["lv-code"], 1)] })
    await enqueue([ready("lv-code", "lv-4", 2, T0 + 2)])
    expect((await routed({ settles: [freed("lv", "lv-9")] })).settles).toEqual([transfer("lv-9", ready("lv-code", "lv-4", 2, T0 + 2))])
    const loss = { cmdId: "lv-loss", agentId: "lv", slots: ["lv-3", "lv-9"], lost: true }
    expect((await routed({ leaving: [loss] })).leaving).toEqual([["lv-3", "lv-4"]])
    expect(await transferredSlots(d.redis, d.keys, "lv")).toEqual(new Map())
    expect((await routed({ leaving: [loss] })).leaving).toEqual([["lv-3", "lv-4"]])
    // Lost: its slots are no longer transferred.
    await enqueue([ready("lv-code", "lv-5", 2, T0 + 3)])
    expect((await routed({ settles: [freed("lv", "lv-4")] })).settles).toEqual([release("lv-4")])
  })

  it("leaving: an agent is idle no more for any of its capabilities, so no wake proposes it a task", async () => {
    // Idle for both capabilities (stored, free slots left); a second agent, closed breaker, idle for one of them only.
    await route({ fills: [ask("li", ["li-code", "li-docs"], 2), { ...ask("lj", ["li-docs", "li-ops"], 1), transfers: false }] })
    expect(await idle("li-code")).toEqual([["li", 2, 1]])
    // Draining: li by what the router stored of it and what the request names; lj, not stored, by the request alone.
    const drains = [
      { cmdId: "li-drain", agentId: "li", slots: [], capabilities: ["li-code"], lost: false },
      { cmdId: "lj-drain", agentId: "lj", slots: [], capabilities: ["li-docs", "li-ops"], lost: false },
    ]
    expect((await routed({ leaving: drains })).leaving).toEqual([[], []])
    for (const capability of ["li-code", "li-docs", "li-ops"]) expect(await idle(capability)).toEqual([])
    // A new task wakes no one: it waits for an agent that asks.
    const woken = await routed({ tasks: [ready("li-code", "li-1"), ready("li-ops", "li-2")] })
    expect([woken.wakes, woken.gives]).toEqual([[], []])
    expect(await waitingFor(d.redis, d.keys, "li-code")).toEqual(["li-1"])
  })

  it("settles: a group's slot released in the same call can be taken, and its cap holds", async () => {
    await setGroupCap(d.redis, d.keys, "zcap", 1)
    await enqueue([
      ready("z-code", "z-0", 2, T0, "zcap"),
      ready("z-code", "z-1", 2, T0 + 1, "zcap"),
      ready("z-code", "z-2", 2, T0 + 2, "zcap"),
    ])
    expect((await route({ fills: [ask("za", ["z-code"], 1)] })).fills).toEqual(offers(["za", "z-0"]))
    await route({ fills: [ask("zb", ["z-code"], 1)] })
    // At its cap: a slot freed without a group release takes nothing.
    expect((await routed({ settles: [freed("za", "za-other")] })).settles).toEqual([release("za-other")])
    // z-0 released in the same call: its slot is taken by the transfer, the group is at its cap again.
    const both = await routed({ releases: [{ group: "zcap", taskId: "z-0" }], settles: [freed("za", "z-0"), freed("zb", "zb-other")] })
    expect(both.settles).toEqual([transfer("z-0", ready("z-code", "z-1", 2, T0 + 1, "zcap")), release("zb-other")])
    expect(both.wakes).toEqual([])
    expect(await groupInFlight(d.redis, d.keys, "zcap")).toBe(1)
    expect(await waitingFor(d.redis, d.keys, "z-code")).toEqual(["z-2"])
  })
})

describe("route-batch.lua: wakes give an idle agent's slots straight", () => {
  const exact = (agentId: string, capabilities: string[], free: number, held: string[]): FillAsk => ({
    agentId,
    capabilities,
    free,
    score: 1,
    held,
  })

  it("gives up to the agent's kept free slots, each recorded; a fill that does not name them counts them taken", async () => {
    // A fill naming its slots (one held, t0) keeps 2 free of 3; two new tasks wake it: both given straight.
    await route({ fills: [exact("gv", ["gv-code", "gv-other"], 2, ["gv-t0"])] })
    const woken = await routed({ tasks: [ready("gv-code", "gv-1"), ready("gv-code", "gv-2", 2, T0 + 1)] })
    expect(woken.gives.map(({ agentId, taskId }) => [agentId, taskId])).toEqual([
      ["gv", "gv-1"],
      ["gv", "gv-2"],
    ])
    expect(woken.wakes).toEqual([])
    expect(await keptFree(d.redis, d.keys, "gv")).toBe(0)
    expect(await givenSlots(d.redis, d.keys, "gv")).toEqual(["gv-1", "gv-2"])
    // No longer idle for any of its capabilities: a third task waits.
    expect(await idle("gv-other")).toEqual([])
    expect((await routed({ tasks: [ready("gv-code", "gv-3", 2, T0 + 2)] })).gives).toEqual([])
    expect(await waitingFor(d.redis, d.keys, "gv-code")).toEqual(["gv-3"])
    // gv-1 fails: its RELEASE says its slot was given straight (its GIVEN may come later) and takes gv-3 as its next.
    const [failed] = (await routed({ settles: [freed("gv", "gv-1", "failed")] })).settles
    expect(failed).toEqual(release("gv-1", ready("gv-code", "gv-3", 2, T0 + 2), 0, true))
    expect(await givenSlots(d.redis, d.keys, "gv")).toEqual(["gv-2"])
    // A fill decided before it applied the GIVEN (it names t0 only) counts gv-2 as taken, and gv-3, the RELEASE's next
    // task, as a proposal on its way: the agent ends with t0, gv-2 and gv-3 (gv-1's slot freed, its late GIVEN adding
    // nothing), so none is free. (gv-1's slot also counts until its RELEASE is appended: see the next test.)
    await route({ fills: [exact("gv", ["gv-code", "gv-other"], 2, ["gv-t0"])] })
    expect(await keptFree(d.redis, d.keys, "gv")).toBe(0)
    await releasesAppended(d.redis, d.keys, [{ agentId: "gv", slot: "gv-1" }])
    await route({ fills: [exact("gv", ["gv-code", "gv-other"], 2, ["gv-t0"])] })
    expect(await keptFree(d.redis, d.keys, "gv")).toBe(0)
    // One after it (naming t0, gv-2 and gv-3): none free.
    await route({ fills: [exact("gv", ["gv-code", "gv-other"], 0, ["gv-t0", "gv-2", "gv-3"])] })
    expect(await keptFree(d.redis, d.keys, "gv")).toBeNull()
    // gv-2 completes with nothing waiting: its RELEASE says its slot was given straight.
    const [done] = (await routed({ settles: [freed("gv", "gv-2")] })).settles
    expect(done).toEqual(release("gv-2", undefined, 0, true))
    expect(await givenSlots(d.redis, d.keys, "gv")).toEqual([])
  })

  it("counts a given slot released as on its way until its RELEASE is appended: no GIVEN can pass it and overfill the agent", async () => {
    await route({ fills: [exact("gx", ["gx-code"], 2, [])] })
    expect((await routed({ tasks: [ready("gx-code", "gx-1")] })).gives.map(({ taskId }) => taskId)).toEqual(["gx-1"])
    // gx-1 completes at once, nothing waiting: its RELEASE (told) is still to be appended after its GIVEN.
    expect((await routed({ settles: [freed("gx", "gx-1")] })).settles).toEqual([release("gx-1", undefined, 0, true)])
    expect(await givenSlots(d.redis, d.keys, "gx")).toEqual([])
    // A fill from before the agent applied that GIVEN names nothing: gx-1's slot still counts (the agent will hold it
    // until the RELEASE), so a wake now gives one slot, not two.
    await route({ fills: [exact("gx", ["gx-code"], 2, [])] })
    expect(await keptFree(d.redis, d.keys, "gx")).toBe(1)
    // Appended: a GIVEN that the freed slot brings comes after it in the agent's inbox, so the slot is free.
    await releasesAppended(d.redis, d.keys, [{ agentId: "gx", slot: "gx-1" }])
    await route({ fills: [exact("gx", ["gx-code"], 2, [])] })
    expect(await keptFree(d.redis, d.keys, "gx")).toBe(2)
  })

  it("a fill from an older state of the agent than the last one carried out does nothing (a paused process, late)", async () => {
    await enqueue([ready("gs-code", "gs-1")])
    const at = (entryId: string, free: number, held: string[]): FillAsk => ({ ...exact("gs", ["gs-code"], free, held), entryId })
    // The fill of entry 100-1 proposes gs-1 (RESERVE), which the agent applies; the next fill names it.
    expect((await route({ fills: [at("100-1", 2, [])] })).fills).toEqual(offers(["gs", "gs-1"]))
    await route({ fills: [at("100-2", 1, ["gs-1"])] })
    expect(await keptFree(d.redis, d.keys, "gs")).toBe(1)
    // The fill of 100-0, carried out late, would count gs-1 free (its marker gone, its state not holding it): ignored.
    await enqueue([ready("gs-code", "gs-2", 2, T0 + 1)])
    expect((await route({ fills: [at("100-0", 2, [])] })).fills).toEqual([])
    expect(await keptFree(d.redis, d.keys, "gs")).toBe(1)
    // Carried out again (a redelivered batch), the last fill counts as it did: its free slot takes gs-2.
    expect((await route({ fills: [at("100-2", 1, ["gs-1"])] })).fills).toEqual(offers(["gs", "gs-2"]))
    expect(await keptFree(d.redis, d.keys, "gs")).toBe(0)
    // Entries compare by their numbers: 100-10 comes after 100-2 (full: no slot kept), 100-9 before it.
    await route({ fills: [at("100-10", 0, ["gs-1", "gs-2"])] })
    expect(await keptFree(d.redis, d.keys, "gs")).toBeNull()
    await route({ fills: [at("100-9", 2, [])] })
    expect(await keptFree(d.redis, d.keys, "gs")).toBeNull()
  })

  it("forgets a proposal its agent refused at once: the agent's next fill counts only the proposals still on their way", async () => {
    await enqueue([ready("rq-code", "rq-1"), ready("rq-code", "rq-2", 2, T0 + 1), ready("rq-code", "rq-3", 2, T0 + 2)])
    // Two free, none held: both taken by proposals (RESERVE), which count against its free slots until applied.
    expect((await route({ fills: [exact("rq", ["rq-code"], 2, [])] })).fills).toEqual(offers(["rq", "rq-1"], ["rq", "rq-2"]))
    expect((await route({ fills: [exact("rq", ["rq-code"], 2, [])] })).fills).toEqual([])
    // A refusal of an older RESERVE of rq-1 (appended before this proposal was recorded: a redelivered refusal) leaves it.
    const record = `${d.keys.route}:slots:rq`
    const proposedAt = Number(await d.redis.hget(record, "p:rq-1"))
    await route({ refusals: [{ agentId: "rq", taskId: "rq-1", reserveAt: proposedAt - 1 }] })
    expect(await d.redis.hexists(record, "p:rq-1")).toBe(1)
    // It refused rq-1 (back in its queue): with the same two free slots, one is still on its way (rq-2), one takes rq-3.
    const refused = await route({
      refusals: [{ agentId: "rq", taskId: "rq-1", reserveAt: proposedAt }],
      tasks: [ready("rq-code", "rq-1")],
      fills: [exact("rq", ["rq-code"], 2, [])],
    })
    expect(refused).toEqual({ fills: offers(["rq", "rq-3"]), wakes: [] })
    expect((await d.redis.hkeys(record)).filter((field) => field.startsWith("p:")).sort()).toEqual(["p:rq-2", "p:rq-3"])
    expect(await waitingFor(d.redis, d.keys, "rq-code")).toEqual(["rq-1"])
  })

  it("keeps RESERVE for an agent whose breaker is not closed, or whose fill named no slots", async () => {
    await route({ fills: [{ ...exact("gh", ["gh-code"], 1, []), transfers: false }, ask("gn", ["gn-code"], 1)] })
    const woken = await routed({ tasks: [ready("gh-code", "gh-1"), ready("gn-code", "gn-1")] })
    expect(woken.gives).toEqual([])
    expect(woken.wakes).toEqual(offers(["gh", "gh-1"], ["gn", "gn-1"]))
    expect(await keptFree(d.redis, d.keys, "gh")).toBeNull()
    expect(await keptFree(d.redis, d.keys, "gn")).toBeNull()
  })

  it("a leaving agent's given slots resolve with its own: the tasks holding them now", async () => {
    await route({ fills: [exact("gl", ["gl-code"], 2, [])] })
    await routed({ tasks: [ready("gl-code", "gl-1")] })
    await enqueue([ready("gl-code", "gl-2", 2, T0 + 1)])
    // gl-1's given slot transferred to gl-2 on its completion.
    expect((await routed({ settles: [freed("gl", "gl-1")] })).settles).toEqual([transfer("gl-1", ready("gl-code", "gl-2", 2, T0 + 1))])
    const loss = { cmdId: "gl-loss", agentId: "gl", slots: [], lost: true }
    expect((await routed({ leaving: [loss] })).leaving).toEqual([["gl-2"]])
    // Lost: no give any more (RESERVE to its idle entry, which the agent refuses).
    expect((await routed({ tasks: [ready("gl-code", "gl-3", 2, T0 + 2)] })).gives).toEqual([])
    // The slot it had not heard of (its GIVEN still on its way) stays recorded: the RELEASE its task's loss brings says
    // so (`told`), and the agent, noting it, adds nothing when that GIVEN comes after the loss.
    expect(await givenSlots(d.redis, d.keys, "gl")).toEqual(["gl-1"])
    expect((await routed({ settles: [freed("gl", "gl-2", "lost")] })).settles).toEqual([release("gl-1", undefined, 0, true)])
    expect(await givenSlots(d.redis, d.keys, "gl")).toEqual([])
    expect(await transferredSlots(d.redis, d.keys, "gl")).toEqual(new Map())
  })

  it("a lost agent's given slots it had applied are forgotten with its record", async () => {
    await route({ fills: [exact("ga", ["ga-code"], 2, [])] })
    await routed({ tasks: [ready("ga-code", "ga-1")] })
    const loss = { cmdId: "ga-loss", agentId: "ga", slots: ["ga-1"], lost: true }
    expect((await routed({ leaving: [loss] })).leaving).toEqual([["ga-1"]])
    expect(await givenSlots(d.redis, d.keys, "ga")).toEqual([])
    // Its task's RELEASE frees a slot the agent no longer holds (it dropped it with the loss): not told.
    expect((await routed({ settles: [freed("ga", "ga-1", "lost")] })).settles).toEqual([release("ga-1")])
  })

  it("a given slot no fill names after the hold is forgotten: a tell that never came holds no slot for ever", async () => {
    await route({ fills: [exact("gt", ["gt-code"], 2, [])] })
    expect((await routed({ tasks: [ready("gt-code", "gt-1")] })).gives.map(({ taskId }) => taskId)).toEqual(["gt-1"])
    // Its GIVEN not applied yet: counted within the hold...
    await route({ fills: [exact("gt", ["gt-code"], 2, [])] })
    expect(await keptFree(d.redis, d.keys, "gt")).toBe(1)
    expect(await givenSlots(d.redis, d.keys, "gt")).toEqual(["gt-1"])
    // ...and forgotten after it (the crash between the routing call and its appends that leaves such a slot is why).
    await route({ fills: [exact("gt", ["gt-code"], 2, [])], holdMs: 0 })
    expect(await keptFree(d.redis, d.keys, "gt")).toBe(2)
    expect(await givenSlots(d.redis, d.keys, "gt")).toEqual([])
  })

  it("a repeat of a given task's command gives it again to the same agent, and queues nothing", async () => {
    await route({ fills: [exact("gr-a", ["gr-code"], 1, []), exact("gr-b", ["gr-code"], 1, [])] })
    const task = { ...ready("gr-code", "gr-1"), key: "0/9-0/0" }
    const first = await routeBatch(d.redis, d.keys, { releases: [], fills: [], tasks: [task], wakeAgents: 64 })
    const again = await routeBatch(d.redis, d.keys, { releases: [], fills: [], tasks: [task], wakeAgents: 64 })
    expect(first.gives).toHaveLength(1)
    expect(again.gives).toEqual(first.gives)
    expect(first.gives[0]?.cmdId).toBe("0/9-0/0/w")
    expect(await waitingFor(d.redis, d.keys, "gr-code")).toEqual([])
    const other = first.gives[0]?.agentId === "gr-a" ? "gr-b" : "gr-a"
    expect(await givenSlots(d.redis, d.keys, other)).toEqual([])
    expect(await keptFree(d.redis, d.keys, other)).toBe(1)
  })
})

describe("router.route", () => {
  /** A connection of its own whose commands are counted (every command ioredis sends, pipelined or not). */
  const counted = async (): Promise<{ redis: Redis; sent: string[] }> => {
    const redis = await d.connectRedis("counted")
    const sent: string[] = []
    const send = redis.sendCommand.bind(redis)
    redis.sendCommand = ((command, ...rest) => {
      sent.push(command.name)
      return send(command, ...rest)
    }) as Redis["sendCommand"]
    return { redis, sent }
  }

  const reservations = async (agentId: string): Promise<Array<{ taskId: string; cmdId: string | undefined }>> => {
    const inbox = d.keys.partition(partitionOf("agent", agentId, d.partitions)).inbox
    return (await d.redis.xrange(inbox, "-", "+"))
      .map(
        ([, flat]) => Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]]] : []))) as Record<string, string>,
      )
      .filter((fields) => fields.actor === `agent:${agentId}` && fields.type === "RESERVE")
      .map((fields) => ({ taskId: (JSON.parse(fields.payload ?? "{}") as { task_id: string }).task_id, cmdId: fields.cmdId }))
  }

  it("routes a batch (releases, fills, ready tasks, wakes) in one script call, then proposes each offer to its agent", async () => {
    const { redis, sent } = await counted()
    const router = createRouter({ sql: d.schema.sql, redis, keys: d.keys, appendEach: d.appendEach, clock: Date.now })
    const [sleeper, asker, waiting, fresh, done] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()]
    const [capability, group] = [`one-call-${sleeper}`, `one-call-${asker}`]
    // The script cached, and an idle agent of the capability.
    await router.route(
      { queue: [], fills: [{ _tag: "fill_agent", agentId: sleeper, capabilities: [capability], free: 1 }], releases: [] },
      "warm",
    )
    await setGroupCap(d.redis, d.keys, group, 1)
    await enqueue([ready(capability, waiting, 2, T0, group)])
    await d.redis.sadd(`${d.keys.route}:held:${group}`, done)
    sent.length = 0
    await router.route(
      {
        queue: [{ _tag: "route_task", taskId: fresh, capability, priority: 1, since: T0 + 1 }],
        fills: [{ _tag: "fill_agent", agentId: asker, capabilities: [capability], free: 1, score: 0.5 }],
        releases: [{ _tag: "group_release", group: group, taskId: done }],
      },
      "batch-1",
    )
    expect(sent).toEqual(["evalsha"])
    // The asker took the most urgent waiting task when it asked (`waiting`: `fresh` is queued after the fills);
    // the new task woke the sleeper.
    expect(await reservations(asker)).toEqual([{ taskId: waiting, cmdId: `batch-1/${waiting}` }])
    expect(await reservations(sleeper)).toEqual([{ taskId: fresh, cmdId: `batch-1/w/${fresh}` }])
    expect(await groupInFlight(d.redis, d.keys, group)).toBe(1)
  })

  it("proposes through an append checked as the runtime's own commands (as the runtime builds it): the RESERVE entry as validateCommand writes it", async () => {
    const appendEach = createAppendEach({ scripts: d.scripts, keys: d.keys, partitions: d.partitions, validate: ownCommandPayload })
    const router = createRouter({ sql: d.schema.sql, redis: d.redis, keys: d.keys, appendEach, clock: Date.now })
    const [agentId, taskId] = [randomUUID(), randomUUID()]
    const capability = `own-${agentId}`
    await enqueue([ready(capability, taskId)])
    await router.route({ queue: [], fills: [{ _tag: "fill_agent", agentId, capabilities: [capability], free: 1 }], releases: [] }, "own")
    const inbox = d.keys.partition(partitionOf("agent", agentId, d.partitions)).inbox
    const reserve = { kind: "agent", id: agentId, type: "RESERVE", payload: { taskId } }
    const entry = ["type", "RESERVE", "actor", `agent:${agentId}`, "payload", validateCommand(reserve), "cmdId", `own/${taskId}`]
    expect(entry[5]).toBe(JSON.stringify({ task_id: taskId }))
    const written = (await d.redis.xrange(inbox, "-", "+")).filter(([, flat]) => flat[3] === `agent:${agentId}`)
    expect(written.map(([, flat]) => flat)).toEqual([entry])
    // Deduplicated by its command id against an append checked by validateCommand, and the other way round.
    expect(await d.append({ ...reserve, cmdId: `own/${taskId}` })).toMatchObject({ streamId: written[0]![0], duplicate: true })
    const other = randomUUID()
    const first = await d.append({ ...reserve, payload: { taskId: other }, cmdId: `own/${other}` })
    expect(await Promise.all(appendEach([{ ...reserve, payload: { taskId: other }, cmdId: `own/${other}` }]))).toEqual([
      { ...first, duplicate: true },
    ])
    // A proposal that fails its Schema is refused, and nothing of its batch is appended.
    const valid = { ...reserve, payload: { taskId: randomUUID() }, cmdId: "own/valid" }
    expect(() => appendEach([valid, { ...reserve, payload: { taskId: "not-a-uuid" } }])).toThrow(
      expect.objectContaining({ code: "validation_failed" }),
    )
    expect((await d.redis.xrange(inbox, "-", "+")).filter(([, flat]) => flat[3] === `agent:${agentId}`)).toHaveLength(2)
  })
})
