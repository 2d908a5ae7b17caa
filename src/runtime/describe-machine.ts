// Describes an XState machine as plain JSON (states, transitions, guards and actions by
// name) for visual inspection: `clawbot machines --json` and `GET /api/v1/machines`.
import type { AnyStateMachine } from "xstate"

export interface TransitionDescription {
  readonly event: string
  readonly target: ReadonlyArray<string>
  readonly guard?: string
  readonly actions: ReadonlyArray<string>
}

export interface StateDescription {
  readonly type: string
  readonly initial?: string
  readonly entry: ReadonlyArray<string>
  readonly exit: ReadonlyArray<string>
  readonly on: ReadonlyArray<TransitionDescription>
  readonly states?: Readonly<Record<string, StateDescription>>
}

export interface MachineDescription extends StateDescription {
  readonly id: string
  readonly initial: string
}

// The shapes below are the parts of XState's StateNode this module reads.
interface Named {
  readonly type?: unknown
  readonly name?: unknown
}
interface TransitionNode {
  readonly eventType: string
  readonly target?: ReadonlyArray<{ readonly path: ReadonlyArray<string> }>
  readonly guard?: unknown
  readonly actions: ReadonlyArray<unknown>
}
interface StateNodeLike {
  readonly type: string
  readonly key: string
  readonly states: Readonly<Record<string, StateNodeLike>>
  readonly initial?: { readonly target: ReadonlyArray<{ readonly key: string }> }
  readonly entry: ReadonlyArray<unknown>
  readonly exit: ReadonlyArray<unknown>
  readonly transitions: ReadonlyMap<string, ReadonlyArray<TransitionNode>>
  readonly always?: ReadonlyArray<TransitionNode>
}

const nameOf = (item: unknown): string => {
  if (typeof item === "string") return item
  const named = item as Named | null
  if (named && typeof named.type === "string") return named.type
  if (named && typeof named.name === "string" && named.name !== "") return named.name
  return "inline"
}

const describeTransition = (transition: TransitionNode, event: string): TransitionDescription => ({
  event,
  target: (transition.target ?? []).map((node) => node.path.join(".")),
  ...(transition.guard === undefined ? {} : { guard: nameOf(transition.guard) }),
  actions: transition.actions.map(nameOf),
})

const describeState = (node: StateNodeLike): StateDescription => {
  const on: TransitionDescription[] = []
  for (const [event, transitions] of node.transitions) {
    for (const transition of transitions) on.push(describeTransition(transition, event))
  }
  for (const transition of node.always ?? []) on.push(describeTransition(transition, "always"))
  const children = Object.entries(node.states)
  const initial = node.initial?.target[0]?.key
  return {
    type: node.type,
    ...(initial === undefined ? {} : { initial }),
    entry: node.entry.map(nameOf),
    exit: node.exit.map(nameOf),
    on,
    ...(children.length === 0 ? {} : { states: Object.fromEntries(children.map(([key, child]) => [key, describeState(child)])) }),
  }
}

export const describeMachine = (machine: AnyStateMachine): MachineDescription => {
  const root = describeState(machine.root as unknown as StateNodeLike)
  return { ...root, id: machine.id, initial: root.initial ?? "" }
}
