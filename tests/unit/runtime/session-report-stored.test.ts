// A session task's reports (TASK_STATUS to its session) in its stored outbox leave out whom they go to, its row's
// session, and are stored as a `report` of their values (a report stored as its send, before that, reads the same): a redelivery of the entries to the task restored from its row carries out exactly what the batch did,
// reports and command ids included.
import { describe, expect, it } from "vitest"
import { taskKind } from "../../../actors/task.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import { ActorHost, type StoredActor } from "../../../src/runtime/actor-host.ts"
import { eventItem } from "../../../src/runtime/plan-batch.ts"
import { restoredOutbox, storedOutbox } from "../../../src/runtime/stored-outbox.ts"
import { keyedReport } from "../../../src/schema/task-report.ts"
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
    const storedReports = Object.values(stored).flatMap((items) => items.filter((item) => item["_tag"] === "report"))
    expect(storedReports.map(({ r }) => r)).toEqual([
      [4, 0, 2, 1],
      [4, 2, 3, 1],
      [4, 3, 4, 1],
    ])
    for (const report of storedReports) expect(Object.keys(report)).toEqual(["_tag", "r", "cmdId"])
  })

  it("store the task's own route_task at SESSION_RUN as `routed`: its row's capability and priority, its entry's time", () => {
    expect(row.columns).toMatchObject({ capability: "code", priority: 2 })
    expect(stored["1001-0"]).toContainEqual({ _tag: "routed", cmdId: "#1" })
    const route = batch.outbox.find((item) => item._tag === "route_task")
    expect(route).toMatchObject({ capability: "code", priority: 2, since: 1001 })
  })

  it("read back, stored as their sends without `to` (before `report`), as the reports", () => {
    const before = JSON.parse(
      JSON.stringify(stored, (_, value) =>
        value?._tag === "report" ? { _tag: "send", type: "TASK_STATUS", payload: keyedReport(value.r), cmdId: value.cmdId } : value,
      ),
    )
    const self = { kind: "task", id: ID, session: SESSION }
    expect(JSON.stringify(before)).not.toContain(`"report"`)
    expect(restoredOutbox(self, P, before)).toEqual(restoredOutbox(self, P, JSON.parse(JSON.stringify(stored))))
  })

  it("are carried out again, the same, on a redelivery to the task restored from its row", () => {
    const context = { ...created.rows[0]!.storedOnce, ...(row.snapshot as { context: object }).context }
    const events = batch.transitions.map((t) => eventItem(taskKind, ID, context, P, t))
    // what partition-worker.ts names it by: its row's session, capability and priority columns
    const self = { kind: "task", id: ID, session: SESSION, capability: row.columns.capability, priority: row.columns.priority }
    const outbox = restoredOutbox(self, P, JSON.parse(JSON.stringify(stored)))
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
