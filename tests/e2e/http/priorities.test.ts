// Priorities honoured through the public API (issue 9, "Explained routing"): with one bot busy, ready tasks of
// priorities 4, 2 and 0 created in that order are handed to it most urgent first (0 critical … 4 deferred), and
// `POST /agents/route` is not needed for it: the ready queue orders them. Real Redis and Postgres, a bot over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { httpBot, taskIn } from "./coordination-support.ts"

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(() => t?.close())

const task = async (title: string, priority: number): Promise<string> => {
  const created = await t.api.post("/api/v1/tasks", { title, capability: "prio", priority })
  expect(created.status).toBe(201)
  return created.body.id as string
}

describe("priorities", () => {
  it("hand the waiting tasks to a freed bot most urgent first, whatever the order they were created in", async () => {
    const bot = await httpBot(t.api, t.url, "prio-bot", ["prio"])
    const first = await task("holds the bot", 2)
    await taskIn(t.api, first, "assigned")
    const deferred = await task("deferred", 4)
    const normal = await task("normal", 2)
    const critical = await task("critical", 0)
    for (const id of [deferred, normal, critical]) expect((await t.api.get(`/api/v1/tasks/${id}`)).body.status).toBe("ready")

    const order: string[] = []
    await bot.work(first, "complete")
    for (let n = 0; n < 3; n += 1) {
      const next = await waitAssigned([deferred, normal, critical].filter((id) => !order.includes(id)))
      order.push(next)
      await bot.work(next, "complete")
    }
    expect(order).toEqual([critical, normal, deferred])
  })
})

/** The one of `ids` that gets assigned (the bot has one slot: exactly one at a time). */
const waitAssigned = async (ids: string[]): Promise<string> => {
  for (let tries = 0; tries < 400; tries += 1) {
    const views = await Promise.all(ids.map(async (id) => (await t.api.get(`/api/v1/tasks/${id}`)).body))
    const assigned = views.filter((view) => view.status === "assigned")
    expect(assigned.length).toBeLessThanOrEqual(1)
    if (assigned[0]) return assigned[0].id as string
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error("no task assigned")
}
