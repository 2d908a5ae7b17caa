// Which stored machine versions a kind's migrations bring up to its current one (what
// `GET /actors?quarantined=1` leaves out), and restoreStored's verdicts on each side of that range.
import { describe, expect, it } from "vitest"
import { createMachine } from "xstate"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { fittingVersions, restoreStored } from "../../../src/runtime/snapshot-version.ts"

const machine = createMachine({ id: "lamp", initial: "off", context: { on: 0 }, states: { off: {}, on: {} } })
const same = (snapshot: PersistedSnapshot): PersistedSnapshot => snapshot
const kind = (extra: Pick<ActorKind, "version" | "migrations">): ActorKind => ({
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
})
