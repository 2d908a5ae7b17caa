// Each kind's stored-context Schema (actors/stored-contexts.ts) against its machine: an actor the
// machine creates, stored in its compact form and read back (from JSON, or as held in memory), is
// restored (its context decodes); the same
// row with one member of the wrong type is quarantined with that member named.
import { describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import type { ActorKind } from "../../../src/runtime/actor-kind.ts"
import { createStep } from "../../../src/runtime/advance.ts"
import { restoreStored } from "../../../src/runtime/snapshot-version.ts"
import { storedSnapshot } from "../../../src/runtime/stored-snapshot.ts"

const ID = "6f1c0c52-1b7e-4d0a-9f3e-0a1b2c3d4e5f"
const at = Date.UTC(2026, 10, 30)
/** A creation input per kind, and a member to spoil with a value of the wrong type. */
const CASES: Record<string, { input: Record<string, unknown>; spoil: [string, unknown] }> = {
  task: {
    input: { id: ID, title: "Lint", capability: "lint", payload: { repo: "x" }, dependsOn: [], blocked: false, at },
    spoil: ["attempt", "1"],
  },
  session: {
    input: { id: ID, title: "Feature", tasks: [{ id: "a", key: "a", title: "A", capability: "lint", dependsOn: [], spec: {} }], at },
    spoil: ["checkpoints", {}],
  },
  agent: { input: { id: ID, name: "bot", capabilities: ["lint"], at }, spoil: ["breaker", "ajar"] },
  context: { input: { id: ID, scope: "global", data: { a: 1 }, at }, spoil: ["data", [1]] },
}

/** The kind's actor as its machine creates it, in its stored form (as held in memory). */
const created = (kind: ActorKind): Record<string, unknown> => {
  const step = createStep(kind, `${kind.kind}:${ID}`, CASES[kind.kind]!.input)
  if (step._tag !== "applied") throw new Error(`${kind.kind} not created: ${JSON.stringify(step)}`)
  return storedSnapshot(kind, ID, step.snapshot)
}

describe("stored contexts", () => {
  for (const kind of KINDS) {
    it(`decodes the ${kind.kind} its machine created, and quarantines one with a member of the wrong type`, () => {
      const held = created(kind)
      expect(restoreStored(kind, `${kind.kind}:${ID}`, { snapshot: held, machineVersion: 1 })).toMatchObject({ ok: true })
      // As its row holds it: JSON (members that are undefined in memory are gone).
      const snapshot = JSON.parse(JSON.stringify(held)) as Record<string, unknown>
      expect(restoreStored(kind, `${kind.kind}:${ID}`, { snapshot, machineVersion: 1 })).toMatchObject({ ok: true })
      const [member, value] = CASES[kind.kind]!.spoil
      const spoiled = { ...snapshot, context: { ...(snapshot["context"] as object), [member]: value } }
      const verdict = restoreStored(kind, `${kind.kind}:${ID}`, { snapshot: spoiled, machineVersion: 1 })
      expect(verdict).toMatchObject({ ok: false, quarantined: expect.stringContaining(`its context does not decode: ${member}: `) })
    })
  }
})
