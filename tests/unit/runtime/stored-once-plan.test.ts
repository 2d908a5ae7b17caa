// The members a kind stores once (ActorKind.storedOnce) in the planner's rows: a batch that creates an actor sends
// them apart from its snapshot (which leaves them out), a batch on an actor the host holds (its row written by a
// commit of this process) sends none, and a batch on an actor restored from its row sends them again (the row may
// be one written before they were split off, or edited); so do a session task's session and index columns. What the store puts back (withStoredOnce) restores the
// actor exactly as its snapshot stored whole does.
import { describe, expect, it } from "vitest"
import { taskKind } from "../../../actors/task.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import { ActorHost, type StoredActor } from "../../../src/runtime/actor-host.ts"
import type { PlannedRow } from "../../../src/runtime/plan-batch.ts"
import { restoreStored } from "../../../src/runtime/snapshot-version.ts"
import { compactSnapshot } from "../../../src/runtime/stored-snapshot.ts"
import type { PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { withStoredOnce } from "../../../src/store/actor-row.ts"
import { taskPlanner } from "../../support/actor-planner.ts"
import { AGENT, taskInput } from "../machines/task/harness.ts"

const PARTITIONS = 16
const ID = "task-1"
const _P = partitionOf("task", ID, PARTITIONS)
const { at: _at, ...creation } = taskInput({ payload: { prompt: "x".repeat(2_000) }, sessionId: "s-1", index: 3, key: "parse" })

const { entry, plan } = taskPlanner(ID, PARTITIONS)

/** JSON as Postgres gives it back. */
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
const context = (row: PlannedRow) => (row.snapshot as { context: Record<string, unknown> }).context
/** The row as the store reads it back (its stored_once column put back, or the snapshot stored whole when `once` is null). */
const readBack = (row: PlannedRow, once: Readonly<Record<string, unknown>> | null): StoredActor => ({
  snapshot: withStoredOnce(json(row.snapshot), json(once)),
  streamId: row.streamId,
  version: row.version,
  machineVersion: row.machineVersion,
  outbox: [],
})

describe("the planner's rows and the members stored once", () => {
  const host = new ActorHost({ maxActors: 10 })
  const created = plan([entry("1000-0", "CREATE", creation)], host)
  host.commit(created.working, 1)
  const assigned = plan([entry("1001-0", "ASSIGN", { agentId: AGENT })], host)
  host.commit(assigned.working, 2)
  const once = created.rows[0]!.storedOnce!

  it("sends them with the row of the batch that creates the actor, and leaves them out of its snapshot", () => {
    expect(once).toMatchObject({ title: creation.title, capability: "code", payload: creation.payload, sessionId: "s-1", index: 3 })
    // those at their stored default (no group, no dependants, no approval) are left out of both
    expect(Object.keys(once).sort()).toEqual([
      "capability",
      "createdAt",
      "index",
      "key",
      "maxAttempts",
      "payload",
      "priority",
      "sessionId",
      "timeoutS",
      "title",
    ])
    for (const name of taskKind.storedOnce!) expect(context(created.rows[0]!)).not.toHaveProperty(name)
    // the prompt went once, in the column, not in the snapshot
    expect(JSON.stringify(created.rows[0]!.snapshot)).not.toContain("xxxx")
  })

  it("sends none for an actor the host holds, whose row a commit of this process wrote", () => {
    expect(assigned.rows).toHaveLength(1)
    expect(assigned.rows[0]!.storedOnce).toBeUndefined()
    expect(JSON.stringify(assigned.rows[0]!.snapshot)).not.toContain("xxxx")
    expect(context(assigned.rows[0]!)).toMatchObject({ agentId: AGENT })
  })

  it("sends a session task's session and index columns only with them, and its transitions without its session", () => {
    // the store keeps the columns a write does not send, and a history row takes its actor row's session
    // (tests/integration/store/session-columns.test.ts)
    expect(created.rows[0]!.columns).toMatchObject({ sessionId: "s-1", index: 3, capability: "code" })
    expect(assigned.rows[0]!.columns).not.toHaveProperty("sessionId")
    expect(assigned.rows[0]!.columns).not.toHaveProperty("index")
    expect(assigned.rows[0]!.columns).toMatchObject({ agentId: AGENT, capability: "code" })
    for (const transition of [...created.transitions, ...assigned.transitions]) expect(transition).not.toHaveProperty("sessionId")
    const restored = plan(
      [entry("1002-0", "START", { agentId: AGENT })],
      new ActorHost({ maxActors: 10 }),
      new Map([[`task:${ID}`, readBack(assigned.rows[0]!, once)]]),
    )
    expect(restored.rows[0]!.columns).toMatchObject({ sessionId: "s-1", index: 3 })
  })

  it("sends them again for an actor restored from its row, whichever layout the row has", () => {
    const key = `task:${ID}`
    const split = readBack(assigned.rows[0]!, once)
    // A row written before migration 013: the whole snapshot, no column.
    const whole = restoreStored(taskKind, key, split)
    if (!whole.ok) throw new Error(whole.quarantined)
    const old = { ...split, snapshot: json(compactSnapshot(taskKind, ID, whole.persisted as PersistedSnapshot)) }
    for (const stored of [split, old]) {
      const started = plan([entry("1002-0", "START", { agentId: AGENT })], new ActorHost({ maxActors: 10 }), new Map([[key, stored]]))
      expect(started.rows[0]!.storedOnce).toEqual(once)
      expect(context(started.rows[0]!)).toMatchObject({ status: "in_progress", attempt: 1 })
    }
  })

  it("restores from the split row exactly what the row stored whole restores, and what the host held", () => {
    const key = `task:${ID}`
    const split = restoreStored(taskKind, key, readBack(assigned.rows[0]!, once))
    const snapshot = json(assigned.rows[0]!.snapshot) as Record<string, unknown>
    const wholeRow = {
      ...readBack(assigned.rows[0]!, null),
      snapshot: { ...snapshot, context: { ...json(once), ...context(assigned.rows[0]!) } },
    }
    const whole = restoreStored(taskKind, key, wholeRow)
    if (!split.ok || !whole.ok) throw new Error("quarantined")
    expect(split.persisted).toEqual(whole.persisted)
    expect(split.snapshot.context).toEqual(host.get(key)!.snapshot.context)
    expect(taskKind.view(ID, split.snapshot.context, split.state)).toEqual(host.get(key)!.view)
  })
})
