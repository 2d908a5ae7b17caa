// Presence: connecting, heartbeats and their durable expiry timer, disconnects, deregistration.
import { describe, expect, it } from "vitest"
import { deregisteredEffects } from "../../../../machines/agent.ts"
import { agentIn, startAgent } from "./harness.ts"

describe("agent presence", () => {
  it("starts offline from its input, with the documented defaults", () => {
    const agent = startAgent({ metadata: { region: "eu" } })
    expect(agent.state).toBe("offline")
    expect(agent.context).toMatchObject({
      id: "agent-1",
      name: "builder",
      capabilities: ["code"],
      type: null,
      maxConcurrency: 1,
      heartbeatIntervalMs: 10_000,
      metadata: { region: "eu" },
      createdAt: 1_000,
      inflight: [],
      heartbeatSeq: 0,
      lastHeartbeatAt: null,
      breaker: "closed",
    })
    expect(agent.context).not.toHaveProperty("labels")
  })

  it("keeps the labels it registers with; none registered, none held", () => {
    expect(startAgent({ labels: { team: "red", zone: "eu" } }).context.labels).toEqual({ team: "red", zone: "eu" })
    expect(startAgent({ labels: {} }).context).not.toHaveProperty("labels")
  })

  it("CONNECT goes online, arms the heartbeat timer at 3 intervals and announces its capacity", () => {
    const agent = startAgent({ heartbeatIntervalMs: 5_000, maxConcurrency: 2 })
    expect(agent.send({ type: "CONNECT", at: 2_000 })).toEqual([
      { type: "timer.arm", name: "heartbeat", fireAt: 17_000, event: { type: "HEARTBEAT_EXPIRED", seq: 1 } },
      { type: "agent.capacity", free: 2 },
    ])
    expect(agent.state).toBe("online")
    expect(agent.context).toMatchObject({ lastHeartbeatAt: 2_000, heartbeatSeq: 1 })
  })

  it("records its first socket's CONNECT, which an HTTP heartbeat does not (session_resumed reads it)", () => {
    const agent = startAgent()
    agent.send({ type: "HEARTBEAT", at: 3_000 })
    expect(agent.context).toMatchObject({ lastHeartbeatAt: 3_000, lastConnectedAt: null })
    expect(agent.send({ type: "CONNECT", at: 4_000 })).toEqual([
      { type: "timer.arm", name: "heartbeat", fireAt: 34_000, event: { type: "HEARTBEAT_EXPIRED", seq: 2 } },
    ])
    expect(agent.state).toBe("online")
    expect(agent.context).toMatchObject({ lastConnectedAt: 4_000, heartbeatSeq: 2 })
  })

  it("a HEARTBEAT brings an offline agent online too", () => {
    const agent = startAgent()
    expect(agent.send({ type: "HEARTBEAT", at: 3_000, load: 0.25, status: "healthy" })).toEqual([
      { type: "timer.arm", name: "heartbeat", fireAt: 33_000, event: { type: "HEARTBEAT_EXPIRED", seq: 1 } },
      { type: "agent.capacity", free: 1 },
    ])
    expect(agent.state).toBe("online")
    expect(agent.context).toMatchObject({ load: 0.25, reportedStatus: "healthy" })
  })

  it.each([
    ["online", []],
    ["busy", ["t1"]],
    ["draining", []],
  ] as const)("a HEARTBEAT while %s re-arms the timer with the next seq and stays", (state, held) => {
    const agent = agentIn(state, [...held])
    expect(agent.send({ type: "HEARTBEAT", at: 50_000, status: "degraded" })).toEqual([
      { type: "timer.arm", name: "heartbeat", fireAt: 80_000, event: { type: "HEARTBEAT_EXPIRED", seq: 2 } },
    ])
    expect(agent.state).toBe(state)
    expect(agent.context).toMatchObject({ heartbeatSeq: 2, lastHeartbeatAt: 50_000, reportedStatus: "degraded" })
  })

  it("a HEARTBEAT without a load keeps the computed load", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 4 })
    agent.send({ type: "HEARTBEAT" })
    expect(agent.context.load).toBe(0.25)
    agent.send({ type: "HEARTBEAT", load: 0.9 })
    expect(agent.context.load).toBe(0.9)
  })

  it.each([
    ["online", []],
    ["busy", ["t1"]],
    ["draining", ["t1"]],
  ] as const)("the current HEARTBEAT_EXPIRED takes a %s agent offline and reports its tasks lost", (state, held) => {
    const agent = agentIn(state, [...held])
    expect(agent.send({ type: "HEARTBEAT_EXPIRED", seq: 1 })).toEqual([{ type: "agent.lost", taskIds: held, reason: "heartbeat_expired" }])
    expect(agent.state).toBe("offline")
    expect(agent.context).toMatchObject({ inflight: [], load: 0 })
  })

  it("a stale HEARTBEAT_EXPIRED (armed before the last heartbeat) is ignored without a rejection", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 2 })
    agent.send({ type: "HEARTBEAT" })
    const before = agent.context
    expect(agent.send({ type: "HEARTBEAT_EXPIRED", seq: 1 })).toEqual([])
    expect(agent.state).toBe("online")
    expect(agent.context).toEqual(before)
  })

  it("DISCONNECT goes offline keeping its tasks and its armed heartbeat", () => {
    const agent = agentIn("online", ["t1", "t2"], { maxConcurrency: 3 })
    expect(agent.send({ type: "DISCONNECT" })).toEqual([])
    expect(agent.state).toBe("offline")
    expect(agent.context.inflight).toEqual(["t1", "t2"])
  })

  it("a disconnected agent whose heartbeat expires gives its tasks back", () => {
    const agent = agentIn("online", ["t1", "t2"], { maxConcurrency: 3 })
    agent.send({ type: "DISCONNECT" })
    expect(agent.send({ type: "HEARTBEAT_EXPIRED", seq: 1 })).toEqual([
      { type: "agent.lost", taskIds: ["t1", "t2"], reason: "heartbeat_expired" },
    ])
    expect(agent.state).toBe("offline")
    expect(agent.context.inflight).toEqual([])
  })

  it("a disconnected agent that reconnects in time resumes its tasks", () => {
    const agent = agentIn("busy", ["t1"], { maxConcurrency: 1 })
    agent.send({ type: "DISCONNECT" })
    agent.send({ type: "CONNECT", at: 9_000 })
    expect(agent.state).toBe("busy")
    expect(agent.context.inflight).toEqual(["t1"])
  })

  it("a task released while its agent is disconnected frees the slot without announcing capacity", () => {
    const agent = agentIn("busy", ["t1"], { maxConcurrency: 1 })
    agent.send({ type: "DISCONNECT" })
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed" })).toEqual([])
    expect(agent.context.inflight).toEqual([])
    expect(agent.context.successes).toBe(1)
  })

  it("reconnecting after a disconnect arms a fresh seq, so the old timer is stale", () => {
    const agent = agentIn("online")
    agent.send({ type: "DISCONNECT" })
    expect(agent.send({ type: "CONNECT", at: 9_000 })).toContainEqual({
      type: "timer.arm",
      name: "heartbeat",
      fireAt: 39_000,
      event: { type: "HEARTBEAT_EXPIRED", seq: 2 },
    })
    expect(agent.send({ type: "HEARTBEAT_EXPIRED", seq: 1 })).toEqual([])
    expect(agent.state).toBe("online")
  })

  it.each([
    ["offline", []],
    ["online", []],
    ["busy", ["t1"]],
    ["draining", ["t1"]],
  ] as const)("DEREGISTER from %s is final, reports held tasks lost and clears both timers", (state, held) => {
    const agent = agentIn(state, [...held])
    expect(agent.send({ type: "DEREGISTER" })).toEqual([
      { type: "agent.lost", taskIds: held, reason: "deregistered" },
      { type: "timer.clear", name: "heartbeat" },
      { type: "timer.clear", name: "breaker" },
    ])
    expect(agent.state).toBe("deregistered")
    expect(agent.done).toBe(true)
  })

  it("answers events to a deregistered agent: reservations refused, late timers and releases ignored, the rest rejected", () => {
    expect(deregisteredEffects({ type: "RESERVE", taskId: "t9", at: 1 })).toEqual([
      { type: "agent.reserve_refused", taskId: "t9", reason: "deregistered" },
    ])
    expect(deregisteredEffects({ type: "HEARTBEAT_EXPIRED", seq: 3, at: 1 })).toEqual([])
    expect(deregisteredEffects({ type: "BREAKER_COOLDOWN", openedAt: 3, at: 1 })).toEqual([])
    expect(deregisteredEffects({ type: "RELEASE", taskId: "t9", outcome: "lost", at: 1 })).toEqual([])
    expect(deregisteredEffects({ type: "HEARTBEAT", at: 1 })).toEqual([
      {
        type: "command.rejected",
        command: "HEARTBEAT",
        state: "deregistered",
        code: "conflict",
        reason: "HEARTBEAT is not accepted while the agent is deregistered",
      },
    ])
  })
})
