// The filters and orders that used to read snapshot JSON read columns the group-commit upsert keeps
// (migration 009), written from the context the runtime restored: a session's soft deletion
// (`deleted_at`: the sessions list and the counts), a task's group (`group_key`: `?group=` and the
// router's facts) and a task's place in its session (`task_index`: a session's tasks in order). Each
// row here stores a snapshot whose JSON says otherwise (the members absent or renamed, as in another
// version's layout), so a reader of the JSON would answer differently. Migration 009 fills the columns
// of rows written before it from the layout they were written in.
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { actorsToCount } from "../../../src/store/counts.ts"
import { MIGRATIONS_DIR, migrate } from "../../../src/store/migrate.ts"
import { listActors, sessionTasks } from "../../../src/store/queries.ts"
import { taskRouting, waitingTasks } from "../../../src/store/routing.ts"
import { type SnapshotWrite, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { row, sid } from "./fixtures.ts"

let pg: TestSchema
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)
const DELETED_AT = T0 + 5_000

/** A row whose stored context is `context` (another layout than the columns say). */
const stored = (kind: string, id: string, state: string, ms: number, context: object, extra: Partial<SnapshotWrite>) =>
  row(kind, id, state, sid(T0 + ms), { snapshot: { status: "active", value: state, context: { id, ...context } }, ...extra })

const write = async (rows: SnapshotWrite[]) => {
  expect((await writeBatch(pg.sql, { partition: 0, fence: 1, rows, transitions: [] }))._tag).toBe("Written")
}

beforeAll(async () => {
  pg = await freshSchema()
  await write([
    // Its JSON says deleted (a member the current layout no longer reads), its column does not.
    stored("session", "s-kept", "running", 0, { deletedAt: T0 }, { deletedAt: null }),
    // Soft-deleted, in a layout that calls the member something else.
    stored("session", "s-gone", "running", 1, { removedAt: DELETED_AT }, { deletedAt: DELETED_AT }),
    // The tasks of s-kept: their places only in the column (the JSON's `position` is another layout's, and disagrees).
    stored("task", "t-a", "ready", 10, { position: 0, team: "g1" }, { sessionId: "s-kept", capability: "code", index: 2, group: "g1" }),
    stored("task", "t-b", "ready", 11, { position: 1, group: "g2" }, { sessionId: "s-kept", capability: "code", index: 0, group: null }),
    stored("task", "t-c", "assigned", 12, { index: 0, group: "g2" }, { sessionId: "s-kept", capability: "code", index: 1, group: "g2" }),
  ])
})
afterAll(() => pg.drop())

const ids = (actors: ReadonlyArray<{ id: string }>) => actors.map((actor) => actor.id)

