// The router's reads: ready tasks for a set of capabilities (priority, then age) and the online
// agents that have a capability (least loaded first).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { candidateAgents, readyTasksFor } from "../../../src/store/queries.ts"
import { type SnapshotWrite, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { row, sid } from "./fixtures.ts"

let pg: TestSchema
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)

beforeAll(async () => {
  pg = await freshSchema()
  const task = (id: string, state: string, ms: number, capability: string, priority: number): SnapshotWrite =>
    row("task", id, state, sid(T0 + ms), { capability, priority })
  const agent = (id: string, state: string, capabilities: string[], load: number, freeCapacity: number): SnapshotWrite =>
    row("agent", id, state, sid(T0), { capabilities, load, freeCapacity })
  const result = await writeBatch(pg.sql, {
    partition: 0,
    fence: 1,
    rows: [
      task("code-p2-old", "ready", 0, "code", 2),
      task("code-p2-new", "ready", 5000, "code", 2),
      task("code-p0", "ready", 9000, "code", 0),
      task("review-p1", "ready", 1000, "review", 1),
      task("deploy-p0", "ready", 0, "deploy", 0),
      task("code-assigned", "assigned", 0, "code", 0),
      agent("a-busy-slot", "online", ["code"], 0.9, 1),
      agent("a-idle", "online", ["code", "review"], 0, 2),
      agent("a-half", "online", ["review", "code"], 0.5, 1),
      agent("a-full", "online", ["code"], 1, 0),
      agent("a-offline", "offline", ["code"], 0, 1),
      agent("a-draining", "draining", ["code"], 0, 1),
      agent("a-deploy", "online", ["deploy"], 0, 1),
    ],
    transitions: [],
  })
  expect(result._tag).toBe("Written")
})
afterAll(() => pg.drop())

const ids = (actors: { id: string }[]) => actors.map((actor) => actor.id)

describe("readyTasksFor", () => {
  it("returns ready tasks needing one of the capabilities, most urgent first, then oldest", async () => {
    expect(ids(await readyTasksFor(pg.sql, ["code", "review"], 10))).toEqual([
      "code-p0",
      "review-p1",
      "code-p2-old",
      "code-p2-new",
    ])
  })

  it("stops at the limit and finds nothing for an unknown capability", async () => {
    expect(ids(await readyTasksFor(pg.sql, ["code"], 2))).toEqual(["code-p0", "code-p2-old"])
    expect(await readyTasksFor(pg.sql, ["painting"], 10)).toEqual([])
  })
})

describe("candidateAgents", () => {
  it("returns online agents with the capability and free capacity, least loaded first", async () => {
    expect(ids(await candidateAgents(pg.sql, "code"))).toEqual(["a-idle", "a-half", "a-busy-slot"])
    expect(ids(await candidateAgents(pg.sql, "review"))).toEqual(["a-idle", "a-half"])
    expect(ids(await candidateAgents(pg.sql, "code", 1))).toEqual(["a-idle"])
    expect(await candidateAgents(pg.sql, "painting")).toEqual([])
  })
})
