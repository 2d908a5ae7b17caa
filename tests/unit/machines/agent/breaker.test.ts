// Circuit breaker: opens on a poor recent success rate, cools down for 30 s, then half-open
// admits one probe reservation whose outcome closes or re-opens it.
import { describe, expect, it } from "vitest"
import { BREAKER, successRate } from "../../../../machines/agent.ts"
import { agentIn, agentWithOpenBreaker, type Agent } from "./harness.ts"

/** Reserves and releases one task with `outcome`, returning the release's effects. */
function finish(agent: Agent, taskId: string, outcome: "completed" | "failed" | "timed_out", at?: number) {
  agent.send({ type: "RESERVE", taskId })
  return agent.send({ type: "RELEASE", taskId, outcome, ...(at === undefined ? {} : { at }) })
}

describe("successRate", () => {
  it("is the completed share of recent outcomes, 1 with none yet", () => {
    expect(successRate({ recent: [] })).toBe(1)
    expect(successRate({ recent: [true, false, false, true] })).toBe(0.5)
  })
})

describe("agent circuit breaker", () => {
  it("opens on the fifth failure in a row, arms the 30 s cool-down and announces no free slot (the router forgets it as idle)", () => {
    const agent = agentIn("online")
    for (let n = 1; n <= 4; n++) expect(finish(agent, `t${n}`, "failed")).toEqual([{ type: "agent.capacity", free: 1 }])
    expect(agent.context.breaker).toBe("closed")
    expect(finish(agent, "t5", "timed_out", 50_000)).toEqual([
      { type: "timer.arm", name: "breaker", fireAt: 80_000, event: { type: "BREAKER_COOLDOWN", openedAt: 50_000 } },
      { type: "agent.capacity", free: 0 },
    ])
    expect(agent.context).toMatchObject({ breaker: "open", breakerOpenedAt: 50_000, failures: 5 })
    expect(agent.state).toBe("online")
  })

  it("stays closed while the recent success rate is at least 30%", () => {
    const agent = agentIn("online")
    finish(agent, "ok-1", "completed")
    finish(agent, "ok-2", "completed")
    for (let n = 1; n <= 3; n++) finish(agent, `bad-${n}`, "failed")
    expect(successRate(agent.context)).toBe(0.4)
    expect(agent.context.breaker).toBe("closed")
  })

  it("judges only the last 10 outcomes", () => {
    const agent = agentIn("online")
    for (let n = 1; n <= 12; n++) finish(agent, `ok-${n}`, "completed")
    for (let n = 1; n <= 7; n++) finish(agent, `bad-${n}`, "failed")
    expect(agent.context.recent).toHaveLength(BREAKER.window)
    expect(agent.context).toMatchObject({ breaker: "closed", successes: 12, failures: 7 })
    finish(agent, "bad-8", "failed")
    expect(agent.context.breaker).toBe("open")
  })

  it("an open breaker refuses reservations", () => {
    const agent = agentWithOpenBreaker()
    expect(agent.send({ type: "RESERVE", taskId: "next" })).toEqual([
      { type: "agent.reserve_refused", taskId: "next", reason: "breaker_open" },
    ])
    expect(agent.context.inflight).toEqual([])
  })

  it("a cool-down for an earlier opening is ignored", () => {
    const agent = agentWithOpenBreaker()
    const before = agent.context
    expect(agent.send({ type: "BREAKER_COOLDOWN", openedAt: 1 })).toEqual([])
    expect(agent.context).toEqual(before)
  })

  it("a cool-down while closed is ignored", () => {
    const agent = agentIn("online")
    expect(agent.send({ type: "BREAKER_COOLDOWN", openedAt: 1 })).toEqual([])
    expect(agent.context.breaker).toBe("closed")
  })

  it("after the cool-down it is half-open, announces its slots, admits one probe and then announces none", () => {
    const agent = agentWithOpenBreaker({ maxConcurrency: 2 })
    const openedAt = agent.context.breakerOpenedAt ?? -1
    expect(agent.send({ type: "BREAKER_COOLDOWN", openedAt })).toEqual([{ type: "agent.capacity", free: 2 }])
    expect(agent.context.breaker).toBe("half_open")
    expect(agent.send({ type: "RESERVE", taskId: "probe" })).toEqual([
      { type: "agent.reserved", taskId: "probe" },
      { type: "agent.capacity", free: 0 },
    ])
    expect(agent.context.probeTaskId).toBe("probe")
    expect(agent.send({ type: "RESERVE", taskId: "second" })).toEqual([
      { type: "agent.reserve_refused", taskId: "second", reason: "breaker_open" },
    ])
  })

  it("the probe's success closes the breaker and starts a fresh window", () => {
    const agent = agentWithOpenBreaker({ maxConcurrency: 2 })
    agent.send({ type: "BREAKER_COOLDOWN", openedAt: agent.context.breakerOpenedAt ?? -1 })
    agent.send({ type: "RESERVE", taskId: "probe" })
    expect(agent.send({ type: "RELEASE", taskId: "probe", outcome: "completed" })).toEqual([{ type: "agent.capacity", free: 2 }])
    expect(agent.context).toMatchObject({ breaker: "closed", breakerOpenedAt: null, probeTaskId: null, recent: [true] })
    expect(agent.send({ type: "RESERVE", taskId: "a" })).toEqual([{ type: "agent.reserved", taskId: "a" }])
    expect(agent.send({ type: "RESERVE", taskId: "b" })).toEqual([{ type: "agent.reserved", taskId: "b" }])
  })

  it("the probe's failure re-opens it and arms a new cool-down", () => {
    const agent = agentWithOpenBreaker()
    agent.send({ type: "BREAKER_COOLDOWN", openedAt: agent.context.breakerOpenedAt ?? -1 })
    agent.send({ type: "RESERVE", taskId: "probe" })
    expect(agent.send({ type: "RELEASE", taskId: "probe", outcome: "failed", at: 200_000 })).toEqual([
      { type: "timer.arm", name: "breaker", fireAt: 230_000, event: { type: "BREAKER_COOLDOWN", openedAt: 200_000 } },
      { type: "agent.capacity", free: 0 },
    ])
    expect(agent.context).toMatchObject({ breaker: "open", breakerOpenedAt: 200_000, probeTaskId: null })
    expect(agent.state).toBe("online")
  })

  it("a probe that ends cancelled lets the half-open breaker admit another", () => {
    const agent = agentWithOpenBreaker()
    agent.send({ type: "BREAKER_COOLDOWN", openedAt: agent.context.breakerOpenedAt ?? -1 })
    agent.send({ type: "RESERVE", taskId: "probe" })
    expect(agent.send({ type: "RELEASE", taskId: "probe", outcome: "cancelled" })).toEqual([{ type: "agent.capacity", free: 1 }])
    expect(agent.context).toMatchObject({ breaker: "half_open", probeTaskId: null })
    expect(agent.send({ type: "RESERVE", taskId: "probe-2" })).toEqual([
      { type: "agent.reserved", taskId: "probe-2" },
      { type: "agent.capacity", free: 0 },
    ])
  })

  it("outcomes of other tasks count but neither close a half-open breaker nor re-arm an open one", () => {
    const agent = agentIn("online", ["long"], { maxConcurrency: 2 })
    for (let n = 1; n <= 5; n++) finish(agent, `bad-${n}`, "failed")
    expect(agent.context.breaker).toBe("open")
    expect(agent.send({ type: "RELEASE", taskId: "long", outcome: "failed" })).toEqual([{ type: "agent.capacity", free: 0 }])
    expect(agent.context).toMatchObject({ breaker: "open", failures: 6 })

    const again = agentIn("online", ["long"], { maxConcurrency: 2 })
    for (let n = 1; n <= 5; n++) finish(again, `bad-${n}`, "failed")
    again.send({ type: "BREAKER_COOLDOWN", openedAt: again.context.breakerOpenedAt ?? -1 })
    again.send({ type: "RESERVE", taskId: "probe" })
    expect(again.send({ type: "RELEASE", taskId: "long", outcome: "completed" })).toEqual([{ type: "agent.capacity", free: 0 }])
    expect(again.context).toMatchObject({ breaker: "half_open", probeTaskId: "probe", successes: 1 })
  })

  it.each(["draining", "offline"] as const)("cools down to half-open while %s without announcing capacity", (state) => {
    const agent = agentWithOpenBreaker()
    agent.send({ type: state === "draining" ? "DRAIN" : "DISCONNECT" })
    expect(agent.send({ type: "BREAKER_COOLDOWN", openedAt: agent.context.breakerOpenedAt ?? -1 })).toEqual([])
    expect(agent.context.breaker).toBe("half_open")
    expect(agent.state).toBe(state)
  })

  it("is never open while busy: a breaker opens only on a release, which frees a slot", () => {
    const agent = agentIn("online", ["long"], { maxConcurrency: 2 })
    for (let n = 1; n <= 5; n++) finish(agent, `bad-${n}`, "failed")
    agent.send({ type: "BREAKER_COOLDOWN", openedAt: agent.context.breakerOpenedAt ?? -1 })
    agent.send({ type: "RESERVE", taskId: "probe" })
    expect(agent.state).toBe("busy")
    agent.send({ type: "RELEASE", taskId: "probe", outcome: "failed" })
    expect(agent.context.breaker).toBe("open")
    expect(agent.state).toBe("online")
  })
})
