// The machines' definitions (`GET /api/v1/machines`), read once per page load, and what the
// statechart needs from one: its states, the transitions drawn between them, and the events that
// leave a state (the inspector's send buttons).
import { useEffect, useState } from "preact/hooks"
import { get } from "../api.ts"
import type { Kind, MachineDescription, TransitionDescription } from "./types.ts"

let machines: Promise<Record<Kind, MachineDescription>> | undefined

export const loadMachines = (): Promise<Record<Kind, MachineDescription>> => {
  machines ??= get<Record<Kind, MachineDescription>>("/api/v1/machines").catch((error: unknown) => {
    machines = undefined
    throw error
  })
  return machines
}

export const useMachines = (): Record<Kind, MachineDescription> | undefined => {
  const [value, setValue] = useState<Record<Kind, MachineDescription>>()
  useEffect(() => {
    loadMachines().then(setValue, () => undefined)
  }, [])
  return value
}

/** The pseudo-state the machine-wide transitions (`on` of the root) start from. */
export const ANY_STATE = "(any state)"

export interface DrawnTransition extends TransitionDescription {
  readonly source: string
  readonly targetState: string
}

/** Every transition that changes state, from its state (or ANY_STATE) to its target's top-level state. */
export const drawnTransitions = (machine: MachineDescription): DrawnTransition[] => {
  const drawn: DrawnTransition[] = []
  const add = (source: string, transitions: ReadonlyArray<TransitionDescription>) => {
    for (const transition of transitions) {
      const target = transition.target[0]?.split(".").at(-1)
      if (target === undefined || transition.event === "*") continue
      drawn.push({ ...transition, source, targetState: target })
    }
  }
  add(ANY_STATE, machine.on)
  for (const [name, state] of Object.entries(machine.states ?? {})) add(name, state.on)
  return drawn
}

/** The events an operator can send in `state`: its own and the machine-wide ones (not `always`, not `*`). */
export const eventsLeaving = (machine: MachineDescription, state: string): string[] => {
  const own = machine.states?.[state]?.on ?? []
  const events = [...own, ...machine.on].map((transition) => transition.event).filter((event) => event !== "always" && event !== "*")
  return [...new Set(events)]
}

/** The label of a drawn transition: its event and guard. */
export const transitionLabel = (transition: TransitionDescription): string =>
  transition.guard === undefined ? transition.event : `${transition.event} [${transition.guard}]`
