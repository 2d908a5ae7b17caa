// An agent's slots are named by the tasks they were reserved for; the router may transfer a completed task's slot to
// a next task without the agent hearing of it (its count is the same). A RELEASE names the slot it frees (`slot`) and
// the successes transferred since the last one (`successesBefore`, counted before its own outcome, in the breaker's
// window); a loss or drain names the slots (the router resolves them to the tasks holding them now).
import { describe, expect, it } from "vitest"
import { BREAKER } from "../../../../machines/agent.ts"
import { agentIn } from "./harness.ts"

describe("agent slots transferred by the router", () => {
  it("frees the slot a RELEASE names, though the task released is another (the slot was transferred to it)", () => {
    const agent = agentIn("busy", ["t1", "t2"], { maxConcurrency: 2 })
    expect(agent.send({ type: "RELEASE", taskId: "t7", slot: "t1", outcome: "completed" })).toEqual([{ type: "agent.capacity", free: 1 }])
    expect(agent.state).toBe("online")
    expect(agent.context.inflight).toEqual(["t2"])
    expect(agent.context.load).toBe(0.5)
  })

  it("a RELEASE naming a slot it does not hold frees nothing (already released, or dropped by a loss)", () => {
    const agent = agentIn("busy", ["t1"])
    expect(agent.send({ type: "RELEASE", taskId: "t1", slot: "t0", outcome: "completed" })).toEqual([])
    expect(agent.context.inflight).toEqual(["t1"])
    expect(agent.state).toBe("busy")
  })

  it("counts the successes transferred before a RELEASE ahead of its own outcome", () => {
    const agent = agentIn("busy", ["t1"])
    agent.send({ type: "RELEASE", taskId: "t5", slot: "t1", outcome: "failed", successesBefore: 4 })
    expect(agent.context).toMatchObject({ successes: 4, failures: 1, recent: [true, true, true, true, false], breaker: "closed" })
  })

  it("keeps the breaker's window to its last outcomes when more successes than it holds arrive at once", () => {
    const agent = agentIn("busy", ["t1"])
    agent.send({ type: "RELEASE", taskId: "t9", slot: "t1", outcome: "completed", successesBefore: 25 })
    expect(agent.context.successes).toBe(26)
    expect(agent.context.recent).toEqual(Array.from({ length: BREAKER.window }, () => true))
  })

  it("a breaker whose window the transferred successes fill does not trip on the failures that follow alone", () => {
    const agent = agentIn("online", [], { maxConcurrency: 4 })
    for (const id of ["a", "b", "c", "d"]) agent.send({ type: "RESERVE", taskId: id })
    agent.send({ type: "RELEASE", taskId: "a2", slot: "a", outcome: "failed", successesBefore: 6 })
    agent.send({ type: "RELEASE", taskId: "b", outcome: "failed" })
    agent.send({ type: "RELEASE", taskId: "c", outcome: "failed" })
    // 6 successes and 3 failures: a success rate of 2/3, over the minimum.
    expect(agent.context.breaker).toBe("closed")
    expect(agent.context.recent).toEqual([true, true, true, true, true, true, false, false, false])
  })

  it("names its slots when it is lost or drains (the router resolves them to the tasks holding them)", () => {
    const lost = agentIn("busy", ["t1", "t2"], { maxConcurrency: 2 })
    expect(lost.send({ type: "HEARTBEAT_EXPIRED", seq: lost.context.heartbeatSeq })).toContainEqual({
      type: "agent.lost",
      taskIds: ["t1", "t2"],
      reason: "heartbeat_expired",
    })
    const draining = agentIn("online", ["t1"], { maxConcurrency: 2 })
    expect(draining.send({ type: "DRAIN" })).toEqual([{ type: "agent.draining", taskIds: ["t1"] }])
  })

  it("a transferred slot's RELEASE frees a half-open probe's slot only when it names it", () => {
    const agent = agentIn("online", [], { maxConcurrency: 2 })
    for (let n = 1; n <= 5; n++) {
      agent.send({ type: "RESERVE", taskId: `f${n}` })
      agent.send({ type: "RELEASE", taskId: `f${n}`, outcome: "failed", at: 10_000 })
    }
    agent.send({ type: "BREAKER_COOLDOWN", openedAt: 10_000 })
    agent.send({ type: "RESERVE", taskId: "probe" })
    expect(agent.context.probeTaskId).toBe("probe")
    agent.send({ type: "RELEASE", taskId: "other", slot: "probe", outcome: "completed" })
    expect(agent.context).toMatchObject({ breaker: "closed", probeTaskId: null, inflight: [] })
  })
})
