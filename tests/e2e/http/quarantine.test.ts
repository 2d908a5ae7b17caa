// Snapshot versions through the HTTP API, the task machine changed between runs: once its version is
// raised without a migration, a command to a task stored by the old machine is refused (409) and
// dead-lettered with a reason, `GET /actors?quarantined=1` lists the task with it, a view is refused with it,
// lists leave it out and `/actors/task/{id}` shows it as stored; once a migration is registered, every
// view shows the snapshot migrated, nothing is listed as quarantined, and the replayed dead letter applies.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { kindRuns, marking, withKind, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const UNMIGRATED = withKind("task", { version: 2 })
const MIGRATED = withKind("task", { version: 2, migrations: { 1: marking("title") } })

let deployment: TestDeployment
let runs: KindRuns
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, randomBytes(24).toString("base64url"))
})
afterAll(async () => {
  await runs.close()
  await deployment.close()
})
const runWith = async (kinds: Parameters<KindRuns["run"]>[0]) => (await runs.run(kinds)).api

describe("quarantined actors over HTTP", () => {
  it("lists a task its changed machine cannot bring up, refuses its view, and shows it migrated once a migration is registered", async () => {
    const first = await runWith(KINDS)
    const created = await first.post("/api/v1/tasks?wait=1", { title: "paint the door", capability: "nobody-has-it" })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect((await first.get("/api/v1/actors?quarantined=1")).body).toEqual({ items: [], next_cursor: null })
    expect((await first.get(`/api/v1/actors/task/${id}`)).body).toMatchObject({ machine_version: 1, quarantined: null })

    // The task machine is raised to version 2 without a migration: the stored task does not fit it.
    // A command to it is refused with the reason and kept as a dead letter (for a replay once it fits).
    const second = await runWith(UNMIGRATED)
    const reason =
      `quarantined: task:${id}: its snapshot is of version 1 of the task machine, now at 2, and no migration from 1 is registered; ` +
      "register one (the kind's migrations), then replay these dead letters"
    expect(await second.post(`/api/v1/tasks/${id}/cancel`, { reason: "too late" })).toMatchObject({
      status: 409,
      body: { error: { code: "conflict", message: reason } },
    })
    const letter = await waitFor("the cancel's dead letter", async () => {
      const items = (await second.get("/api/v1/dead-letters")).body.items as Array<{ id: string; reason: string }>
      return items[0]
    })
    expect(letter.reason).toBe(reason)
    const quarantined = await second.get("/api/v1/actors?quarantined=1")
    expect(quarantined.body).toMatchObject({ items: [{ kind: "task", id, state: "ready", machine_version: 1, quarantined: reason }] })
    expect(quarantined.body.items).toHaveLength(1)
    expect((await second.get("/api/v1/actors?quarantined=1&kind=session")).body.items).toEqual([])
    expect(await second.get(`/api/v1/tasks/${id}`)).toMatchObject({ status: 409, body: { error: { code: "conflict", message: reason } } })
    expect((await second.get("/api/v1/tasks")).body.items).toEqual([])
    expect((await second.get(`/api/v1/actors/task/${id}`)).body).toMatchObject({
      state: "ready",
      machine_version: 1,
      quarantined: reason,
      snapshot: { context: { title: "paint the door" } },
    })

    // With the migration registered, every view shows the snapshot migrated, and the replayed cancel applies.
    const third = await runWith(MIGRATED)
    expect((await third.get("/api/v1/actors?quarantined=1")).body).toEqual({ items: [], next_cursor: null })
    expect(await third.get(`/api/v1/tasks/${id}`)).toMatchObject({ status: 200, body: { title: "paint the door (v2)", status: "ready" } })
    expect((await third.get("/api/v1/tasks")).body.items).toMatchObject([{ id, title: "paint the door (v2)" }])
    expect((await third.get(`/api/v1/actors/task/${id}`)).body).toMatchObject({
      machine_version: 2,
      quarantined: null,
      snapshot: { context: { title: "paint the door (v2)" } },
    })
    expect((await third.post(`/api/v1/dead-letters/${letter.id}/replay`)).status).toBe(202)
    const cancelled = await deployment.actor("task", id, (row) => row.state === "cancelled")
    expect({
      machineVersion: cancelled.machineVersion,
      title: (cancelled.snapshot as { context: { title: string } }).context.title,
    }).toEqual({
      machineVersion: 2,
      title: "paint the door (v2)",
    })
  })
})
