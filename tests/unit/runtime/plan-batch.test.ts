// Batch planning (restore → send → collect) against a toy machine: creation, refusals,
// redelivery, dead letters, the order and ids of outbox items, and erasure.
import { describe, expect, it } from "vitest"
import { assign, emit, setup } from "xstate"
import { ActorHost, type StoredActor } from "../../../src/runtime/actor-host.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import type { ActorKind } from "../../../src/runtime/actor-kind.ts"
import { eventItem, planBatch, type Decoded, type InboxEntry } from "../../../src/runtime/plan-batch.ts"

const lampMachine = setup({
  types: {} as {
    context: { watts: number; litAt: number | null }
    events:
      | { type: "ON"; at: number }
      | { type: "OFF"; at: number }
      | { type: "BREAK"; at: number }
      | { type: "SCRAP"; at: number }
      | { type: "PURGE"; at: number }
    input: { watts: number }
  },
  actions: {
    light: assign({ litAt: ({ event }) => event.at }),
    armTimer: emit(({ event }) => ({ type: "timer.arm", name: "auto_off", fireAt: event.at + 1000, event: { type: "OFF" } })),
    tellNeighbour: emit({ type: "lamp.lit" }),
    reject: emit(({ event }) => ({
      type: "command.rejected",
      command: event.type,
      state: "off",
      code: "conflict",
      reason: `${event.type} refused`,
    })),
    explode: assign(() => {
      throw new Error("filament burst")
    }),
    erase: emit({ type: "actor.erase" }),
    purge: emit({ type: "actor.purge" }),
  },
}).createMachine({
  id: "lamp",
  context: ({ input }) => ({ watts: input.watts, litAt: null }),
  initial: "off",
  on: { SCRAP: { actions: ["tellNeighbour", "erase"] }, PURGE: { actions: "purge" }, "*": { actions: "reject" } },
  states: {
    off: { on: { ON: { target: "on", actions: ["light", "armTimer", "tellNeighbour"] }, BREAK: { actions: "explode" } } },
    on: { on: { OFF: { target: "off" } } },
  },
})

const lampKind: ActorKind = {
  kind: "lamp",
  machine: lampMachine,
  createType: "CREATE",
  outputs: (effect, self) =>
    effect.type === "lamp.lit" ? [{ _tag: "send", to: { kind: "lamp", id: `${self.id}-next` }, type: "ON", payload: {} }] : [],
  topics: (id) => ["lamps", `lamp:${id}`],
  columns: () => ({}),
  view: (id, context, state) => ({ id, status: state, watts: (context as { watts: number }).watts }),
  whenMissing: (command) =>
    command.type === "SCREW_IN" ? [{ _tag: "send", to: { kind: "lamp", id: `${command.id}-socket` }, type: "EMPTY", payload: {} }] : [],
}

const kinds = new Map([["lamp", lampKind]])

const decode = (fields: Readonly<Record<string, string>>): Decoded => {
  const [kind, id] = (fields["actor"] ?? "").split(":")
  if (!fields["type"] || !kind || !id) return { ok: false, reason: "type: is missing" }
  return {
    ok: true,
    commands: [{ kind, id, type: fields["type"], payload: JSON.parse(fields["payload"] ?? "{}"), replyTo: fields["replyTo"] }],
  }
}

const entry = (id: string, type: string, payload: object = {}, replyTo?: string): InboxEntry => ({
  id,
  fields: { type, actor: "lamp:a", payload: JSON.stringify(payload), ...(replyTo ? { replyTo } : {}) },
})

const PARTITIONS = 16
/** The partition whose inbox holds lamp a's commands. */
const P = partitionOf("lamp", "a", PARTITIONS)

const plan = (entries: InboxEntry[], host = new ActorHost({ maxActors: 100 }), stored = new Map<string, StoredActor>()) =>
  planBatch({ partition: P, partitions: PARTITIONS, entries, decode, kinds, host, stored })

