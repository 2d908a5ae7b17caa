// Snapshot versions through the HTTP API, the task machine changed between runs: once its version is
// raised without a migration, a command to a task stored by the old machine is refused (409) and
// dead-lettered with a reason, `GET /actors?quarantined=1` lists the task with it, a view is refused with it,
// lists leave it out and `/actors/task/{id}` shows it as stored; once a migration is registered, every
// view shows the snapshot migrated, nothing is listed as quarantined, and the replayed dead letter applies.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import type { Edge } from "../../../src/edge/app.ts"
import { edgeOn, httpClient, type Client } from "../../support/edge.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

/** The product's kinds with the task kind changed by `change`. */
const withTask = (change: Pick<ActorKind, "version" | "migrations">): ReadonlyArray<ActorKind> =>
  KINDS.map((kind) => (kind.kind === "task" ? { ...kind, ...change } : kind))

/** Version 2 of the task machine stores titles marked: a stand-in for a reshaped context. */
const markTitle = (snapshot: PersistedSnapshot): PersistedSnapshot => {
  const context = snapshot.context as { title: string }
  return { ...snapshot, context: { ...context, title: `${context.title} (v2)` } }
}
const UNMIGRATED = withTask({ version: 2 })
const MIGRATED = withTask({ version: 2, migrations: { 1: markTitle } })

let deployment: TestDeployment
const operatorToken = randomBytes(24).toString("base64url")
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
})
afterAll(async () => {
  await current?.close()
  await deployment.close()
})

/** One run: a runtime (the partition's worker) and an edge, both with `kinds`; the previous run is stopped first. */
let current: { close(): Promise<void> } | undefined
let run = 0
const runWith = async (kinds: ReadonlyArray<ActorKind>): Promise<Client> => {
  await current?.close()
  const p = deployment.keys.partition(0)
  const owner = `run-${(run += 1)}`
  const lease = await deployment.scripts.acquireLease(p, owner, 600_000)
  if (!lease.ok) throw new Error("the partition is leased already")
  await deployment.startWorker(0, lease.value, { consumer: owner, kinds })
  const edge: Edge = await edgeOn(deployment, { operatorToken, edge: { kinds } })
  current = {
    async close() {
      await edge.close()
      await deployment.stopAll()
      await deployment.scripts.releaseLease(p, owner, lease.value)
    },
  }
  return httpClient(`http://127.0.0.1:${edge.port}`, operatorToken)
}

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
