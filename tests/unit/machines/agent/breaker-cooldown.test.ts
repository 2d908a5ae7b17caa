// The breaker's cool-down is the agent's own (`breakerCooldownMs`, from its registration: the deployment's
// CLAWBOT_BREAKER_COOLDOWN_MS), 30 s when not given; the timer it arms when it opens, and again when a
// failed probe re-opens it, is that long.
import { describe, expect, it } from "vitest"
import { BREAKER } from "../../../../machines/agent.ts"
import { agentKind } from "../../../../actors/agent.ts"
import { compactSnapshot, expandSnapshot } from "../../../../src/runtime/stored-snapshot.ts"
import type { PersistedSnapshot } from "../../../../src/runtime/actor-kind.ts"
import { agentWithOpenBreaker } from "./harness.ts"

const armed = (effects: ReadonlyArray<{ type: string }>) =>
  effects.flatMap((effect) => (effect.type === "timer.arm" ? [effect as unknown as { fireAt: number; event: unknown }] : []))

describe("breaker cool-down", () => {
  it("is 30 s when the input gives none", () => {
    const agent = agentWithOpenBreaker()
    expect(agent.context.breakerCooldownMs).toBe(BREAKER.cooldownMs)
    expect(BREAKER.cooldownMs).toBe(30_000)
  })

  it("is the input's: the opening and a failed probe's re-opening each arm a timer that long", () => {
    const agent = agentWithOpenBreaker({ breakerCooldownMs: 1_500 })
    const openedAt = agent.context.breakerOpenedAt ?? 0
    expect(agent.context).toMatchObject({ breaker: "open", breakerCooldownMs: 1_500 })
    expect(agent.send({ type: "BREAKER_COOLDOWN", openedAt, at: openedAt + 1_500 })).toEqual([{ type: "agent.capacity", free: 1 }])
    expect(agent.context.breaker).toBe("half_open")
    agent.send({ type: "RESERVE", taskId: "probe" })
    const reopened = agent.send({ type: "RELEASE", taskId: "probe", outcome: "failed", at: openedAt + 2_000 })
    expect(armed(reopened)).toEqual([
      { type: "timer.arm", name: "breaker", fireAt: openedAt + 3_500, event: { type: "BREAKER_COOLDOWN", openedAt: openedAt + 2_000 } },
    ])
  })

  it("is left out of a stored agent at the default and put back; a snapshot without it reads 30 s", () => {
    const agent = agentWithOpenBreaker()
    const persisted = {
      status: "active",
      value: "online",
      historyValue: {},
      children: {},
      context: agent.context,
    } as unknown as PersistedSnapshot
    const stored = compactSnapshot(agentKind, agent.context.id, persisted) as { context: Record<string, unknown> }
    expect(stored.context).not.toHaveProperty("breakerCooldownMs")
    expect((expandSnapshot(agentKind, agent.context.id, stored).context as { breakerCooldownMs: number }).breakerCooldownMs).toBe(30_000)
    const configured = agentWithOpenBreaker({ breakerCooldownMs: 2_000 })
    const kept = compactSnapshot(agentKind, configured.context.id, {
      ...persisted,
      context: configured.context,
    } as unknown as PersistedSnapshot) as {
      context: Record<string, unknown>
    }
    expect(kept.context["breakerCooldownMs"]).toBe(2_000)
  })
})
