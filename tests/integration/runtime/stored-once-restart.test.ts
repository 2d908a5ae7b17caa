// An actor's members stored once (migration 013), across a restart: a task created by one run of the runtime, one
// whose row is put back in the layout rows had before the column (its snapshot whole, no column), and a session are
// restored from Postgres by the next run (a fresh worker, nothing in memory) and moved on; each keeps what it was
// created with (GET, and the row read back), and its row then holds those members in its column, not in its snapshot.
// Once the run holds an actor, its writes send them no more: a hand edit of the column outlives the next write.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import type { Client } from "../../support/edge.ts"
import { kindRuns, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
let runs: KindRuns
let api: Client
const PAYLOAD = { prompt: "Summarise this thread. ".repeat(200), files: ["a.md", "b.md"] }
const PROMPT = "Plan the release. ".repeat(100)
const ids = { split: "", old: "", session: "" }

const row = async (id: string, kind = "task") =>
  (
    await deployment.schema.sql<{ state: string; stored_once: Record<string, unknown> | null; context: Record<string, unknown> }[]>`
      select state, stored_once, snapshot->'context' as context from actors where kind = ${kind} and id = ${id}`
  )[0]!

beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, randomBytes(24).toString("base64url"))
  const { api } = await runs.run(KINDS)
  for (const name of ["split", "old"] as const) {
    const created = await api.post("/api/v1/tasks?wait=1", { title: `the ${name} one`, capability: "once-cap", payload: PAYLOAD })
    expect(created.status).toBe(201)
    ids[name] = created.body.id
    await deployment.actor("task", ids[name])
  }
  const session = await api.post("/api/v1/sessions?wait=1", { title: "release", prompt: PROMPT, tasks: [] })
  expect(session.status).toBe(201)
  ids.session = session.body.id
  expect(await row(ids.session, "session")).toMatchObject({ stored_once: { title: "release", prompt: PROMPT } })
  expect(await row(ids.split)).toMatchObject({ stored_once: { title: "the split one", payload: PAYLOAD } })
  // The layout of a row written before migration 013: the members back in the snapshot, no column.
  await deployment.schema.sql`
    update actors set snapshot = jsonb_set(snapshot, '{context}', stored_once || (snapshot->'context')), stored_once = null
    where kind = 'task' and id = ${ids.old}`
  expect(await row(ids.old)).toMatchObject({ stored_once: null, context: { title: "the old one", payload: PAYLOAD } })
})
afterAll(async () => {
  await runs?.close()
  await deployment?.close()
})

describe("members stored once, after a restart", () => {
  it("keeps a restored task's title and payload when the next run moves it, and writes them in the column", async () => {
    api = (await runs.run(KINDS)).api
    for (const name of ["split", "old"] as const) {
      const id = ids[name]
      expect((await api.post(`/api/v1/tasks/${id}/cancel?wait=1`, { reason: "enough" })).status).toBe(200)
      const shown = await api.get(`/api/v1/tasks/${id}`)
      expect(shown.status).toBe(200)
      expect(shown.body).toMatchObject({ status: "cancelled", title: `the ${name} one`, capability: "once-cap", payload: PAYLOAD })
      const stored = await row(id)
      expect(stored).toMatchObject({ state: "cancelled", stored_once: { title: `the ${name} one`, payload: PAYLOAD } })
      expect(stored.context).not.toHaveProperty("title")
      expect(stored.context).not.toHaveProperty("payload")
    }
  })

  it("sends them no more once it holds the task: its next write leaves a hand edit of the column as it is", async () => {
    const id = ids.split
    await deployment.schema.sql`
      update actors set stored_once = stored_once || '{"title": "By hand"}' where kind = 'task' and id = ${id}`
    const before = await deployment.schema.sql<{ stream_id: string }[]>`select stream_id from actors where kind = 'task' and id = ${id}`
    // refused (cancelled already), yet written: a refusal moves the actor's stream id on
    expect((await api.post(`/api/v1/tasks/${id}/cancel?wait=1`, { reason: "again" })).status).toBe(409)
    const [after] = await deployment.schema.sql<{ stream_id: string; edited: boolean; title: string }[]>`
      select stream_id, edited, stored_once->>'title' as title from actors where kind = 'task' and id = ${id}`
    expect(after?.stream_id).not.toBe(before[0]?.stream_id)
    expect(after).toMatchObject({ edited: false, title: "By hand" })
  })

  it("keeps a restored session's title and prompt when the next run moves it", async () => {
    api = (await runs.run(KINDS)).api
    expect((await api.post(`/api/v1/sessions/${ids.session}/cancel?wait=1`, {})).status).toBe(200)
    const shown = await api.get(`/api/v1/sessions/${ids.session}`)
    expect(shown.body).toMatchObject({ status: "cancelled", title: "release", prompt: PROMPT })
    const stored = await row(ids.session, "session")
    expect(stored).toMatchObject({ state: "cancelled", stored_once: { title: "release", prompt: PROMPT } })
    expect(stored.context).not.toHaveProperty("prompt")
  })
})
