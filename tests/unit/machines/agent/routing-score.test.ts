// The routing score (docs/coordination.md): 0.35 × capability fit + 0.25 × (1 − load) + 0.25 × recent
// success rate + 0.15 × availability, and why an agent cannot take work now.
import { describe, expect, it } from "vitest"
import { idleScore, routingFactors, routingScore, unavailableBecause } from "../../../../machines/routing-score.ts"

const agent = {
  capabilities: ["code"],
  inflight: [] as string[],
  maxConcurrency: 2,
  load: 0,
  recent: [] as boolean[],
  reportedStatus: null as "healthy" | "degraded" | "busy" | null,
  breaker: "closed" as "closed" | "open" | "half_open",
  probeTaskId: null as string | null,
}

describe("routing score", () => {
  it("gives an idle, healthy specialist with no history the full score", () => {
    expect(routingFactors(agent, ["code"])).toEqual({ fit: 1, load: 1, success: 1, availability: 1 })
    expect(routingScore(routingFactors(agent, ["code"]))).toBe(1)
  })

  it("ranks a specialist above a generalist, a free agent above a loaded one, a reliable one above a failing one", () => {
    const generalist = { ...agent, capabilities: ["code", "review", "test", "deploy"] }
    expect(routingScore(routingFactors(generalist, ["code"]))).toBe(0.7375)
    const loaded = { ...agent, inflight: ["t1"], load: 0.9 }
    expect(routingFactors(loaded, ["code"]).load).toBeCloseTo(0.1)
    const failing = { ...agent, recent: [true, false, false, false] }
    expect(routingScore(routingFactors(failing, ["code"]))).toBe(0.8125)
    const degraded = { ...agent, reportedStatus: "degraded" as const, breaker: "half_open" as const }
    expect(routingFactors(degraded, ["code"]).availability).toBe(0.25)
    expect(idleScore(agent)).toBe(1)
  })

  it("says why an agent cannot take work: its state, an open breaker, a busy probe, no free slot", () => {
    expect(unavailableBecause("online", agent)).toBeUndefined()
    expect(unavailableBecause("draining", agent)).toBe("it is draining")
    expect(unavailableBecause("online", { ...agent, breaker: "open" })).toMatch(/circuit breaker is open/)
    expect(unavailableBecause("online", { ...agent, breaker: "half_open", probeTaskId: "t" })).toMatch(/probe/)
    expect(unavailableBecause("busy", { ...agent, inflight: ["a", "b"] })).toBe("it has no free slot (2 of 2 in use)")
  })
})
