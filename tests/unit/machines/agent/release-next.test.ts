// A RELEASE carrying the next reservation (`nextTaskId` and its routing facts): the freed slot is taken again in the
// same step when the agent can take it, refused with the reason (and the facts, for its queue) when it cannot, and
// capacity is announced once, after both.
import { describe, expect, it } from "vitest"
import { deregisteredEffects } from "../../../../machines/agent.ts"
import { agentIn, agentWithOpenBreaker } from "./harness.ts"

const NEXT = { nextTaskId: "n1", nextCapability: "code", nextPriority: 1, nextGroup: "g", nextSince: 500 } as const
const FACTS = { nextCapability: "code", nextPriority: 1, nextGroup: "g", nextSince: 500 }

describe("agent RELEASE with a next task", () => {
  it("online: reserves the next task in the freed slot, then announces the slots left, once", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 2 })
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", ...NEXT })).toEqual([
      { type: "agent.reserved", taskId: "n1" },
      { type: "agent.capacity", free: 1 },
    ])
    expect(agent.context.inflight).toEqual(["n1"])
    expect(agent.context.successes).toBe(1)
    expect(agent.state).toBe("online")
  })

  it("busy: the freed slot is taken again, it stays busy and announces nothing", () => {
    const agent = agentIn("busy", ["t1"])
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", ...NEXT })).toEqual([{ type: "agent.reserved", taskId: "n1" }])
    expect(agent.state).toBe("busy")
    expect(agent.context.inflight).toEqual(["n1"])
  })

  it("without a next task, a release in busy still announces its freed slot", () => {
    const agent = agentIn("busy", ["t1"])
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed" })).toEqual([{ type: "agent.capacity", free: 1 }])
    expect(agent.state).toBe("online")
  })

  it.each(["draining", "offline"] as const)("%s: releases and refuses the next task with the reason and its facts", (state) => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 2 })
    agent.send(state === "draining" ? { type: "DRAIN" } : { type: "DISCONNECT" })
    expect(agent.state).toBe(state)
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", ...NEXT })).toEqual([
      { type: "agent.reserve_refused", taskId: "n1", reason: state, next: FACTS },
    ])
    expect(agent.context.inflight).toEqual([])
  })

  it("a breaker opening on this very release refuses the next task (breaker_open) and announces no capacity", () => {
    const agent = agentIn("online")
    for (let n = 1; n <= 4; n++) {
      agent.send({ type: "RESERVE", taskId: `f${n}` })
      agent.send({ type: "RELEASE", taskId: `f${n}`, outcome: "failed" })
    }
    agent.send({ type: "RESERVE", taskId: "f5" })
    expect(agent.send({ type: "RELEASE", taskId: "f5", outcome: "failed", at: 50_000, ...NEXT })).toEqual([
      { type: "timer.arm", name: "breaker", fireAt: 80_000, event: { type: "BREAKER_COOLDOWN", openedAt: 50_000 } },
      { type: "agent.reserve_refused", taskId: "n1", reason: "breaker_open", next: FACTS },
      { type: "agent.capacity", free: 0 },
    ])
    expect(agent.context.inflight).toEqual([])
  })

  it("half-open: the probe's successful release closes the breaker, then the next task is reserved as usual", () => {
    const agent = agentWithOpenBreaker({ maxConcurrency: 2 })
    agent.send({ type: "BREAKER_COOLDOWN", openedAt: agent.context.breakerOpenedAt ?? -1 })
    agent.send({ type: "RESERVE", taskId: "probe" })
    expect(agent.send({ type: "RELEASE", taskId: "probe", outcome: "completed", ...NEXT })).toEqual([
      { type: "agent.reserved", taskId: "n1" },
      { type: "agent.capacity", free: 1 },
    ])
    expect(agent.context).toMatchObject({ breaker: "closed", probeTaskId: null, inflight: ["n1"] })
  })

  it("half-open: a release of a task held from before frees it and the next task becomes the probe", () => {
    const agent = agentIn("online", ["old"], { maxConcurrency: 3 })
    for (let n = 1; n <= 5; n++) {
      agent.send({ type: "RESERVE", taskId: `f${n}` })
      agent.send({ type: "RELEASE", taskId: `f${n}`, outcome: "failed" })
    }
    agent.send({ type: "BREAKER_COOLDOWN", openedAt: agent.context.breakerOpenedAt ?? -1 })
    expect(agent.context.breaker).toBe("half_open")
    expect(agent.send({ type: "RELEASE", taskId: "old", outcome: "cancelled", ...NEXT })).toEqual([
      { type: "agent.reserved", taskId: "n1" },
      { type: "agent.capacity", free: 0 },
    ])
    expect(agent.context).toMatchObject({ probeTaskId: "n1", inflight: ["n1"] })
  })

  it("a RELEASE of a task not held still considers its next task (as a RESERVE: no capacity announced)", () => {
    const agent = agentIn("online", [], { maxConcurrency: 2 })
    expect(agent.send({ type: "RELEASE", taskId: "gone", outcome: "cancelled", ...NEXT })).toEqual([
      { type: "agent.reserved", taskId: "n1" },
    ])
    expect(agent.context.inflight).toEqual(["n1"])
    const busy = agentIn("busy", ["t1"])
    expect(busy.send({ type: "RELEASE", taskId: "gone", outcome: "cancelled", ...NEXT })).toEqual([
      { type: "agent.reserve_refused", taskId: "n1", reason: "no_capacity", next: FACTS },
    ])
  })

  it("a next task already held is confirmed again, never counted twice", () => {
    const agent = agentIn("online", ["t1", "n1"], { maxConcurrency: 3 })
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed", ...NEXT })).toEqual([
      { type: "agent.reserved", taskId: "n1" },
      { type: "agent.capacity", free: 2 },
    ])
    expect(agent.context.inflight).toEqual(["n1"])
  })

  it("deregistered: the next task is refused (deregistered), a plain release is ignored", () => {
    expect(deregisteredEffects({ type: "RELEASE", taskId: "t1", outcome: "completed", at: 1, ...NEXT })).toEqual([
      { type: "agent.reserve_refused", taskId: "n1", reason: "deregistered", next: FACTS },
    ])
    expect(deregisteredEffects({ type: "RELEASE", taskId: "t1", outcome: "completed", at: 1 })).toEqual([])
  })
})
