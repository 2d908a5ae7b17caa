// The lists' filters and orders read columns the runtime writes from the restored snapshot (migration
// 009), so they hold for rows stored in an older layout. The first run stores a soft-deleted session,
// and a session whose tasks have a group; their stored snapshots are then put in an "older layout" in
// Postgres (the members the filters need named otherwise: `removedAt`, `position`, `team`), and the next
// run's session and task machines are at version 2 with the migrations that rename them back. The
// sessions list still leaves the deleted one out, `?group=` still finds the group's tasks, a session's
// tasks still come in their order; after a transition the runtime writes the row in the current layout
// and its columns from the migrated context.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import type { Client } from "../../support/edge.ts"
import { kindRuns, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"

/** Renames context members of a stored snapshot (`from` → `to`), leaving absent ones absent. */
const renaming =
  (names: Readonly<Record<string, string>>) =>
  (snapshot: PersistedSnapshot): PersistedSnapshot => {
    const context = { ...(snapshot.context as Record<string, unknown>) }
    for (const [from, to] of Object.entries(names)) {
      if (!(from in context)) continue
      context[to] = context[from]
      delete context[from]
    }
    return { ...snapshot, context }
  }

/** Version 2 of the session and task machines, whose version 1 stored the members under the old names. */
const OLD_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  session: { removedAt: "deletedAt" },
  task: { position: "index", team: "group" },
}
const VERSION_2: ReadonlyArray<ActorKind> = KINDS.map((kind) => {
  const names = OLD_NAMES[kind.kind]
  return names === undefined ? kind : { ...kind, version: 2, migrations: { 1: renaming(names) } }
})

const TASKS = 8
let deployment: TestDeployment
let runs: KindRuns
let api: Client
const stored = { deleted: "", live: "", tasks: [] as string[] }

beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, randomBytes(24).toString("base64url"))
  const first = (await runs.run(KINDS)).api
  const deleted = await first.post("/api/v1/sessions?wait=1", { title: "to delete", tasks: [{ key: "a", title: "A", capability: "fc" }] })
  expect(deleted.status).toBe(201)
  stored.deleted = deleted.body.id
  expect((await first.delete(`/api/v1/sessions/${stored.deleted}?wait=1`)).status).toBe(200)
  const tasks = Array.from({ length: TASKS }, (_, i) => ({ key: `k${i}`, title: `T${i}`, capability: "fc", group: "team-a" }))
  const live = await first.post("/api/v1/sessions?wait=1", { title: "grouped", tasks })
  expect(live.status).toBe(201)
  stored.live = live.body.id
  stored.tasks = (live.body.tasks as Array<{ id: string }>).map((task) => task.id)
  for (const id of stored.tasks) await deployment.actor("task", id)

  // The rows as an older layout stored them: the columns as the runtime wrote them, the JSON members renamed
  // (and every member in the snapshot, as before migration 013 split off those stored once).
  const { sql } = deployment.schema
  await sql`
    update actors set snapshot = jsonb_set(snapshot, '{context}', stored_once || (snapshot->'context')), stored_once = null
    where stored_once is not null`
  const rename = (from: string, to: string) =>
    sql`update actors set snapshot = jsonb_set(snapshot #- ${`{context,${from}}`}::text[], ${`{context,${to}}`}::text[], snapshot->'context'->${from})
      where snapshot->'context' ? ${from}`
  await rename("deletedAt", "removedAt")
  await rename("index", "position")
  await rename("group", "team")
  const [left] = await sql<{ n: number }[]>`
    select count(*)::int as n from actors where snapshot->'context' ?| array['deletedAt', 'index', 'group']`
  expect(left?.n).toBe(0)
  api = (await runs.run(VERSION_2)).api
})
afterAll(async () => {
  await runs?.close()
  await deployment?.close()
})

const ids = (items: ReadonlyArray<{ id: string }>) => items.map((item) => item.id)

describe("filters on rows stored in an older layout", () => {
  it("leaves the soft-deleted session out of the list and the counts, and still shows it by id, migrated", async () => {
    const list = await api.get("/api/v1/sessions?limit=50")
    expect(list.status).toBe(200)
    expect(ids(list.body.items)).toEqual([stored.live])
    const counts = await api.get("/api/v1/actors/counts")
    expect(Object.values(counts.body.counts.session as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1)
    const one = await api.get(`/api/v1/sessions/${stored.deleted}`)
    expect(one.status).toBe(200)
    expect(one.body.deleted_at).not.toBeNull()
  })

  it("finds a group's tasks with ?group=", async () => {
    const list = await api.get("/api/v1/tasks?group=team-a&limit=50")
    expect(list.status).toBe(200)
    expect(ids(list.body.items).sort()).toEqual([...stored.tasks].sort())
    expect(list.body.items.every((task: { group: string }) => task.group === "team-a")).toBe(true)
    expect((await api.get("/api/v1/tasks?group=team-b&limit=50")).body.items).toEqual([])
  })

  it("reads a session's tasks in their order", async () => {
    const session = await api.get(`/api/v1/sessions/${stored.live}`)
    expect(session.status).toBe(200)
    expect(ids(session.body.tasks)).toEqual(stored.tasks)
  })

  it("writes a transitioned row in the current layout with its columns from the migrated context", async () => {
    const [task] = stored.tasks.slice(-1)
    expect((await api.post(`/api/v1/tasks/${task}/cancel?wait=1`, { reason: "enough" })).status).toBe(200)
    const [row] = await deployment.schema.sql<{ machine_version: number; group_key: string; task_index: number; context: object }[]>`
      select machine_version, group_key, task_index, coalesce(stored_once, '{}') || (snapshot->'context') as context
      from actors where kind = 'task' and id = ${task!}`
    expect(row).toMatchObject({ machine_version: 2, group_key: "team-a", task_index: TASKS - 1 })
    expect(row?.context).toMatchObject({ index: TASKS - 1, group: "team-a" })
    expect(row?.context).not.toHaveProperty("team")
    expect(ids((await api.get("/api/v1/tasks?group=team-a&limit=50")).body.items)).toContain(task)
    expect(ids((await api.get(`/api/v1/sessions/${stored.live}`)).body.tasks)).toEqual(stored.tasks)
  })
})
