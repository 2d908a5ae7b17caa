// A session task's reports (TASK_STATUS to its session) in its stored outbox leave out whom they go to, its row's
// session: a redelivery of the entries to the task restored from its row carries out exactly what the batch did,
// reports and command ids included.
import { describe, expect, it } from "vitest"
import { taskKind } from "../../../actors/task.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import { ActorHost, type StoredActor } from "../../../src/runtime/actor-host.ts"
import { eventItem } from "../../../src/runtime/plan-batch.ts"
import { restoredOutbox, storedOutbox } from "../../../src/runtime/stored-outbox.ts"
import { taskPlanner } from "../../support/actor-planner.ts"
import { AGENT, taskInput } from "../machines/task/harness.ts"

const PARTITIONS = 16
const ID = "3b0f3a7e-1c1d-5a55-8d0e-6d3f2f6b9a10"
const SESSION = "0a6e5bb6-22a4-4d70-9c1c-2e0f1d7a6c3b"
const P = partitionOf("task", ID, PARTITIONS)
const { at: _at, ...creation } = taskInput({ id: ID, sessionId: SESSION, index: 4, key: "k", blocked: true })

const { entry, plan } = taskPlanner(ID, PARTITIONS)

describe("a session task's stored reports", () => {
  const host = new ActorHost({ maxActors: 10 })
  const created = plan([entry("1000-0", "CREATE", creation)], host)
  host.commit(created.working, 1)
  const moves = [
    entry("1001-0", "SESSION_RUN", { epoch: 1 }),
    entry("1002-0", "ASSIGN", { agentId: AGENT }),
    entry("1003-0", "START", { agentId: AGENT }),
  ]
  const batch = plan(moves, host)
  const row = batch.rows[0]!
  const stored = storedOutbox(row, P, row.outbox) as Record<string, Array<Record<string, unknown>>>

  it("leave out their session, the row's", () => {
    const reports = batch.outbox.filter((item) => item._tag === "send" && item.type === "TASK_STATUS")
    expect(reports.map((item) => item._tag === "send" && [item.to, item.payload])).toEqual([
      [
        { kind: "session", id: SESSION },
        { index: 4, from: "blocked", status: "ready", epoch: 1 },
      ],
      [
        { kind: "session", id: SESSION },
        { index: 4, from: "ready", status: "assigned", epoch: 1 },
      ],
      [
        { kind: "session", id: SESSION },
        { index: 4, from: "assigned", status: "in_progress", epoch: 1 },
      ],
    ])
    expect(row.session).toBe(SESSION)
    const storedReports = Object.values(stored).flatMap((items) => items.filter((item) => item["type"] === "TASK_STATUS"))
    expect(storedReports).toHaveLength(3)
    for (const report of storedReports) expect(report).not.toHaveProperty("to")
  })

  it("are carried out again, the same, on a redelivery to the task restored from its row", () => {
    const context = { ...created.rows[0]!.storedOnce, ...(row.snapshot as { context: object }).context }
    const events = batch.transitions.map((t) => eventItem(taskKind, ID, context, P, t))
    const outbox = restoredOutbox({ kind: "task", id: ID, session: SESSION }, P, JSON.parse(JSON.stringify(stored)))
    const restored: StoredActor = {
      snapshot: { ...(row.snapshot as object), context },
      streamId: row.streamId,
      version: row.version,
      machineVersion: row.machineVersion,
      outbox: [...events, ...outbox],
    }
    const again = plan(moves, new ActorHost({ maxActors: 10 }), new Map([[`task:${ID}`, restored]]))
    expect(again.counts.redelivered).toBe(3)
    expect(again.outbox).toEqual(batch.outbox)
  })
})
