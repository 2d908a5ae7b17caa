// Test harness for the agent machine: a started actor, the effects each event emitted, and shortcuts to a state.
import { createActor } from "xstate"
import { agentMachine, type AgentContext, type AgentEmitted, type AgentEvent, type AgentInput } from "../../../../machines/agent.ts"

/** Any agent event, with `at` filled in by the harness when left out. */
type WithoutAt<E> = E extends AgentEvent ? Omit<E, "at"> : never
export type Command = WithoutAt<AgentEvent> & { at?: number }

export interface Agent {
  /** Sends one event and returns exactly the effects it emitted, in order. */
  send(event: Command): AgentEmitted[]
  readonly state: string
  readonly context: AgentContext
  readonly done: boolean
}

export const baseInput: AgentInput = { id: "agent-1", name: "builder", capabilities: ["code"], at: 1_000 }

export function startAgent(input: Partial<AgentInput> = {}): Agent {
  const actor = createActor(agentMachine, { input: { ...baseInput, ...input } }).start()
  let effects: AgentEmitted[] = []
  actor.on("*", (effect) => effects.push(effect))
  let clock = baseInput.at
  return {
    send(event) {
      effects = []
      clock = event.at ?? clock + 1
      actor.send({ ...event, at: clock } as AgentEvent)
      return effects
    },
    get state() {
      return String(actor.getSnapshot().value)
    },
    get context() {
      return actor.getSnapshot().context
    },
    get done() {
      return actor.getSnapshot().status === "done"
    },
  }
}

export type Presence = "offline" | "online" | "busy" | "draining"

/** An agent brought to `state` the ordinary way: connected, holding `held`, then drained for `draining`. */
export function agentIn(state: Presence, held: string[] = [], input: Partial<AgentInput> = {}): Agent {
  const agent = startAgent(input)
  if (state === "offline") return agent
  agent.send({ type: "CONNECT" })
  for (const taskId of held) agent.send({ type: "RESERVE", taskId })
  if (state === "draining") agent.send({ type: "DRAIN" })
  if (agent.state !== state) throw new Error(`harness: wanted ${state}, got ${agent.state}`)
  return agent
}

/** A connected agent whose breaker tripped: `failures` failed tasks (default 5) in a row. */
export function agentWithOpenBreaker(input: Partial<AgentInput> = {}, failures = 5): Agent {
  const agent = agentIn("online", [], input)
  for (let n = 1; n <= failures; n++) {
    agent.send({ type: "RESERVE", taskId: `failing-${n}` })
    agent.send({ type: "RELEASE", taskId: `failing-${n}`, outcome: "failed" })
  }
  return agent
}
