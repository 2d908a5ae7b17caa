// Batch write round trip: what one writeBatch stores is what loadSnapshots and getActor return.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { getActor } from "../../../src/store/queries.ts"
import { loadSnapshots, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0, 123)

describe("writeBatch and loadSnapshots", () => {
  it("returns every field of every row written in one batch", async () => {
    const session = row("session", "s-1", "running", sid(T0, 1), { priority: 1 })
    const task = row("task", "t-1", "assigned", sid(T0, 2), {
      sessionId: "s-1",
      capability: "code",
      agentId: "a-1",
      priority: 0,
      version: 4,
      machineVersion: 3,
    })
    const agent = row("agent", "a-1", "online", sid(T0, 3), {
      capabilities: ["code", "review"],
      load: 0.5,
      freeCapacity: 1,
      outbox: [{ type: "command", to: "task:t-1", event: { type: "ASSIGN" } }],
    })
    const result = await writeBatch(pg.sql, { partition: 0, fence: 1, rows: [session, task, agent], transitions: [] })
    expect(result).toEqual({ _tag: "Written", actors: 3, transitions: 0 })

    const loaded = await loadSnapshots(pg.sql, [
      { kind: "task", id: "t-1" },
      { kind: "agent", id: "a-1" },
      { kind: "session", id: "s-1" },
      { kind: "task", id: "never-written" },
    ])
    expect([...loaded.keys()].sort()).toEqual(["agent:a-1", "session:s-1", "task:t-1"])
    expect(loaded.get("task:t-1")).toEqual({
      kind: "task",
      id: "t-1",
      state: "assigned",
      snapshot: task.snapshot,
      streamId: sid(T0, 2),
      fence: 1,
      version: 4,
      machineVersion: 3,
      outbox: task.outbox,
      sessionId: "s-1",
      capability: "code",
      agentId: "a-1",
      priority: 0,
      capabilities: null,
      load: null,
      freeCapacity: null,
      createdAt: T0,
      updatedAt: T0,
      stateSince: T0,
    })
    expect(loaded.get("agent:a-1")).toMatchObject({
      capabilities: ["code", "review"],
      load: 0.5,
      freeCapacity: 1,
      outbox: agent.outbox,
    })
    expect(await getActor(pg.sql, "session", "s-1")).toEqual(loaded.get("session:s-1"))
    expect(await getActor(pg.sql, "session", "t-1")).toBeUndefined()
  })

  it("replaces a stored actor with a newer batch, keeping its creation time", async () => {
    const later = T0 + 60_000
    const result = await writeBatch(pg.sql, {
      partition: 0,
      fence: 1,
      rows: [row("task", "t-1", "in_progress", sid(later), { sessionId: "s-1", version: 5, outbox: [] })],
      transitions: [move("task", "t-1", "assigned", "in_progress", sid(later))],
    })
    expect(result).toEqual({ _tag: "Written", actors: 1, transitions: 1 })
    expect(await getActor(pg.sql, "task", "t-1")).toMatchObject({
      state: "in_progress",
      snapshot: { value: "in_progress" },
      streamId: sid(later),
      version: 5,
      outbox: [],
      agentId: null,
      createdAt: T0,
      updatedAt: later,
      stateSince: later,
    })
  })

  it("keeps the time an actor entered its state while it stays there, and takes the row's time when it moved unrecorded", async () => {
    const entered = T0 + 120_000
    await writeBatch(pg.sql, {
      partition: 0,
      fence: 1,
      rows: [row("agent", "a-since", "online", sid(entered), { version: 1, outbox: [] })],
      transitions: [move("agent", "a-since", "offline", "online", sid(entered))],
    })
    // A change that stays in `online` (say a reservation below capacity): no transition into the state.
    await writeBatch(pg.sql, {
      partition: 0,
      fence: 1,
      rows: [row("agent", "a-since", "online", sid(entered + 5_000), { version: 2 })],
      transitions: [],
    })
    expect(await getActor(pg.sql, "agent", "a-since")).toMatchObject({ state: "online", stateSince: entered, updatedAt: entered + 5_000 })
    // Another state, written without its transition: the row's own time.
    await writeBatch(pg.sql, {
      partition: 0,
      fence: 1,
      rows: [row("agent", "a-since", "busy", sid(entered + 9_000), { version: 3 })],
      transitions: [],
    })
    expect(await getActor(pg.sql, "agent", "a-since")).toMatchObject({ state: "busy", stateSince: entered + 9_000 })
  })

  it("keeps the newest row when a batch holds several rows of one actor", async () => {
    await writeBatch(pg.sql, {
      partition: 0,
      fence: 1,
      rows: [
        row("task", "t-2", "ready", sid(T0, 12)),
        row("task", "t-2", "assigned", sid(T0, 13)),
        row("task", "t-2", "blocked", sid(T0, 11)),
      ],
      transitions: [],
    })
    expect(await getActor(pg.sql, "task", "t-2")).toMatchObject({ state: "assigned", streamId: sid(T0, 13) })
  })

  it("refuses a malformed stream id before touching the database", async () => {
    await expect(
      writeBatch(pg.sql, { partition: 0, fence: 1, rows: [row("task", "t-3", "ready", "12:3")], transitions: [] }),
    ).rejects.toThrow('stream id "12:3"')
    expect(await getActor(pg.sql, "task", "t-3")).toBeUndefined()
  })
})
