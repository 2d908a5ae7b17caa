// Advances actors the way XState's pure `transition()` / `initialTransition()` do (the machine's
// own pure step over an inert scope): no live actor, no `self`, nothing to undo when a batch fails. Emitted events are read from the returned actions;
// a machine that throws (a bug, a stack overflow) is reported as a failure, never rethrown.
import { createActor, type AnyActorScope, type AnyMachineSnapshot } from "xstate"
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

interface Scope {
  readonly scope: AnyActorScope
  /** What the machine asked to execute during the current step (emits among them). */
  readonly actions: Array<{ readonly type: string; readonly params?: unknown }>
}

/**
 * One inert actor scope per machine, reused by every step: what XState's own `transition()` builds
 * anew at each call (an actor and its initial snapshot), which a profile showed costing more
 * than the step itself. Steps run one at a time, so one action list per scope is enough.
 */
const scopes = new WeakMap<object, Scope>()
const scopeOf = (kind: ActorKind): Scope => {
  let found = scopes.get(kind.machine)
  if (!found) {
    const self = createActor(kind.machine)
    const actions: Scope["actions"] = []
    const scope = {
      self,
      defer: () => undefined,
      id: "",
      logger: () => undefined,
      sessionId: "",
      stopChild: () => undefined,
      system: self.system,
      emit: () => undefined,
      actionExecutor: (action: Scope["actions"][number]) => actions.push(action),
    } as unknown as AnyActorScope
    found = { scope, actions }
    scopes.set(kind.machine, found)
  }
  found.actions.length = 0
  return found
}

/** A stored (persisted) snapshot brought back as a machine snapshot, its context as stored: XState's own restoring
 * takes any object of the context with `xstate$$type: 1` for a persisted actor reference and puts the child actor of
 * its `id` in its place (none: the member is lost), which would rewrite a task's payload or result, or an agent's
 * metadata; no actor of ours holds a reference (stored-snapshot.ts). */
export const restoreSnapshot = (kind: ActorKind, persisted: unknown): AnyMachineSnapshot => {
  const { context, ...rest } = persisted as { readonly context: unknown }
  const snapshot = kind.machine.restoreSnapshot({ ...rest, context: {} } as never, scopeOf(kind).scope) as AnyMachineSnapshot
  return Object.assign(snapshot, { context })
}

const emittedOf = (actions: ReadonlyArray<{ readonly type: string; readonly params?: unknown }>): Emitted[] =>
  actions.filter((action) => action.type === "xstate.emit").map((action) => (action.params as { event: Emitted }).event)

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** The creation of an actor from its creation command's payload. */
export const createStep = (kind: ActorKind, key: string, input: Record<string, unknown>): Step => {
  try {
    const { scope, actions } = scopeOf(kind)
    const snapshot = kind.machine.getInitialSnapshot(scope, input) as AnyMachineSnapshot
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
    const { scope, actions } = scopeOf(kind)
    after = kind.machine.transition(before, event as never, scope) as AnyMachineSnapshot
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
  return (
    refused && {
      _tag: "rejected",
      code: String(refused["code"] ?? "conflict"),
      reason: String(refused["reason"] ?? `${command} is not allowed`),
      state,
    }
  )
}