describe("planBatch", () => {
  it("creates an actor, applies its commands in order and plans one row with every effect", () => {
    const result = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1005-0", "ON")])
    expect(result.counts).toEqual({ applied: 2, rejected: 0, redelivered: 0 })
    expect(result.rows).toHaveLength(1)
    expect(result.rows[0]).toMatchObject({ kind: "lamp", id: "a", state: "on", streamId: "1005-0", version: 2 })
    expect(result.transitions.map((t) => [t.from, t.to, t.event, t.at])).toEqual([
      [null, "off", "CREATE", 1000],
      ["off", "on", "ON", 1005],
    ])
    expect(result.outbox.map((item) => item._tag)).toEqual(["event", "event", "timer_arm", "send"])
    expect(result.outbox[1]).toMatchObject({ id: `1005-0:${P}`, topics: ["lamps", "lamp:a", "machines"], from: "off", to: "on" })
    expect(result.outbox[2]).toMatchObject({ name: "auto_off", fireAt: 2005, ref: { kind: "lamp", id: "a" } })
    expect(result.outbox[3]).toMatchObject({ to: { kind: "lamp", id: "a-next" }, type: "ON", cmdId: `${P}/1005-0/1` })
    expect(result.ackIds).toEqual(["1000-0", "1005-0"])
  })

  it("answers not_found for a command to an actor that does not exist, and writes nothing", () => {
    const result = plan([entry("1000-0", "ON", {}, "edge-1/7")])
    expect(result.rows).toEqual([])
    expect(result.outbox).toEqual([
      expect.objectContaining({
        _tag: "reply",
        replyTo: "edge-1/7",
        outcome: "rejected",
        code: "not_found",
        reason: "lamp a does not exist",
      }),
    ])
  })

  it("refuses a second creation with conflict", () => {
    const result = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1001-0", "CREATE", { watts: 60 }, "r")])
    expect(result.outbox.at(-1)).toMatchObject({ _tag: "reply", code: "conflict", reason: "lamp a already exists" })
    expect(result.rows[0]?.streamId).toBe("1001-0")
  })

  it("keeps a machine's refusal visible: a rejected reply, no transition, the stream id still advances", () => {
    const result = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1001-0", "OFF", {}, "r")])
    expect(result.transitions).toHaveLength(1)
    expect(result.outbox.at(-1)).toMatchObject({ outcome: "rejected", code: "conflict", reason: "OFF refused", state: "off" })
    expect(result.rows[0]).toMatchObject({ streamId: "1001-0", version: 1 })
  })

  it("turns a redelivered entry into a no-op that carries out its outbox again (events from the history)", () => {
    const first = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1005-0", "ON")])
    const row = first.rows[0]!
    // The stored outbox leaves the events out; the worker rebuilds them from the transitions rows.
    expect(row.outbox.map((item) => item._tag)).toEqual(["timer_arm", "send"])
    const events = first.transitions.map((t) => eventItem(lampKind, "a", (row.snapshot as { context: unknown }).context, P, t))
    expect(events).toEqual(first.outbox.filter((item) => item._tag === "event"))
    const stored = new Map([
      [
        "lamp:a",
        { snapshot: row.snapshot, streamId: row.streamId, version: row.version, machineVersion: 1, outbox: [...events, ...row.outbox] },
      ],
    ])
    const again = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1005-0", "ON")], new ActorHost({ maxActors: 10 }), stored)
    expect(again.counts).toEqual({ applied: 0, rejected: 0, redelivered: 2 })
    // Named as replayed, so carrying out takes no new task for a release among them.
    expect([...(again.replayed ?? [])]).toEqual(["1000-0", "1005-0"])
    expect([...(first.replayed ?? [])]).toEqual([])
    expect(again.rows).toEqual([])
    expect(again.transitions).toEqual([])
    expect(again.outbox).toEqual(first.outbox.filter((item) => item.entryId === "1000-0" || item.entryId === "1005-0"))
    expect(again.ackIds).toEqual(["1000-0", "1005-0"])
  })

  it("dead-letters entries it cannot decode or whose machine throws, and the actor stays as it was", () => {
    const result = plan([
      { id: "999-0", fields: { actor: "lamp:a" } },
      entry("1000-0", "CREATE", { watts: 40 }),
      entry("1001-0", "BREAK"),
      entry("1002-0", "ON"),
    ])
    expect(result.deadLetters.map((d) => [d.entry.id, d.reason])).toEqual([
      ["999-0", "type: is missing"],
      ["1001-0", "BREAK made lamp:a fail: filament burst"],
    ])
    expect(result.rows[0]).toMatchObject({ state: "on", streamId: "1002-0" })
    expect(result.ackIds).toEqual(["1000-0", "1002-0"])
  })

  it("dead-letters an entry written to another partition's inbox instead of applying it", () => {
    const result = planBatch({
      partition: (P + 1) % PARTITIONS,
      partitions: PARTITIONS,
      entries: [entry("1000-0", "CREATE", { watts: 40 })],
      decode,
      kinds,
      host: new ActorHost({ maxActors: 10 }),
      stored: new Map(),
    })
    expect(result.deadLetters.map((d) => d.reason)).toEqual([`actor: lamp:a belongs to partition ${P}, not ${(P + 1) % PARTITIONS}`])
    expect(result.rows).toEqual([])
    expect(result.ackIds).toEqual([])
  })

  it("records each transition as a version and the merge patch of the actor's view", () => {
    const result = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1005-0", "ON"), entry("1006-0", "OFF")])
    expect(result.transitions.map((t) => [t.version, t.patch])).toEqual([
      [
        1,
        {
          id: "a",
          status: "off",
          watts: 40,
          created_at: "1970-01-01T00:00:01.000Z",
          updated_at: "1970-01-01T00:00:01.000Z",
          stream_id: "1000-0",
          version: 1,
        },
      ],
      [2, { status: "on", updated_at: "1970-01-01T00:00:01.005Z", stream_id: "1005-0", version: 2 }],
      [3, { status: "off", updated_at: "1970-01-01T00:00:01.006Z", stream_id: "1006-0", version: 3 }],
    ])
    expect(result.outbox.filter((item) => item._tag === "event").map((item) => item.version)).toEqual([1, 2, 3])
  })

  it("plans on a working copy: the host changes only when the batch is committed", () => {
    const host = new ActorHost({ maxActors: 10 })
    const first = plan([entry("1000-0", "CREATE", { watts: 40 })], host)
    expect(host.get("lamp:a")).toBeUndefined()
    host.commit(first.working, 0)
    const second = plan([entry("1005-0", "ON")], host)
    expect(second.rows[0]).toMatchObject({ state: "on", version: 2 })
    expect(host.get("lamp:a")).toMatchObject({ state: "off", version: 1 })
  })
})

