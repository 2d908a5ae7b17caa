// The router's lean reads: online agents with free capacity for a capability (best routing score
// first, as the router wakes idle agents), the routing facts of some tasks, and the tasks waiting in ready for a while.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { agentsWithCapacity, taskRouting, waitingTasks } from "../../../src/store/routing.ts"
import { type SnapshotWrite, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { row, sid } from "./fixtures.ts"

let pg: TestSchema
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)

beforeAll(async () => {
  pg = await freshSchema()
  const task = (id: string, state: string, ms: number, capability: string, priority: number): SnapshotWrite =>
    row("task", id, state, sid(T0 + ms), { capability, priority })
  const agent = (id: string, state: string, capabilities: string[], routingScore: number | null, freeCapacity: number): SnapshotWrite =>
    row("agent", id, state, sid(T0), { capabilities, load: 0, freeCapacity, routingScore })
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
      agent("a-busy-slot", "online", ["code"], 0.6, 1),
      agent("a-idle", "online", ["code", "review"], 0.9, 2),
      agent("a-half", "online", ["review", "code"], 0.8, 1),
      agent("a-half-too", "online", ["code"], 0.8, 1),
      agent("a-unscored", "online", ["code"], null, 3),
      agent("a-full", "online", ["code"], null, 0),
      agent("a-offline", "offline", ["code"], null, 1),
      agent("a-draining", "draining", ["code"], null, 1),
      agent("a-deploy", "online", ["deploy"], 1, 1),
    ],
    transitions: [],
  })
  expect(result._tag).toBe("Written")
})
afterAll(() => pg.drop())

const ids = (actors: { id: string }[]) => actors.map((actor) => actor.id)

describe("agentsWithCapacity", () => {
  it("returns online agents with the capability and free capacity, best routing score first (ties: the greatest id), with their free slots", async () => {
    expect(await agentsWithCapacity(pg.sql, "code", 10)).toEqual([
      { id: "a-idle", free: 2, score: 0.9, capabilities: ["code", "review"] },
      { id: "a-half-too", free: 1, score: 0.8, capabilities: ["code"] },
      { id: "a-half", free: 1, score: 0.8, capabilities: ["review", "code"] },
      { id: "a-busy-slot", free: 1, score: 0.6, capabilities: ["code"] },
      { id: "a-unscored", free: 3, score: 0, capabilities: ["code"] },
    ])
    expect(ids(await agentsWithCapacity(pg.sql, "review", 10))).toEqual(["a-idle", "a-half"])
    expect(ids(await agentsWithCapacity(pg.sql, "code", 1))).toEqual(["a-idle"])
    expect(await agentsWithCapacity(pg.sql, "painting", 10)).toEqual([])
  })

  it("with no capability, returns every online agent with free capacity, in the same order", async () => {
    expect(ids(await agentsWithCapacity(pg.sql, undefined, 10))).toEqual([
      "a-deploy",
      "a-idle",
      "a-half-too",
      "a-half",
      "a-busy-slot",
      "a-unscored",
    ])
    expect(ids(await agentsWithCapacity(pg.sql, undefined, 2))).toEqual(["a-deploy", "a-idle"])
  })
})

describe("taskRouting", () => {
  it("answers the state, capability, priority, ready time and group of the tasks asked for", async () => {
    const facts = await taskRouting(pg.sql, ["code-p0", "code-assigned", "nope"])
    expect([...facts.keys()].sort()).toEqual(["code-assigned", "code-p0"])
    expect(facts.get("code-p0")).toEqual({ id: "code-p0", state: "ready", capability: "code", priority: 0, since: T0 + 9000, group: null })
    expect(facts.get("code-assigned")?.state).toBe("assigned")
    expect(await taskRouting(pg.sql, [])).toEqual(new Map())
  })
})

describe("waitingTasks", () => {
  it("lists tasks ready since before a time, oldest first", async () => {
    expect(ids(await waitingTasks(pg.sql, T0 + 5000, 10))).toEqual(["code-p2-old", "deploy-p0", "review-p1"])
    expect(ids(await waitingTasks(pg.sql, T0 + 60_000, 2))).toEqual(["code-p2-old", "deploy-p0"])
  })
})
