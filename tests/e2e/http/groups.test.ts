// Groups end to end, with SDK bots (connectBot) on a real runtime: two groups of very different sizes share
// one bot fairly (round-robin within a priority), and a group's max_in_flight holds while its bot has free
// slots; PUT /groups/{key} and its reads, refusals with their exact bodies, nothing written by them.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { connectBot } from "../../../src/client/node.ts"

describe("groups", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  /**
   * An SDK bot of a new agent: the tasks its handler was given, in order, and a wait for them to
   * satisfy a predicate. With `hold`, each handler waits until `finish(taskId)`, else it completes at once.
   */
  const bot = async (capability: string, maxConcurrency = 1, hold = false) => {
    const agent = (
      await t.api.post("/api/v1/agents", { name: `bot-${capability}`, capabilities: [capability], max_concurrency: maxConcurrency })
    ).body
    const handled: string[] = []
    const checks = new Set<() => void>()
    const finishers = new Map<string, () => void>()
    const client = connectBot({ url: t.url, token: agent.token as string }).handle(capability, (task) => {
      handled.push(task.task_id)
      for (const check of [...checks]) check()
      return hold ? new Promise<void>((resolve) => finishers.set(task.task_id, resolve)) : undefined
    })
    await client.connected()
    const until = (predicate: (handled: ReadonlyArray<string>) => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!predicate(handled)) return
          checks.delete(check)
          resolve()
        }
        checks.add(check)
        check()
      })
    return { id: agent.id as string, client, handled, until, finish: (taskId: string) => finishers.get(taskId)?.() }
  }
  const batch = async (tasks: ReadonlyArray<Record<string, unknown>>): Promise<string[]> => {
    const answer = await t.api.post("/api/v1/tasks/batch", { tasks })
    expect(answer.status).toBe(202)
    return (answer.body.items as Array<{ id: string }>).map((item) => item.id)
  }
  const ready = (ids: ReadonlyArray<string>) => Promise.all(ids.map((id) => t.deployment.actor("task", id, (row) => row.state === "ready")))

  it("shares one bot fairly between a group of 200 tasks and a group of 5 queued after them", async () => {
    // In batches of 50: each request is answered within the edge's budget even on a loaded machine.
    const big: string[] = []
    for (let part = 0; part < 4; part += 1) {
      big.push(
        ...(await batch(
          Array.from({ length: 50 }, (_, i) => ({ title: `big ${part * 50 + i}`, capability: "fair", group: "tenant-big" })),
        )),
      )
    }
    const small = await batch(Array.from({ length: 5 }, (_, i) => ({ title: `small ${i}`, capability: "fair", group: "tenant-small" })))
    await ready([...big, ...small])

    const worker = await bot("fair")
    await worker.until((handled) => handled.length >= 12)
    const order = worker.handled.slice(0, 12)
    // Round-robin: every task of the small group within the first dozen, alternating with the big one's.
    expect(order.filter((id) => small.includes(id)).sort()).toEqual([...small].sort())
    expect(order.slice(0, 10).filter((id) => small.includes(id))).toHaveLength(5)
    await worker.client.close({ timeoutMs: 100 })
  })

  it("holds a group to its max_in_flight while its bot has free slots, and hands out the next once one finishes", async () => {
    const put = await t.api.request("PUT", "/api/v1/groups/repo-capped", { body: { max_in_flight: 1 } })
    expect(put.status).toBe(200)
    expect(put.body).toEqual({ key: "repo-capped", max_in_flight: 1, in_flight: 0, updated_at: expect.any(String) })

    const capped = await batch(Array.from({ length: 3 }, (_, i) => ({ title: `capped ${i}`, capability: "capped", group: "repo-capped" })))
    await ready(capped)
    const [other] = await batch([{ title: "other", capability: "capped", group: "repo-other" }])
    await ready([other!])

    const worker = await bot("capped", 3, true)
    // Both assignments of its first fill arrive, in either order (their tasks live in different partitions).
    await worker.until((handled) => handled.includes(other!) && handled.some((id) => capped.includes(id)))
    // The bot had three slots; its group allowed one of the capped tasks.
    const first = worker.handled.filter((id) => capped.includes(id))
    expect(first).toHaveLength(1)
    expect((await t.api.get("/api/v1/groups/repo-capped")).body).toMatchObject({ max_in_flight: 1, in_flight: 1 })
    const waiting = capped.filter((id) => id !== first[0])
    for (const id of waiting) expect((await t.api.get(`/api/v1/tasks/${id}`)).body.status).toBe("ready")

    const from = worker.handled.length
    worker.finish(first[0]!)
    await worker.until((handled) => handled.length > from)
    expect(waiting).toContain(worker.handled[from])

    const listed = await t.api.get("/api/v1/tasks?group=repo-capped")
    expect((listed.body.items as Array<{ id: string; group: string }>).map((task) => task.id).sort()).toEqual([...capped].sort())
    expect((await t.api.get("/api/v1/groups")).body.items).toContainEqual(expect.objectContaining({ key: "repo-capped", max_in_flight: 1 }))
    await worker.client.close({ timeoutMs: 100 })
  })

  it("answers a group never set with no cap, and lifts a cap with null", async () => {
    expect((await t.api.get("/api/v1/groups/never-set")).body).toEqual({
      key: "never-set",
      max_in_flight: null,
      in_flight: 0,
      updated_at: null,
    })
    await t.api.request("PUT", "/api/v1/groups/lifted", { body: { max_in_flight: 2 } })
    const lifted = await t.api.request("PUT", "/api/v1/groups/lifted", { body: { max_in_flight: null } })
    expect(lifted.body).toMatchObject({ key: "lifted", max_in_flight: null })
  })

  it("refuses a bad cap (400), a bad key (400) and an agent's PUT (403), writing nothing", async () => {
    const negative = await t.api.request("PUT", "/api/v1/groups/refused", { body: { max_in_flight: -1 } })
    expect(negative.status).toBe(400)
    expect(negative.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("max_in_flight") })
    const badKey = await t.api.request("PUT", "/api/v1/groups/has%20space", { body: { max_in_flight: 1 } })
    expect(badKey.status).toBe(400)
    expect(badKey.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("key") })
    const agent = (await t.api.post("/api/v1/agents", { name: "not-allowed", capabilities: ["x"] })).body
    const byAgent = await t.api.request("PUT", "/api/v1/groups/refused", { body: { max_in_flight: 1 }, token: agent.token })
    expect(byAgent.status).toBe(403)
    expect(await t.deployment.schema.sql`select key from groups where key in ('refused', 'has space')`).toEqual([])
    const badTask = await t.api.post("/api/v1/tasks", { title: "t", capability: "x", group: "no/slash" })
    expect(badTask.status).toBe(400)
    expect(badTask.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("group") })
  })
})
