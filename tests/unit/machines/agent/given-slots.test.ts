// Slots the router gave straight to tasks (a wake of an idle agent's free slots: ASSIGN to each task, GIVEN to the
// agent) are held from the GIVEN on: its count of held slots, `load`, `busy` and the capacity it shows count them.
// A GIVEN and the RELEASE freeing one of its slots are appended by two partitions' batches: the RELEASE may come
// first (`told`), and the late GIVEN then adds nothing.
import { describe, expect, it } from "vitest"
import { deregisteredEffects } from "../../../../machines/agent.ts"
import { agentIn } from "./harness.ts"

describe("agent slots given straight by the router (GIVEN)", () => {
  it("holds the slots a GIVEN names at once, announcing nothing (the router counted them), then frees them as any other", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 4 })
    expect(agent.send({ type: "GIVEN", taskIds: ["w1", "w2"] })).toEqual([])
    expect(agent.state).toBe("online")
    expect(agent.context.inflight).toEqual(["t1", "w1", "w2"])
    expect(agent.context.load).toBeCloseTo(3 / 4)
    expect(agent.send({ type: "RELEASE", taskId: "w1", outcome: "completed", told: true })).toEqual([{ type: "agent.capacity", free: 2 }])
    expect(agent.context).toMatchObject({ inflight: ["t1", "w2"], unheard: [], successes: 1 })
  })

  it("becomes busy when the given slots fill it, and a slot given twice counts once", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 3 })
    agent.send({ type: "GIVEN", taskIds: ["w1", "w2"] })
    expect(agent.state).toBe("busy")
    agent.send({ type: "GIVEN", taskIds: ["w2"] })
    expect(agent.context.inflight).toEqual(["t1", "w1", "w2"])
    expect(agent.send({ type: "RELEASE", taskId: "w2", outcome: "failed", told: true })).toEqual([{ type: "agent.capacity", free: 1 }])
    expect(agent.state).toBe("online")
    expect(agent.context).toMatchObject({ inflight: ["t1", "w1"], failures: 1 })
  })

  it("holds given slots offline and draining too, so a loss or drain names them", () => {
    const draining = agentIn("draining", ["t1"], { maxConcurrency: 2 })
    draining.send({ type: "GIVEN", taskIds: ["w1"] })
    expect(draining.context.inflight).toEqual(["t1", "w1"])
    const offline = agentIn("offline", [], { maxConcurrency: 2 })
    offline.send({ type: "GIVEN", taskIds: ["w1"] })
    expect(offline.context.inflight).toEqual(["w1"])
    expect(offline.send({ type: "HEARTBEAT_EXPIRED", seq: offline.context.heartbeatSeq })).toEqual([
      { type: "agent.lost", taskIds: ["w1"], reason: "heartbeat_expired" },
    ])
  })

  it("a deregistered agent ignores a late GIVEN (its loss resolved the slots)", () => {
    expect(deregisteredEffects({ type: "GIVEN", at: 0, taskIds: ["w1"] })).toEqual([])
  })
})

describe("a given slot freed before its GIVEN arrives (two partitions' appends race)", () => {
  it("counts the RELEASE's outcome, frees nothing, and the late GIVEN adds nothing: exact either way", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 2 })
    expect(agent.send({ type: "RELEASE", taskId: "w1", outcome: "completed", told: true, successesBefore: 2 })).toEqual([
      { type: "agent.capacity", free: 1 },
    ])
    expect(agent.context).toMatchObject({ inflight: ["t1"], unheard: ["w1"], successes: 3 })
    // The late GIVEN names w1 (forgotten) and w2 (held).
    agent.send({ type: "GIVEN", taskIds: ["w1", "w2"] })
    expect(agent.context).toMatchObject({ inflight: ["t1", "w2"], unheard: [], successes: 3 })
  })
})
