// Which stored machine versions a kind's migrations bring up to its current one (what typed lists ask
// SQL for), restoreStored's verdicts on each side of that range, on a context that does not decode as
// the kind's, and the state it restores (a migration may rename the stored one).
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { createMachine } from "xstate"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { fittingVersions, restoreStored } from "../../../src/runtime/snapshot-version.ts"

const machine = createMachine({ id: "lamp", initial: "off", context: { on: 0 }, states: { off: {}, on: {} } })
const same = (snapshot: PersistedSnapshot): PersistedSnapshot => snapshot
const kind = (extra: Pick<ActorKind, "version" | "migrations" | "context">): ActorKind => ({
  kind: "lamp",
  machine,
  createType: "CREATE",
  outputs: () => [],
  topics: () => [],
  columns: () => ({}),
  view: (id) => ({ id }),
  ...extra,
})
const stored = (machineVersion: number) => ({
  snapshot: { status: "active", value: "off", context: { on: 0 }, children: {} },
  machineVersion,
})

describe("snapshot versions", () => {
  it("fit from the oldest version with an unbroken chain of migrations up to the current one", () => {
    expect(fittingVersions(kind({}))).toEqual({ from: 1, to: 1 })
    expect(fittingVersions(kind({ version: 3 }))).toEqual({ from: 3, to: 3 })
    expect(fittingVersions(kind({ version: 3, migrations: { 2: same } }))).toEqual({ from: 2, to: 3 })
    expect(fittingVersions(kind({ version: 3, migrations: { 1: same } }))).toEqual({ from: 3, to: 3 })
    expect(fittingVersions(kind({ version: 3, migrations: { 1: same, 2: same } }))).toEqual({ from: 1, to: 3 })
  })

  it("restore a snapshot inside the range and quarantine one outside it, with the reason", () => {
    const lamp = kind({ version: 3, migrations: { 2: same } })
    expect(restoreStored(lamp, "lamp:a", stored(2)).ok).toBe(true)
    expect(restoreStored(lamp, "lamp:a", stored(3)).ok).toBe(true)
    expect(restoreStored(lamp, "lamp:a", stored(1))).toEqual({
      ok: false,
      quarantined:
        "quarantined: lamp:a: its snapshot is of version 1 of the lamp machine, now at 3, and no migration from 1 is registered; " +
        "register one (the kind's migrations), then replay these dead letters",
    })
    expect(restoreStored(lamp, "lamp:a", stored(4))).toMatchObject({ ok: false, quarantined: expect.stringContaining("newer than") })
  })

  it("quarantine a snapshot of a fitting version whose context does not decode as the kind's, naming the field", () => {
    const lamp = kind({ context: Schema.Struct({ on: Schema.Number }) })
    expect(restoreStored(lamp, "lamp:a", stored(1))).toMatchObject({ ok: true, state: "off" })
    const broken = { snapshot: { status: "active", value: "off", context: { on: "twice" }, children: {} }, machineVersion: 1 }
    expect(restoreStored(lamp, "lamp:a", broken)).toEqual({
      ok: false,
      quarantined:
        "quarantined: lamp:a: its snapshot (lamp machine version 1) does not fit the machine: its context does not decode: on: expected a number; " +
        "raise the kind's version and register a migration, then replay these dead letters",
    })
  })

  it("restore the state a migration renamed, not the stored one", () => {
    const lit = (snapshot: PersistedSnapshot): PersistedSnapshot => ({ ...snapshot, value: "on" })
    expect(restoreStored(kind({ version: 2, migrations: { 1: lit } }), "lamp:a", stored(1))).toMatchObject({
      ok: true,
      state: "on",
      persisted: { value: "on" },
    })
  })
})
