// Snapshot versioning on real Redis and Postgres, a machine changed between runs: each stored
// snapshot records its machine's version; after a change that renames a state, an actor stored by
// the old machine is quarantined (its command dead-lettered with a reason saying what to do, its row
// untouched) while the partition goes on; once a migration is registered, replaying the dead letter
// migrates and applies it; a runtime older than the snapshot quarantines it too.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { assign, setup, type AnyStateMachine } from "xstate"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import type { Decoded } from "../../../src/runtime/plan-batch.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

type DoorEvent = { type: "OPEN"; at: number } | { type: "SHUT"; at: number }

/** Version 1: a door is `open` or `shut`. */
const doorV1 = setup({ types: {} as { context: { moves: number }; events: DoorEvent } }).createMachine({
  id: "door",
  initial: "shut",
  context: { moves: 0 },
  states: {
    shut: { on: { OPEN: { target: "open", actions: assign({ moves: ({ context }) => context.moves + 1 }) } } },
    open: { on: { SHUT: { target: "shut", actions: assign({ moves: ({ context }) => context.moves + 1 }) } } },
  },
})

/** Version 2: `shut` is now `closed`; snapshots of version 1 name a state it no longer has. */
const doorV2 = setup({ types: {} as { context: { moves: number }; events: DoorEvent } }).createMachine({
  id: "door",
  initial: "closed",
  context: { moves: 0 },
  states: {
    closed: { on: { OPEN: { target: "open", actions: assign({ moves: ({ context }) => context.moves + 1 }) } } },
    open: { on: { SHUT: { target: "closed", actions: assign({ moves: ({ context }) => context.moves + 1 }) } } },
  },
})

const door = (machine: AnyStateMachine, extra: Pick<ActorKind, "version" | "migrations">): ActorKind => ({
  kind: "door",
  machine,
  createType: "CREATE",
  outputs: () => [],
  topics: (id) => [`door:${id}`],
  columns: () => ({}),
  view: (id, context) => ({ id, moves: (context as { moves: number }).moves }),
  ...extra,
})
const renamed = (snapshot: PersistedSnapshot): PersistedSnapshot => ({
  ...snapshot,
  value: snapshot.value === "shut" ? "closed" : snapshot.value,
})
const V1 = door(doorV1, {})
const V2_UNMIGRATED = door(doorV2, { version: 2 })
const V2 = door(doorV2, { version: 2, migrations: { 1: renamed } })

const decode = (fields: Readonly<Record<string, string>>): Decoded => {
  const [kind = "", id = ""] = (fields["actor"] ?? "").split(":")
  return { ok: true, commands: [{ kind, id, type: fields["type"] ?? "", payload: JSON.parse(fields["payload"] ?? "{}") }] }
}

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
})
afterAll(() => deployment.close())

/** One run of a runtime with `kind`: it holds the partition until the next run. */
let run = 0
const runWith = async (kind: ActorKind) => {
  await deployment.stopAll()
  const p = deployment.keys.partition(0)
  const owner = `run-${(run += 1)}`
  const lease = await deployment.scripts.acquireLease(p, owner, 600_000)
  if (!lease.ok) throw new Error("the partition is leased already")
  await deployment.startWorker(0, lease.value, { consumer: owner, kinds: [kind], decode })
  return { release: () => deployment.scripts.releaseLease(p, owner, lease.value) }
}

const send = (id: string, type: string) =>
  deployment.redis.xadd(deployment.keys.partition(0).inbox, "*", "type", type, "actor", `door:${id}`, "payload", "{}") as Promise<string>

const deadLetter = (source: string) =>
  waitFor(`the dead letter of ${source}`, async () => {
    for (const [id, flat] of await deployment.redis.xrange(deployment.keys.partition(0).dead, "-", "+")) {
      const fields = Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]]] : [])))
      if (fields["source"] === source) return { id, reason: String(fields["reason"]) }
    }
    return undefined
  })

describe("snapshot versions", () => {
  it("quarantines an actor its changed machine cannot restore, and migrates it once a migration is registered", async () => {
    const [front, back] = [randomUUID(), randomUUID()]
    const first = await runWith(V1)
    await send(front, "CREATE")
    await send(back, "CREATE")
    const stored = await deployment.actor("door", front, (row) => row.state === "shut")
    expect(stored.machineVersion).toBe(1)
    await first.release()

    // The machine changes (shut → closed) without a migration: the old snapshot does not fit.
    const second = await runWith(V2_UNMIGRATED)
    const refused = await send(front, "OPEN")
    const fresh = randomUUID()
    await send(fresh, "CREATE")
    const created = await deployment.actor("door", fresh)
    expect({ state: created.state, machineVersion: created.machineVersion }).toEqual({ state: "closed", machineVersion: 2 })
    const letter = await deadLetter(refused)
    expect(letter.reason).toBe(
      `quarantined: door:${front}: its snapshot is of version 1 of the door machine, now at 2, and no migration from 1 is registered; ` +
        "register one (the kind's migrations), then replay these dead letters",
    )
    const untouched = await deployment.actor("door", front)
    expect({ state: untouched.state, version: untouched.version, machineVersion: untouched.machineVersion }).toEqual({
      state: "shut",
      version: stored.version,
      machineVersion: 1,
    })
    await second.release()

    // With the migration registered, the dead letter replayed applies to the migrated snapshot.
    const third = await runWith(V2)
    const replayed = await deployment.scripts.replayDeadLetter(deployment.keys.partition(0), letter.id)
    expect(replayed.ok).toBe(true)
    const opened = await deployment.actor("door", front, (row) => row.state === "open")
    expect({ machineVersion: opened.machineVersion, moves: (opened.snapshot as { context: { moves: number } }).context.moves }).toEqual({
      machineVersion: 2,
      moves: 1,
    })
    await send(back, "OPEN")
    await send(back, "SHUT")
    const migrated = await deployment.actor("door", back, (row) => row.version === 3)
    expect({ state: migrated.state, machineVersion: migrated.machineVersion }).toEqual({ state: "closed", machineVersion: 2 })
    await third.release()

    // A runtime with the old machine (a rollback) quarantines what the newer one wrote.
    await runWith(V1)
    const old = await send(back, "OPEN")
    expect((await deadLetter(old)).reason).toBe(
      `quarantined: door:${back}: its snapshot was written by version 2 of the door machine, newer than this runtime's 1; ` +
        "run the newer runtime, then replay these dead letters",
    )
    expect((await deployment.actor("door", back)).version).toBe(3)
  })
})
