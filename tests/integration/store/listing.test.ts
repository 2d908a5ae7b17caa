// Listing actors from Postgres: by kind and state (or any of several), by how long they have been in that state
// ("tasks assigned for more than 5 minutes"), by session, agent or capability (the one a task needs,
// the ones an agent offers), page by page.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { InvalidCursor, listActors } from "../../../src/store/queries.ts"
import { type SnapshotWrite, type TransitionWrite, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid } from "./fixtures.ts"

let pg: TestSchema
const NOW = Date.now()
const ago = (s: number, seq = 0): string => sid(NOW - s * 1000, seq)

async function apply(rows: SnapshotWrite[], transitions: TransitionWrite[] = []): Promise<void> {
  expect((await writeBatch(pg.sql, { partition: 0, fence: 1, rows, transitions }))._tag).toBe("Written")
}

const ids = (page: { actors: { id: string }[] }) => page.actors.map((actor) => actor.id)

beforeAll(async () => {
  pg = await freshSchema()
  const task = (id: string, state: string, at: string, extra: Partial<SnapshotWrite> = {}) =>
    row("task", id, state, at, { sessionId: "s-1", capability: "code", ...extra })
  // Assigned 10 minutes ago, claimed 1 minute ago (a self-transition), then rewritten without a
  // transition: still assigned since 10 minutes ago.
  await apply([task("t-old", "assigned", ago(600), { agentId: "a-1" })], [move("task", "t-old", "ready", "assigned", ago(600))])
  await apply([task("t-old", "assigned", ago(60), { agentId: "a-1" })], [move("task", "t-old", "assigned", "assigned", ago(60))])
  await apply([task("t-old", "assigned", ago(50), { agentId: "a-1", version: 3 })])
  // Assigned 1 minute ago.
  await apply([task("t-new", "assigned", ago(60, 1), { agentId: "a-2" })], [move("task", "t-new", "ready", "assigned", ago(60, 1))])
  // Assigned 10 minutes ago, lost its agent and was assigned again 30 s ago, within one batch.
  await apply([task("t-bounce", "assigned", ago(600, 1))], [move("task", "t-bounce", "ready", "assigned", ago(600, 1))])
  await apply(
    [task("t-bounce", "assigned", ago(30, 1), { capability: "review" })],
    [move("task", "t-bounce", "assigned", "ready", ago(30, 0)), move("task", "t-bounce", "ready", "assigned", ago(30, 1))],
  )
  // Ready for 10 minutes, in another session.
  await apply([task("t-ready", "ready", ago(600, 2), { sessionId: "s-2" })], [move("task", "t-ready", null, "ready", ago(600, 2))])
  await apply([row("session", "s-1", "running", ago(700))])
})
afterAll(() => pg.drop())

describe("listActors", () => {
  it("lists a kind's actors in a state, longest in that state first", async () => {
    expect(ids(await listActors(pg.sql, { kind: "task", state: "assigned", limit: 10 }))).toEqual(["t-old", "t-new", "t-bounce"])
    expect(ids(await listActors(pg.sql, { kind: "task", state: "ready", limit: 10 }))).toEqual(["t-ready"])
    expect(ids(await listActors(pg.sql, { kind: "session", limit: 10 }))).toEqual(["s-1"])
  })

  it("lists a kind's actors in any of several states in one query, longest in its state first, page by page", async () => {
    // t-old and t-ready entered their states in the same millisecond: the id orders them.
    expect(ids(await listActors(pg.sql, { kind: "task", state: ["ready", "assigned"], limit: 10 }))).toEqual([
      "t-old",
      "t-ready",
      "t-new",
      "t-bounce",
    ])
    const first = await listActors(pg.sql, { kind: "task", state: ["assigned", "ready"], limit: 2 })
    expect(ids(first)).toEqual(["t-old", "t-ready"])
    const rest = await listActors(pg.sql, { kind: "task", state: ["assigned", "ready"], limit: 2, after: first.next! })
    expect(ids(rest)).toEqual(["t-new", "t-bounce"])
    expect(ids(await listActors(pg.sql, { kind: "task", state: ["in_progress", "completed"], limit: 10 }))).toEqual([])
  })

  it("answers which tasks have been assigned for longer than 5 minutes", async () => {
    const stuck = await listActors(pg.sql, { kind: "task", state: "assigned", olderThanS: 300, limit: 10 })
    expect(ids(stuck)).toEqual(["t-old"])
    expect(stuck.actors[0]?.stateSince).toBe(NOW - 600_000)
    expect(ids(await listActors(pg.sql, { kind: "task", state: "assigned", olderThanS: 45, limit: 10 }))).toEqual(["t-old", "t-new"])
  })

  it("filters by session, agent and capability", async () => {
    expect(ids(await listActors(pg.sql, { kind: "task", sessionId: "s-2", limit: 10 }))).toEqual(["t-ready"])
    expect(ids(await listActors(pg.sql, { kind: "task", agentId: "a-2", limit: 10 }))).toEqual(["t-new"])
    expect(ids(await listActors(pg.sql, { kind: "task", capability: "review", limit: 10 }))).toEqual(["t-bounce"])
  })

  it("pages through every actor exactly once", async () => {
    const agents = Array.from({ length: 25 }, (_, i) => row("agent", `a-${String(i).padStart(2, "0")}`, "online", ago(100 - (i % 7))))
    await apply(agents)
    const seen: string[] = []
    let after: string | undefined
    const sizes: number[] = []
    for (;;) {
      const page = await listActors(pg.sql, { kind: "agent", limit: 10, after })
      seen.push(...ids(page))
      sizes.push(page.actors.length)
      if (page.next === null) break
      after = page.next
    }
    expect(sizes).toEqual([10, 10, 5])
    expect(seen.sort()).toEqual(agents.map((agent) => agent.id).sort())
  })

  it("lists the agents offering a capability, page by page, from their capabilities list", async () => {
    const agent = (id: string, state: string, s: number, capabilities: string[]) => row("agent", id, state, ago(s), { capabilities })
    await apply([
      agent("cap-both", "online", 400, ["code", "review"]),
      agent("cap-code", "busy", 300, ["code"]),
      agent("cap-deploy", "online", 200, ["deploy"]),
      agent("cap-late", "online", 100, ["review", "code"]),
    ])
    expect(ids(await listActors(pg.sql, { kind: "agent", capability: "code", limit: 10 }))).toEqual(["cap-both", "cap-code", "cap-late"])
    expect(ids(await listActors(pg.sql, { kind: "agent", capability: "review", state: "online", limit: 10 }))).toEqual([
      "cap-both",
      "cap-late",
    ])
    expect(ids(await listActors(pg.sql, { kind: "agent", capability: "translate", limit: 10 }))).toEqual([])
    const first = await listActors(pg.sql, { kind: "agent", capability: "code", limit: 2 })
    expect(ids(first)).toEqual(["cap-both", "cap-code"])
    const second = await listActors(pg.sql, { kind: "agent", capability: "code", limit: 2, after: first.next ?? undefined })
    expect(ids(second)).toEqual(["cap-late"])
    expect(second.next).toBeNull()
  })

  it("refuses a cursor it did not hand out", async () => {
    await expect(listActors(pg.sql, { kind: "task", limit: 10, after: "bm9wZQ" })).rejects.toBeInstanceOf(InvalidCursor)
  })
})
