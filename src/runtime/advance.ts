// Advances actors with XState's pure `transition()` / `initialTransition()`: no live actor, no
// `self`, nothing to undo when a batch fails. Emitted events are read from the returned actions;
// a machine that throws (a bug, a stack overflow) is reported as a failure, never rethrown.
import { initialTransition, transition, type AnyMachineSnapshot } from "xstate"
import type { ActorKind, Emitted } from "./actor-kind.ts"

export const REJECTED = "command.rejected"

export type Step =
  | {
      readonly _tag: "applied"
      readonly snapshot: AnyMachineSnapshot
      readonly from: string | null
      readonly to: string
      /** The state value or the context changed (a transition worth recording). */
      readonly changed: boolean
      readonly effects: ReadonlyArray<Emitted>
    }
  | { readonly _tag: "rejected"; readonly code: string; readonly reason: string; readonly state: string | null }
  | { readonly _tag: "failed"; readonly reason: string }

/** A state value as one string: `running`, or `parent.child` for nested states. */
export const stateName = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => `${key}.${stateName(child)}`)
      .join(",")
  }
  return String(value)
}

/** The scope XState restores a stored snapshot with: these machines have no child actors. */
const RESTORE_SCOPE = { self: undefined } as never

/** A stored (persisted) snapshot brought back as a machine snapshot. */
export const restoreSnapshot = (kind: ActorKind, persisted: unknown): AnyMachineSnapshot =>
  kind.machine.restoreSnapshot(persisted as never, RESTORE_SCOPE) as AnyMachineSnapshot

/** The snapshot to store (plain JSON). */
export const persistSnapshot = (kind: ActorKind, snapshot: AnyMachineSnapshot): unknown =>
  kind.machine.getPersistedSnapshot(snapshot)

const emittedOf = (actions: ReadonlyArray<{ readonly type: string; readonly params?: unknown }>): Emitted[] =>
  actions.filter((action) => action.type === "xstate.emit").map((action) => (action.params as { event: Emitted }).event)

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** The creation of an actor from its creation command's payload. */
export const createStep = (kind: ActorKind, key: string, input: Record<string, unknown>): Step => {
  try {
    const [snapshot, actions] = initialTransition(kind.machine, input)
    if (snapshot.status === "error") return { _tag: "failed", reason: `creating ${key} failed: ${describe(snapshot.error)}` }
    return { _tag: "applied", snapshot, from: null, to: stateName(snapshot.value), changed: true, effects: emittedOf(actions) }
  } catch (error) {
    return { _tag: "failed", reason: `creating ${key} failed: ${describe(error)}` }
  }
}

/** One event sent to an actor. XState drops events sent to a finished actor: the kind's
 * `afterFinal` answers those, else a `conflict` refusal. */
export const sendStep = (kind: ActorKind, key: string, before: AnyMachineSnapshot, event: { readonly type: string }): Step => {
  const from = stateName(before.value)
  if (before.status === "done") {
    const effects = (kind.afterFinal?.(event) as ReadonlyArray<Emitted> | undefined) ?? [
      { type: REJECTED, code: "conflict", reason: `${event.type} is not allowed: ${key} is ${from}, a final state` },
    ]
    return rejection(effects, event.type, from) ?? { _tag: "applied", snapshot: before, from, to: from, changed: false, effects }
  }
  let after: AnyMachineSnapshot
  let effects: Emitted[]
  try {
    const [next, actions] = transition(kind.machine, before, event as never)
    after = next as AnyMachineSnapshot
    effects = emittedOf(actions)
  } catch (error) {
    return { _tag: "failed", reason: `${event.type} made ${key} fail: ${describe(error)}` }
  }
  if (after.status === "error") return { _tag: "failed", reason: `${event.type} made ${key} fail: ${describe(after.error)}` }
  const refused = rejection(effects, event.type, from)
  if (refused) return refused
  const to = stateName(after.value)
  return { _tag: "applied", snapshot: after, from, to, changed: from !== to || before.context !== after.context, effects }
}

/** The refusal among a command's effects, if the machine refused it. */
const rejection = (effects: ReadonlyArray<Emitted>, command: string, state: string): Step | undefined => {
  const refused = effects.find((effect) => effect.type === REJECTED)
  return refused && {
    _tag: "rejected",
    code: String(refused["code"] ?? "conflict"),
    reason: String(refused["reason"] ?? `${command} is not allowed`),
    state,
  }
}
