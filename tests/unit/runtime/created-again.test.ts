// The items of the entry that created an actor are stored in its row as one `created` (a session's creation: one
// CREATE per task, and its reply): a redelivery of that entry to the actor restored from its row creates it again
// and carries out exactly what the creation caused the first time, with the same command ids, as a redelivery to
// the actor held in memory does.
import { describe, expect, it } from "vitest"
import { sessionKind } from "../../../actors/session.ts"
import { taskKind } from "../../../actors/task.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import { ActorHost, type StoredActor } from "../../../src/runtime/actor-host.ts"
import { eventItem, type BatchPlan } from "../../../src/runtime/plan-batch.ts"
import { restoredOutbox, storedOutbox } from "../../../src/runtime/stored-outbox.ts"
import { actorPlanner } from "../../support/actor-planner.ts"
import { SESSION_ID, sessionInput, task } from "../machines/session/harness.ts"

const PARTITIONS = 16
const P = partitionOf("session", SESSION_ID, PARTITIONS)
const kinds = new Map([
  ["session", sessionKind],
  ["task", taskKind],
])
const { at: _at, ...creation } = sessionInput({ tasks: [task("a"), task("b", ["a"]), task("c", ["a"])] })

const { entry, plan } = actorPlanner("session", SESSION_ID, kinds, PARTITIONS)

/** The session as the worker reads it back from its row: the stored outbox through JSON, the events from the history. */
const storedAs = (last: BatchPlan, once = last.rows[0]!.storedOnce): Map<string, StoredActor> => {
  const row = last.rows[0]!
  const self = { kind: row.kind, id: row.id }
  const context = (row.snapshot as { context: unknown }).context
  const events = last.transitions.map((t) => eventItem(sessionKind, row.id, context, P, t))
  const outbox = restoredOutbox(self, P, JSON.parse(JSON.stringify(storedOutbox(self, P, row.outbox))))
  const snapshot = { ...(row.snapshot as object), context: { ...(once ?? {}), ...(context as object) } }
  return new Map([
    [
      `session:${SESSION_ID}`,
      { snapshot, streamId: row.streamId, version: row.version, machineVersion: row.machineVersion, outbox: [...events, ...outbox] },
    ],
  ])
}

describe("a creation's items in its actor's row", () => {
  const created = entry("1000-0", "CREATE", creation, "edge-1/4")
  const first = plan([created], new ActorHost({ maxActors: 10 }))
  const caused = first.outbox

  it("are one `created`, where the creation caused a CREATE per task and a reply", () => {
    expect(caused.filter((item) => item._tag === "send").map((item) => [item.type, item.cmdId])).toEqual([
      ["CREATE", `${P}/1000-0/0`],
      ["CREATE", `${P}/1000-0/1`],
      ["CREATE", `${P}/1000-0/2`],
    ])
    expect(caused.at(-1)).toMatchObject({ _tag: "reply", replyTo: "edge-1/4", outcome: "applied" })
    expect(first.rows[0]!.outbox).toEqual([{ _tag: "created", entryId: "1000-0" }])
    expect(storedOutbox(first.rows[0]!, P, first.rows[0]!.outbox)).toEqual({ "1000-0": [{ _tag: "created" }] })
  })

  it("are carried out again exactly, command ids included, on a redelivery to the actor restored from its row", () => {
    const again = plan([created], new ActorHost({ maxActors: 10 }), storedAs(first))
    expect(again.counts).toEqual({ applied: 0, rejected: 0, redelivered: 1 })
    expect(again.rows).toEqual([])
    expect(again.outbox).toEqual(caused)
  })

  it("are carried out again the same way by the actor held in memory", () => {
    const host = new ActorHost({ maxActors: 10 })
    host.commit(first.working, 1)
    expect(plan([created], host).outbox).toEqual(caused)
  })

  it("stay one `created` in the row the next batch writes while the creation's items may not be carried out", () => {
    const second = plan([entry("1001-0", "START")], new ActorHost({ maxActors: 10 }), new Map(), first)
    const row = second.rows[0]!
    expect(row.outbox[0]).toEqual({ _tag: "created", entryId: "1000-0" })
    expect(row.outbox.slice(1).every((item) => item.entryId === "1001-0")).toBe(true)
    // both entries redelivered to the session restored from that row: the creation's items, then the start's
    const restored = storedAs({ ...second, transitions: [...first.transitions, ...second.transitions] }, first.rows[0]!.storedOnce)
    const again = plan([created, entry("1001-0", "START")], new ActorHost({ maxActors: 10 }), restored)
    expect(again.outbox).toEqual([...caused, ...second.outbox])
  })

  it("are kept item by item for every other entry", () => {
    const host = new ActorHost({ maxActors: 10 })
    host.commit(first.working, 1)
    const second = plan([entry("1001-0", "START")], host)
    expect(second.rows[0]!.outbox.some((item) => item._tag === "created")).toBe(false)
    expect(second.rows[0]!.outbox.length).toBe(second.outbox.filter((item) => item._tag !== "event").length)
  })
})
