// Slots the router gave straight to tasks (a wake of an idle agent's free slots: ASSIGN to the task, nothing to the
// agent) are heard of at the agent's next RELEASE (`woken`): held from then on, added before that RELEASE frees its
// slot, so its count of held slots, `busy` and the capacity it announces are exact again at that RELEASE.
import { describe, expect, it } from "vitest"
import { agentIn } from "./harness.ts"

describe("agent slots given straight by the router (woken)", () => {
  it("holds the woken slots a RELEASE names, then frees its own slot: exact again", () => {
    // Capacity 3: the router gave w1 and w2 straight; t1 was reserved as usual.
    const agent = agentIn("online", ["t1"], { maxConcurrency: 3 })
    // The capacity it announces counts them: one slot free of three.
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", woken: ["w1", "w2"] })).toEqual([
      { type: "agent.capacity", free: 1 },
    ])
    expect(agent.context.inflight).toEqual(["w1", "w2"])
    expect(agent.context.load).toBeCloseTo(2 / 3)
    expect(agent.context.successes).toBe(1)
    expect(agent.send({ type: "RELEASE", taskId: "w1", outcome: "completed" })).toEqual([{ type: "agent.capacity", free: 2 }])
    expect(agent.context.inflight).toEqual(["w2"])
  })

  it("a RELEASE of a woken slot it had not heard of adds and frees it in one step (a failure counted)", () => {
    const agent = agentIn("online", [], { maxConcurrency: 2 })
    expect(agent.send({ type: "RELEASE", taskId: "w1", outcome: "failed", woken: ["w1", "w2"] })).toEqual([
      { type: "agent.capacity", free: 1 },
    ])
    expect(agent.context.inflight).toEqual(["w2"])
    expect(agent.context).toMatchObject({ successes: 0, failures: 1 })
  })

  it("becomes busy when the woken slots fill it, and a woken slot heard twice counts once", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 3 })
    agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", woken: ["w1", "w2", "w3"] })
    expect(agent.state).toBe("busy")
    expect(agent.context.inflight).toEqual(["w1", "w2", "w3"])
    agent.send({ type: "RELEASE", taskId: "x", slot: "x", outcome: "cancelled", woken: ["w3"] })
    expect(agent.context.inflight).toEqual(["w1", "w2", "w3"])
  })

  it("hears its woken slots offline and draining too, so a loss or drain names them", () => {
    const draining = agentIn("draining", ["t1"], { maxConcurrency: 2 })
    draining.send({ type: "RELEASE", taskId: "t1", outcome: "completed", woken: ["w1"] })
    expect(draining.context.inflight).toEqual(["w1"])
    const offline = agentIn("offline", [], { maxConcurrency: 2 })
    offline.send({ type: "RELEASE", taskId: "gone", outcome: "lost", woken: ["w1"] })
    expect(offline.context.inflight).toEqual(["w1"])
  })
})

describe("a woken slot freed before the RELEASE telling of it arrives (two partitions' appends race)", () => {
  it("counts the RELEASE's outcome, frees nothing, and the late tell adds nothing: exact either way", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 2 })
    // w1 was told by a RELEASE still on its way; its own RELEASE (told) comes first.
    expect(agent.send({ type: "RELEASE", taskId: "w1", outcome: "completed", told: true, successesBefore: 2 })).toEqual([
      { type: "agent.capacity", free: 1 },
    ])
    expect(agent.context).toMatchObject({ inflight: ["t1"], unheard: ["w1"], successes: 3 })
    // The late tell (t1's RELEASE) adds nothing for w1, and frees t1.
    agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", woken: ["w1"] })
    expect(agent.context).toMatchObject({ inflight: [], unheard: [], successes: 4 })
  })

  it("in the usual order, the told slot is held and freed as any other", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 2 })
    agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", woken: ["w1"] })
    expect(agent.context.inflight).toEqual(["w1"])
    agent.send({ type: "RELEASE", taskId: "w1", outcome: "completed", told: true })
    expect(agent.context).toMatchObject({ inflight: [], unheard: [], successes: 2 })
  })
})
