// Draining: an operator stops new reservations while held tasks finish, then lets the agent work again.
import { describe, expect, it } from "vitest"
import { agentIn } from "./harness.ts"

describe("agent draining", () => {
  it.each([
    ["online", [], 2],
    ["busy", ["t1"], 1],
  ] as const)("DRAIN moves a %s agent to draining, keeping its tasks and telling them", (state, held, maxConcurrency) => {
    const agent = agentIn(state, [...held], { maxConcurrency })
    expect(agent.send({ type: "DRAIN" })).toEqual([{ type: "agent.draining", taskIds: held }])
    expect(agent.state).toBe("draining")
    expect(agent.context.inflight).toEqual(held)
  })

  it("UNDRAIN goes back online and announces the free capacity", () => {
    const agent = agentIn("draining", ["t1"], { maxConcurrency: 3 })
    expect(agent.send({ type: "UNDRAIN" })).toEqual([{ type: "agent.capacity", free: 2 }])
    expect(agent.state).toBe("online")
  })

  it("UNDRAIN with every slot still held goes back to busy without announcing", () => {
    const agent = agentIn("draining", ["t1", "t2"], { maxConcurrency: 2 })
    expect(agent.send({ type: "UNDRAIN" })).toEqual([])
    expect(agent.state).toBe("busy")
  })

  it("tasks finishing while draining free their slots for after the drain", () => {
    const agent = agentIn("draining", ["t1"])
    agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed" })
    agent.send({ type: "UNDRAIN" })
    expect(agent.state).toBe("online")
    expect(agent.send({ type: "RESERVE", taskId: "t2" })).toEqual([{ type: "agent.reserved", taskId: "t2" }])
    expect(agent.state).toBe("busy")
  })
})
