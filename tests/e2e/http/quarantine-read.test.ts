// Quarantine has one source of truth (restoreStored): stored tasks whose version fits but whose
// context does not decode, or whose state the machine lacks, are quarantined exactly like one of a
// version that does not fit. The runtime refuses a command to one (409, dead-lettered, nothing
// written), `GET /actors?quarantined=1` lists each with the same reason, its view answers 409 with it;
// with quarantined tasks in the middle, `/tasks` pages are still full and `/actors` pages show them marked.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import type { Client } from "../../support/edge.ts"
import { kindRuns, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
let runs: KindRuns
let api: Client
/** Seven ready tasks, oldest first; 2, 4 and 5 are then spoiled in Postgres. */
const ids: string[] = []
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, randomBytes(24).toString("base64url"))
  const first = (await runs.run(KINDS)).api
  for (let i = 0; i < 7; i += 1) {
    const created = await first.post("/api/v1/tasks?wait=1", { title: `task ${i}`, capability: "nobody-has-it" })
    expect(created.status).toBe(201)
    ids.push(created.body.id as string)
  }
  const { sql } = deployment.schema
  await sql`update actors set snapshot = jsonb_set(snapshot, '{context,title}', '5') where id = ${ids[2]!}`
  await sql`update actors set machine_version = 9 where id = ${ids[4]!}`
  await sql`update actors set snapshot = jsonb_set(snapshot, '{value}', '"nowhere"') where id = ${ids[5]!}`
  // A new runtime and edge: nothing of the tasks is in memory, each is restored from its row.
  api = (await runs.run(KINDS)).api
})
afterAll(async () => {
  await runs?.close()
  await deployment?.close()
})

const reasonOf = (i: number, why: string) =>
  `quarantined: task:${ids[i]}: its snapshot (task machine version 1) does not fit the machine: ${why}; ` +
  "raise the kind's version and register a migration, then replay these dead letters"
const UNDECODABLE = 2
const undecodable = () => reasonOf(UNDECODABLE, "its context does not decode: title: expected a string")

/** Every page of `path` (which has `?`), following `next_cursor`: each page's items mapped by `pick`. */
const pages = async <T>(path: string, pick: (item: Record<string, unknown>) => T): Promise<T[][]> => {
  const all: T[][] = []
  for (let cursor: string | null = ""; cursor !== null && all.length < 10; ) {
    const answer = await api.get(`${path}${cursor === "" ? "" : `&cursor=${cursor}`}`)
    expect(answer.status).toBe(200)
    all.push((answer.body.items as Array<Record<string, unknown>>).map(pick))
    cursor = answer.body.next_cursor as string | null
  }
  return all
}

describe("quarantine found by reading the snapshot", () => {
  it("lists a task of a fitting version whose context does not decode, with its reason, and its view answers 409 with it", async () => {
    const listed = await api.get("/api/v1/actors?quarantined=1")
    expect(listed.status).toBe(200)
    expect(listed.body.next_cursor).toBeNull()
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[4], ids[5]])
    expect(listed.body.items[0]).toMatchObject({ kind: "task", state: "ready", machine_version: 1, quarantined: undecodable() })
    expect(listed.body.items[1].quarantined).toContain("written by version 9 of the task machine, newer than this runtime's 1")
    expect(listed.body.items[2].quarantined).toContain("does not fit the machine:")
    expect(await api.get(`/api/v1/tasks/${ids[UNDECODABLE]}`)).toMatchObject({
      status: 409,
      body: { error: { code: "conflict", message: undecodable() } },
    })
    expect((await api.get(`/api/v1/actors/task/${ids[UNDECODABLE]}`)).body).toMatchObject({ quarantined: undecodable() })
  })

  it("gets the same verdict from the runtime: a command is refused with the reason, dead-lettered, and nothing is written", async () => {
    const before = await deployment.actor("task", ids[UNDECODABLE]!)
    expect(await api.post(`/api/v1/tasks/${ids[UNDECODABLE]}/cancel`, { reason: "too late" })).toMatchObject({
      status: 409,
      body: { error: { code: "conflict", message: undecodable() } },
    })
    const letter = await waitFor("the cancel's dead letter", async () => {
      const items = (await api.get("/api/v1/dead-letters")).body.items as Array<{ reason: string }>
      return items.find((item) => item.reason === undecodable())
    })
    expect(letter.reason).toBe(undecodable())
    const after = await deployment.actor("task", ids[UNDECODABLE]!)
    expect({ version: after.version, streamId: after.streamId, snapshot: after.snapshot }).toEqual({
      version: before.version,
      streamId: before.streamId,
      snapshot: before.snapshot,
    })
  })

  it("fills /tasks pages past the quarantined tasks, the cursor reaching each fitting task once", async () => {
    const titles = await pages("/api/v1/tasks?limit=2", (item) => item["title"])
    expect(titles).toEqual([
      ["task 0", "task 1"],
      ["task 3", "task 6"],
    ])
    expect(await pages("/api/v1/tasks?limit=3&status=ready", (item) => item["title"])).toEqual([["task 0", "task 1", "task 3"], ["task 6"]])
  })

  it("shows the quarantined tasks marked in /actors pages, and pages the quarantined listing", async () => {
    const marked = await pages("/api/v1/actors?kind=task&limit=3", (item) => [item["id"], item["quarantined"] !== null])
    expect(marked).toEqual([
      [
        [ids[0], false],
        [ids[1], false],
        [ids[2], true],
      ],
      [
        [ids[3], false],
        [ids[4], true],
        [ids[5], true],
      ],
      [[ids[6], false]],
    ])
    expect(await pages("/api/v1/actors?quarantined=1&limit=2", (item) => item["id"])).toEqual([[ids[2], ids[4]], [ids[5]]])
  })
})
