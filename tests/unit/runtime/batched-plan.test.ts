// A batched inbox entry (several commands of one type to one actor, see append-runs.lua) is planned as
// its commands applied in order and recorded as ONE transition: one version, one history row, one
// event whose patch goes from the view before the first command to the view after the last; each
// command's outputs are kept, with distinct command ids; a refused command is counted and skipped; a
// command that fails dead-letters the whole entry, writing nothing of it.
import { describe, expect, it } from "vitest"
import { assign, emit, setup } from "xstate"
import { ActorHost, type StoredActor } from "../../../src/runtime/actor-host.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import type { ActorKind } from "../../../src/runtime/actor-kind.ts"
import { planBatch, type Decoded, type InboxEntry } from "../../../src/runtime/plan-batch.ts"

const meterMachine = setup({
  types: {} as {
    context: { total: number }
    events: { type: "ADD"; n: number; at: number }
    input: Record<string, never>
  },
  actions: {
    add: assign({
      total: ({ context, event }) => {
        if (event.n < 0) throw new Error("a negative reading")
        return context.total + event.n
      },
    }),
    tell: emit(({ context, event }) => ({ type: "meter.added", n: event.n, total: context.total })),
    refuse: emit(({ event }) => ({ type: "command.rejected", code: "conflict", reason: `ADD ${event.n}: the meter is full` })),
  },
  guards: { fits: ({ context, event }) => context.total + event.n <= 10 },
}).createMachine({
  id: "meter",
  context: { total: 0 },
  initial: "counting",
  states: {
    counting: {
      on: {
        ADD: [
          { guard: ({ context, event }) => context.total + event.n === 10, target: "full", actions: ["add", "tell"] },
          { guard: "fits", actions: ["add", "tell"] },
          { actions: "refuse" },
        ],
      },
    },
    full: { on: { ADD: { actions: "refuse" } } },
  },
})

const meterKind: ActorKind = {
  kind: "meter",
  machine: meterMachine,
  createType: "CREATE",
  outputs: (effect, self) =>
    effect.type === "meter.added"
      ? [{ _tag: "send", to: { kind: "meter", id: `${self.id}-log` }, type: "LOG", payload: { n: effect["n"], total: effect["total"] } }]
      : [],
  topics: (id) => [`meter:${id}`],
  columns: () => ({}),
  view: (id, context, state) => ({ id, status: state, total: (context as { total: number }).total }),
}

/** Reads `batch` entries as the real decoder does: a JSON array of payloads, one command each. */
const decode = (fields: Readonly<Record<string, string>>): Decoded => {
  const [kind = "", id = ""] = (fields["actor"] ?? "").split(":")
  const payload = JSON.parse(fields["payload"] ?? "{}") as Record<string, unknown> | Array<Record<string, unknown>>
  const payloads = fields["batch"] === undefined ? [payload as Record<string, unknown>] : (payload as Array<Record<string, unknown>>)
  return { ok: true, commands: payloads.map((each) => ({ kind, id, type: fields["type"] ?? "", payload: each })) }
}

const PARTITIONS = 16
const P = partitionOf("meter", "m", PARTITIONS)
const kinds = new Map([["meter", meterKind]])
const create: InboxEntry = { id: "1000-0", fields: { type: "CREATE", actor: "meter:m", payload: "{}" } }
const adds = (id: string, ns: number[]): InboxEntry => ({
  id,
  fields: { type: "ADD", actor: "meter:m", payload: JSON.stringify(ns.map((n) => ({ n }))), batch: String(ns.length) },
})
const plan = (entries: InboxEntry[]) =>
  planBatch({
    partition: P,
    partitions: PARTITIONS,
    entries,
    decode,
    kinds,
    host: new ActorHost({ maxActors: 10 }),
    stored: new Map<string, StoredActor>(),
  })

describe("a batched entry", () => {
  it("applies its commands in order as one transition, keeping every command's outputs", () => {
    const result = plan([create, adds("1005-0", [2, 3, 4])])
    expect(result.counts).toEqual({ applied: 4, rejected: 0, redelivered: 0 })
    expect(result.transitions.map((t) => [t.from, t.to, t.event, t.version])).toEqual([
      [null, "counting", "CREATE", 1],
      ["counting", "counting", "ADD", 2],
    ])
    expect(result.transitions[1]?.patch).toMatchObject({ total: 9, version: 2, stream_id: "1005-0" })
    expect(result.rows[0]).toMatchObject({ state: "counting", version: 2, streamId: "1005-0" })
    const sends = result.outbox.filter((item) => item._tag === "send")
    // each output built from the context its own command left
    expect(sends.map((item) => [item.payload, item.cmdId])).toEqual([
      [{ n: 2, total: 2 }, `${P}/1005-0/0`],
      [{ n: 3, total: 5 }, `${P}/1005-0/1`],
      [{ n: 4, total: 9 }, `${P}/1005-0/2`],
    ])
    expect(result.outbox.filter((item) => item._tag === "event")).toHaveLength(2)
  })

  it("records the state before the first command and after the last; a refused command is counted and skipped", () => {
    const result = plan([create, adds("1005-0", [6, 9, 4, 1])])
    expect(result.counts).toEqual({ applied: 3, rejected: 2, redelivered: 0 })
    expect(result.transitions.at(-1)).toMatchObject({ from: "counting", to: "full", version: 2, patch: { status: "full", total: 10 } })
    expect(result.outbox.filter((item) => item._tag === "send")).toHaveLength(2)
  })

  it("whose commands are all refused records no transition and keeps the version", () => {
    const result = plan([create, adds("1005-0", [20, 30])])
    expect(result.counts).toEqual({ applied: 1, rejected: 2, redelivered: 0 })
    expect(result.transitions).toHaveLength(1)
    expect(result.rows[0]).toMatchObject({ version: 1, streamId: "1005-0" })
  })

  it("is dead-lettered whole when one of its commands fails, and nothing of it is applied", () => {
    const result = plan([create, adds("1005-0", [2, -1, 3])])
    expect(result.deadLetters.map((dead) => [dead.entry.id, dead.reason])).toEqual([
      ["1005-0", "ADD made meter:m fail: a negative reading"],
    ])
    expect(result.rows[0]).toMatchObject({ version: 1, streamId: "1000-0" })
    expect(result.outbox.filter((item) => item._tag === "send")).toEqual([])
    expect(result.ackIds).toEqual(["1000-0"])
  })
})
