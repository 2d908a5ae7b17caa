// Refusals are visible: commands a state does not accept emit command.rejected (conflict) and change
// nothing; a reservation the agent cannot take is answered agent.reserve_refused with its reason.
import { describe, expect, it } from "vitest"
import { agentIn, agentWithOpenBreaker, type Command, type Presence } from "./harness.ts"

const rejectedIn: Record<Presence, Command["type"][]> = {
  offline: ["DISCONNECT", "DRAIN", "UNDRAIN"],
  online: ["UNDRAIN"],
  busy: ["UNDRAIN"],
  draining: ["DRAIN"],
}
const cases = Object.entries(rejectedIn).flatMap(([state, types]) => types.map((type) => [state as Presence, type] as const))

describe("agent refusals", () => {
  it.each(cases)("while %s, %s is rejected as a conflict and changes nothing", (state, type) => {
    const agent = agentIn(state, state === "busy" ? ["t1"] : [])
    const before = agent.context
    expect(agent.send({ type } as Command)).toEqual([
      { type: "command.rejected", command: type, state, code: "conflict", reason: `${type} is not accepted while the agent is ${state}` },
    ])
    expect(agent.state).toBe(state)
    expect(agent.context).toEqual(before)
  })

  it.each([
    ["offline", "offline"],
    ["draining", "draining"],
    ["busy", "no_capacity"],
  ] as const)("a RESERVE while %s is refused with reason %s and changes nothing", (state, reason) => {
    const agent = agentIn(state, state === "busy" ? ["t1"] : [])
    const before = agent.context
    expect(agent.send({ type: "RESERVE", taskId: "t9" })).toEqual([{ type: "agent.reserve_refused", taskId: "t9", reason }])
    expect(agent.state).toBe(state)
    expect(agent.context).toEqual(before)
  })

  it("a RESERVE on an online agent whose breaker is open is refused with reason breaker_open", () => {
    const agent = agentWithOpenBreaker()
    const before = agent.context
    expect(agent.send({ type: "RESERVE", taskId: "t9" })).toEqual([{ type: "agent.reserve_refused", taskId: "t9", reason: "breaker_open" }])
    expect(agent.context).toEqual(before)
  })
})
