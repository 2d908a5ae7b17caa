// Describing a machine for visual inspection: states, transitions with guards and actions by
// name, eventless transitions, nested states.
import { describe, expect, it } from "vitest"
import { assign, setup } from "xstate"
import { describeMachine } from "../../../src/runtime/describe-machine.ts"

const machine = setup({
  types: {} as { context: { n: number }; events: { type: "GO" } | { type: "BACK" } },
  guards: { isReady: () => true },
  actions: { count: assign({ n: ({ context }) => context.n + 1 }), log: () => undefined },
}).createMachine({
  id: "demo",
  context: { n: 0 },
  initial: "idle",
  states: {
    idle: { entry: "log", on: { GO: { target: "working", guard: "isReady", actions: "count" } } },
    working: {
      initial: "step",
      states: { step: { always: { target: "#demo.done", guard: "isReady" } } },
      on: { BACK: "idle" },
    },
    done: { type: "final" },
  },
})

describe("describeMachine", () => {
  it("names states, transitions, guards, actions and eventless moves", () => {
    const described = describeMachine(machine)
    expect(described).toMatchObject({ id: "demo", initial: "idle" })
    expect(described.states?.["idle"]).toEqual({
      type: "atomic",
      entry: ["log"],
      exit: [],
      on: [{ event: "GO", target: ["working"], guard: "isReady", actions: ["count"] }],
    })
    expect(described.states?.["working"]).toMatchObject({
      type: "compound",
      initial: "step",
      on: [{ event: "BACK", target: ["idle"], actions: [] }],
      states: { step: { on: [{ event: "always", target: ["done"], guard: "isReady", actions: [] }] } },
    })
    expect(described.states?.["done"]?.type).toBe("final")
  })

  it("is plain JSON", () => {
    const described = describeMachine(machine)
    expect(JSON.parse(JSON.stringify(described))).toEqual(described)
  })
})
