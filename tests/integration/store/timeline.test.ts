// Timeline: a session's transitions and its tasks', across partitions, in the order they happened, by page.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type SnapshotWrite, type TransitionWrite, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { timeline } from "../../../src/store/history.ts"
import { move, row, sid, sessionTimeline } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)

async function apply(partition: number, rows: SnapshotWrite[], transitions: TransitionWrite[]): Promise<void> {
  const result = await writeBatch(pg.sql, { partition, fence: 1, rows, transitions })
  expect(result._tag).toBe("Written")
}

/** Moves one actor to `to` with the entry `streamId` of its own partition. */
async function step(partition: number, kind: string, id: string, from: string | null, to: string, streamId: string, sessionId?: string) {
  await apply(partition, [row(kind, id, to, streamId, { sessionId })], [move(kind, id, from, to, streamId)])
}

describe("timeline", () => {
  it("returns the session's and its tasks' transitions in the order they were applied", async () => {
    // Session s-1 lives in partition 0, its tasks in partitions 1 and 2; s-2 is unrelated.
    await apply(
      0,
      [row("session", "s-1", "running", sid(T0, 1))],
      [move("session", "s-1", null, "pending", sid(T0, 0)), move("session", "s-1", "pending", "running", sid(T0, 1))],
    )
    await step(1, "task", "t-1", null, "ready", sid(T0 + 5), "s-1")
    await step(2, "task", "t-2", null, "blocked", sid(T0 + 5), "s-1")
    await step(3, "session", "s-2", null, "running", sid(T0 + 6))
    await step(1, "task", "t-1", "ready", "completed", sid(T0 + 20, 3), "s-1")
    // What t-1's completion caused lands in the same millisecond of other partitions' streams,
    // with lower sequence numbers: the order is the order of application, not of stream ids.
    await step(2, "task", "t-2", "blocked", "ready", sid(T0 + 20, 1), "s-1")
    await step(3, "task", "t-9", null, "ready", sid(T0 + 20, 1), "s-2")
    await step(0, "session", "s-1", "running", "degraded", sid(T0 + 20, 0))

    const events = (await sessionTimeline(pg.sql, "s-1")).map((t) => `${t.kind}:${t.actorId}:${t.from ?? "-"}>${t.to}`)
    expect(events).toEqual([
      "session:s-1:->pending",
      "session:s-1:pending>running",
      "task:t-1:->ready",
      "task:t-2:->blocked",
      "task:t-1:ready>completed",
      "task:t-2:blocked>ready",
      "session:s-1:running>degraded",
    ])
    expect((await sessionTimeline(pg.sql, "s-2")).map((t) => t.actorId)).toEqual(["s-2", "t-9"])
  })

  it("returns each transition's event, entry, time, version, patch and cause", async () => {
    const patch = {
      status: "assigned",
      agent_id: "a-1",
      updated_at: new Date(T0 + 30).toISOString(),
      stream_id: sid(T0 + 30, 4),
      version: 3,
    }
    await apply(
      1,
      [row("task", "t-3", "assigned", sid(T0 + 30, 4), { sessionId: "s-3" })],
      [
        move("task", "t-3", "ready", "assigned", sid(T0 + 30, 4), {
          event: "ASSIGN",
          version: 3,
          patch,
          by: "operator",
        }),
      ],
    )
    expect(await sessionTimeline(pg.sql, "s-3")).toEqual([
      {
        id: expect.any(Number),
        kind: "task",
        actorId: "t-3",
        sessionId: "s-3",
        from: "ready",
        to: "assigned",
        event: "ASSIGN",
        streamId: sid(T0 + 30, 4),
        at: T0 + 30,
        version: 3,
        patch,
        by: "operator",
      },
    ])
    // Stored without the members its own columns hold; read back whole.
    const [stored] = await pg.sql<[{ patch: unknown }]>`select patch from transitions where actor_id = 't-3'`
    expect(stored.patch).toEqual({ status: "assigned", agent_id: "a-1" })
  })

  it("files a transition under the session it names even without a row in its batch", async () => {
    await apply(2, [], [move("task", "t-4", "ready", "assigned", sid(T0 + 40), { sessionId: "s-4" })])
    expect((await sessionTimeline(pg.sql, "s-4")).map((t) => t.actorId)).toEqual(["t-4"])
    expect(await sessionTimeline(pg.sql, "no-such-session")).toEqual([])
  })

  it("reads a timeline by page: each after the one before's last transition, the last page saying it is the last", async () => {
    for (let n = 0; n < 5; n += 1) await step(n % 3, "task", `t-5${n}`, null, "ready", sid(T0 + 50 + n), "s-5")
    const whole = (await sessionTimeline(pg.sql, "s-5")).map((t) => t.id)
    expect(whole).toHaveLength(5)
    const first = await timeline(pg.sql, "s-5", { after: 0, limit: 2 })
    expect(first).toEqual({ transitions: expect.any(Array), next: whole[1] })
    const second = await timeline(pg.sql, "s-5", { after: first.next!, limit: 2 })
    expect(second.transitions.map((t) => t.id)).toEqual(whole.slice(2, 4))
    const last = await timeline(pg.sql, "s-5", { after: second.next!, limit: 2 })
    expect(last).toEqual({ transitions: [expect.objectContaining({ id: whole[4], actorId: "t-54" })], next: null })
    // A page that ends with the last transition is the last, and nothing comes after it.
    expect((await timeline(pg.sql, "s-5", { after: whole[2]!, limit: 2 })).next).toBeNull()
    expect(await timeline(pg.sql, "s-5", { after: whole[4]!, limit: 2 })).toEqual({ transitions: [], next: null })
  })
})