describe("filters read the columns, not the snapshot JSON", () => {
  it("leaves out soft-deleted sessions by deleted_at, in the list and in the counts", async () => {
    expect(ids((await listActors(pg.sql, { kind: "session", hideDeleted: true, limit: 10 })).actors)).toEqual(["s-kept"])
    expect(ids((await listActors(pg.sql, { kind: "session", limit: 10 })).actors)).toEqual(["s-kept", "s-gone"])
    // GET /actors/counts reads each row's deleted_at as `deleted` (src/edge/http/counts.ts counts none of those).
    const sessions = (await actorsToCount(pg.sql, undefined, 100)).filter((actor) => actor.kind === "session")
    expect(sessions.map((actor) => [actor.id, actor.deleted])).toEqual([
      ["s-gone", true],
      ["s-kept", false],
    ])
    const [gone] = await pg.sql<{ deleted_at: Date }[]>`select deleted_at from actors where id = 's-gone'`
    expect(gone?.deleted_at.getTime()).toBe(DELETED_AT)
  })

  it("lists a group's tasks by group_key", async () => {
    expect(ids((await listActors(pg.sql, { kind: "task", group: "g1", limit: 10 })).actors)).toEqual(["t-a"])
    expect(ids((await listActors(pg.sql, { kind: "task", group: "g2", limit: 10 })).actors)).toEqual(["t-c"])
  })

  it("reads a session's tasks in task_index order", async () => {
    expect(ids(await sessionTasks(pg.sql, "s-kept"))).toEqual(["t-b", "t-c", "t-a"])
  })

  it("gives the router each task's group from group_key", async () => {
    const facts = await taskRouting(pg.sql, ["t-a", "t-b", "t-c"])
    expect([...facts.values()].map((fact) => [fact.id, fact.group]).sort()).toEqual([
      ["t-a", "g1"],
      ["t-b", null],
      ["t-c", "g2"],
    ])
    expect((await waitingTasks(pg.sql, T0 + 60_000, 10)).map((task) => [task.id, task.group])).toEqual([
      ["t-a", "g1"],
      ["t-b", null],
    ])
  })

  it("rewrites the columns with the row: a restored session undeleted, a task's group cleared", async () => {
    await write([
      stored("session", "s-gone", "running", 20, { removedAt: DELETED_AT }, { deletedAt: null }),
      stored("task", "t-a", "ready", 21, { team: "g1" }, { sessionId: "s-kept", capability: "code", index: 2, group: null }),
    ])
    expect(ids((await listActors(pg.sql, { kind: "session", hideDeleted: true, limit: 10 })).actors)).toEqual(["s-kept", "s-gone"])
    expect(ids((await listActors(pg.sql, { kind: "task", group: "g1", limit: 10 })).actors)).toEqual([])
  })
})

describe("migration 009", () => {
  let old: TestSchema
  let dir: string
  beforeAll(async () => {
    old = await freshSchema({ migrated: false })
    dir = await mkdtemp(join(tmpdir(), "clawbot-migrations-"))
  })
  afterAll(async () => {
    await old?.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it("fills the columns of rows written before it from their snapshots (version 1's layout)", async () => {
    const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith(".sql")).sort()
    const before = files.filter((name) => name < "009")
    expect(files).toContain("009_filter_columns.sql")
    for (const name of before) await copyFile(join(MIGRATIONS_DIR, name), join(dir, name))
    expect(await migrate(old.sql, dir)).toEqual(before)
    const insert = (kind: string, id: string, context: Record<string, string | number | null>, machineVersion = 1) => old.sql`
      insert into actors (kind, id, state, snapshot, stream_id, stream_ms, stream_seq, fence, version, machine_version,
        created_at, updated_at, state_since)
      values (${kind}, ${id}, 'running', ${old.sql.json({ value: "running", context })}, '1-0', 1, 0, 1, 1, ${machineVersion},
        now(), now(), now())`
    await insert("session", "s-deleted", { deletedAt: DELETED_AT })
    await insert("session", "s-live", {})
    await insert("task", "t-grouped", { index: 3, group: "g1" })
    await insert("task", "t-plain", { index: null })
    await insert("task", "t-standalone", {})
    // Written by a newer machine whose layout this migration does not know: left for the runtime.
    await insert("task", "t-newer", { index: 1, group: "g1" }, 2)

    await copyFile(join(MIGRATIONS_DIR, "009_filter_columns.sql"), join(dir, "009_filter_columns.sql"))
    expect(await migrate(old.sql, dir)).toEqual(["009_filter_columns.sql"])
    const rows = await old.sql<{ id: string; deleted_at: Date | null; group_key: string | null; task_index: number | null }[]>`
      select id, deleted_at, group_key, task_index from actors order by id`
    expect(rows.map((r) => [r.id, r.deleted_at?.getTime() ?? null, r.group_key, r.task_index])).toEqual([
      ["s-deleted", DELETED_AT, null, null],
      ["s-live", null, null, null],
      ["t-grouped", null, "g1", 3],
      ["t-newer", null, null, null],
      ["t-plain", null, null, null],
      ["t-standalone", null, null, null],
    ])
  })
})