describe("planBatch with finished actors", () => {
  it("refuses visibly a command to an actor in a final state (XState would drop it)", () => {
    const doneMachine = setup({ types: {} as { events: { type: "POKE"; at: number } } }).createMachine({
      id: "done",
      initial: "over",
      states: { over: { type: "final" } },
    })
    const doneKind: ActorKind = { ...lampKind, kind: "done", machine: doneMachine }
    const result = planBatch({
      partition: 0,
      entries: [
        { id: "1-0", fields: { type: "CREATE", actor: "done:x", payload: "{}" } },
        { id: "2-0", fields: { type: "POKE", actor: "done:x", payload: "{}", replyTo: "r" } },
      ],
      partitions: 1,
      decode,
      kinds: new Map([["done", doneKind]]),
      host: new ActorHost({ maxActors: 10 }),
      stored: new Map(),
    })
    expect(result.outbox.at(-1)).toMatchObject({
      outcome: "rejected",
      code: "conflict",
      reason: "POKE is not allowed: done:x is over, a final state",
    })
  })
})

describe("planBatch erasing actors", () => {
  it("plans an erasure after the effects: PURGE is appended once the rest of the outbox is carried out", () => {
    const result = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1001-0", "SCRAP")])
    expect(result.outbox.map((item) => item._tag)).toEqual(["event", "send", "erase"])
    expect(result.outbox[2]).toMatchObject({ ref: { kind: "lamp", id: "a" }, cmdId: `${P}/1001-0/erase` })
    expect(result.rows[0]).toMatchObject({
      streamId: "1001-0",
      outbox: [expect.objectContaining({ _tag: "send" }), expect.objectContaining({ _tag: "erase" })],
    })
    expect(result.purges).toEqual([])
  })

  it("purges: no row and no transition of the actor, its deletion planned, and a later command finds no actor", () => {
    const result = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1001-0", "PURGE", {}, "r1"), entry("1002-0", "ON", {}, "r2")])
    expect(result.rows).toEqual([])
    expect(result.transitions).toEqual([])
    expect(result.purges).toEqual([{ kind: "lamp", id: "a" }])
    expect(result.outbox.filter((item) => item._tag === "reply")).toEqual([
      expect.objectContaining({ replyTo: "r1", outcome: "applied" }),
      expect.objectContaining({ replyTo: "r2", outcome: "rejected", code: "not_found" }),
    ])
    expect(result.working.get("lamp:a")?.purged).toBe(true)
    const host = new ActorHost({ maxActors: 100 })
    host.commit(result.working, 0)
    expect(host.get("lamp:a")).toBeUndefined()
  })

  it("tells the sender of a command to a missing actor what its kind says (whenMissing)", () => {
    const result = plan([entry("1000-0", "SCREW_IN")])
    expect(result.outbox).toEqual([
      expect.objectContaining({ _tag: "send", to: { kind: "lamp", id: "a-socket" }, type: "EMPTY", cmdId: `${P}/1000-0/0` }),
    ])
  })
})

describe("planBatch on top of a batch still in flight", () => {
  /** Plans `entries` while `before` (planned from its own entries) is still being committed and carried out. */
  const onTopOf = (before: ReturnType<typeof plan>, entries: InboxEntry[]) =>
    planBatch({
      partition: P,
      partitions: PARTITIONS,
      entries,
      decode,
      kinds,
      host: new ActorHost({ maxActors: 100 }),
      pending: before.working,
      pendingEntryIds: new Set(before.ackIds),
      stored: new Map(),
    })

  it("keeps in an actor's row what the batch before caused, until a batch planned after it is done", () => {
    // batch 1: lamp a is created and lit (a timer and a send); batch 2 (planned while batch 1 commits)
    // switches it off: its row replaces batch 1's, so it keeps batch 1's items, which a crash before their
    // carrying out would redeliver; batch 3, planned once batch 1 is done, no longer keeps them.
    const first = plan([entry("1000-0", "CREATE", { watts: 40 }), entry("1005-0", "ON")])
    const second = onTopOf(first, [entry("1010-0", "OFF")])
    expect(second.rows[0]!.outbox.map((item) => [item._tag, item.entryId])).toEqual([
      ["timer_arm", "1005-0"],
      ["send", "1005-0"],
    ])
    // what the batch itself carries out: only its own items
    expect(second.outbox.every((item) => item.entryId === "1010-0")).toBe(true)
    const third = onTopOf(second, [entry("1020-0", "ON")])
    expect(third.rows[0]!.outbox.map((item) => item.entryId)).toEqual(["1020-0", "1020-0"])
  })
})
