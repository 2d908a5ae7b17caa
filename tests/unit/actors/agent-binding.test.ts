// The agent binding: reservations become assignments, refusals are routed again, free
// capacity asks for waiting work, a lost agent hands its tasks back; free capacity and the routing
// score only while it takes work.
import { describe, expect, it } from "vitest"
import { agentKind } from "../../../actors/agent.ts"

const agent = {
  capabilities: ["lint", "test"],
  maxConcurrency: 3,
  inflight: ["t1"],
  breaker: "closed",
  load: 0.33,
  recent: [],
  reportedStatus: null,
}
const out = (effect: Record<string, unknown>) => agentKind.outputs(effect as never, { id: "a1", context: agent })

describe("agent binding", () => {
  it("turns a reservation into an ASSIGN to the task", () => {
    expect(out({ type: "agent.reserved", taskId: "t1" })).toEqual([
      { _tag: "send", to: { kind: "task", id: "t1" }, type: "ASSIGN", payload: { agentId: "a1" } },
    ])
  })

  it("puts a refused reservation's task back in its queue, naming the agent that refused it (its proposal forgotten)", () => {
    expect(out({ type: "agent.reserve_refused", taskId: "t2", reason: "no_capacity" })).toEqual([
      { _tag: "route_task", taskId: "t2", refusedBy: "a1" },
    ])
  })

  it("puts a refused next task (it came with a RELEASE) back in its queue with its facts (no Postgres read), naming the agent", () => {
    const next = { nextCapability: "lint", nextPriority: 1, nextGroup: "g", nextSince: 500 }
    expect(out({ type: "agent.reserve_refused", taskId: "t3", reason: "draining", next })).toEqual([
      { _tag: "route_task", taskId: "t3", refusedBy: "a1", capability: "lint", priority: 1, since: 500, group: "g" },
    ])
  })

  it("offers free capacity to waiting tasks of its capabilities, its slots transferable only while its breaker is closed", () => {
    // Score: 0.35 × fit 1/2 + 0.25 × (1 − 1/3) + 0.25 × success 1 + 0.15 × availability 1.
    expect(out({ type: "agent.capacity", free: 2 })).toEqual([
      { _tag: "fill_agent", agentId: "a1", capabilities: ["lint", "test"], free: 2, score: 0.7417, transfers: true, held: ["t1"] },
    ])
    const halfOpen = agentKind.outputs({ type: "agent.capacity", free: 1 } as never, {
      id: "a1",
      context: { ...agent, breaker: "half_open" },
    })
    expect(halfOpen).toMatchObject([{ _tag: "fill_agent", free: 1, transfers: false }])
  })

  it("hands the tasks holding a lost agent's slots back, saying why (the router resolves each slot, then forgets them)", () => {
    // Its capabilities go with them: it is idle for none of them from then on.
    expect(out({ type: "agent.lost", taskIds: ["t1", "t2"], reason: "heartbeat_expired" })).toEqual([
      {
        _tag: "agent_tasks",
        agentId: "a1",
        slots: ["t1", "t2"],
        capabilities: ["lint", "test"],
        lost: true,
        type: "AGENT_LOST",
        payload: { agentId: "a1", reason: "heartbeat_expired" },
      },
    ])
    // Holding none as it counts them, it still asks: the router may have given it slots straight (wakes) it has not
    // heard of, and resolves those.
    expect(out({ type: "agent.lost", taskIds: [], reason: "deregistered" })).toEqual([
      {
        _tag: "agent_tasks",
        agentId: "a1",
        slots: [],
        capabilities: ["lint", "test"],
        lost: true,
        type: "AGENT_LOST",
        payload: { agentId: "a1", reason: "deregistered" },
      },
    ])
  })

  it("tells the tasks holding its slots that it drains", () => {
    expect(out({ type: "agent.draining", taskIds: ["t1"] })).toEqual([
      {
        _tag: "agent_tasks",
        agentId: "a1",
        slots: ["t1"],
        capabilities: ["lint", "test"],
        lost: false,
        type: "AGENT_DRAINING",
        payload: { agentId: "a1" },
      },
    ])
  })

  it("refuses a reservation for a deregistered agent so the task is routed elsewhere", () => {
    expect(agentKind.afterFinal?.({ type: "RESERVE", taskId: "t9" })).toEqual([
      { type: "agent.reserve_refused", taskId: "t9", reason: "deregistered" },
    ])
  })

  it("shows free capacity and its routing score only while online with the breaker not open", () => {
    expect(agentKind.columns(agent, "online")).toEqual({
      capabilities: ["lint", "test"],
      freeCapacity: 2,
      load: 0.33,
      routingScore: 0.7417,
    })
    expect(agentKind.columns(agent, "draining")).toMatchObject({ freeCapacity: 0, routingScore: null })
    expect(agentKind.columns({ ...agent, breaker: "open" }, "online")).toMatchObject({ freeCapacity: 0, routingScore: null })
  })
})
