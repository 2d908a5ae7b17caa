// Holds a kind's `storedOnce` declaration to its machine: the machines' path tests (tests/unit/machines/*/paths.test.ts,
// which take every transition of the definition) call it at every step, so an `assign` that changes a member a
// kind stores once fails them (its row would keep the value written at the actor's creation).
import { expect } from "vitest"
import type { ActorKind } from "../../../src/runtime/actor-kind.ts"

/** Every member `kind` stores once has the same value after a step (`what`) as before it. */
export const expectStoredOnceKept = (kind: ActorKind, before: unknown, after: unknown, what: string): void => {
  const [was, is] = [before as Record<string, unknown>, after as Record<string, unknown>]
  for (const name of kind.storedOnce ?? []) expect(is[name], `${kind.kind}.${name} (stored once) changed by ${what}`).toEqual(was[name])
}
