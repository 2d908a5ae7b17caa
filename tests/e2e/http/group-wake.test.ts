// A slot freed in a group at its max_in_flight wakes the idle bots of another capability with a task of that
// group waiting, at once: the runtime's routing sweep is turned off here, so nothing else could hand it out.
// SDK bots on a real runtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type AssignedTask, type Bot, connectBot } from "../../../src/client/node.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

describe("a freed group slot", () => {
  let t: TestEdge
  const bots: Bot[] = []
  beforeAll(async () => {
    t = await testEdge({ tuning: { sweepMs: 3_600_000 } })
  })
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.close({ timeoutMs: 0 })))
    await t?.close()
  })

  /** An SDK bot of a new agent of `capability`, online; its handler records each task and runs until `release`. */
  const bot = async (capability: string) => {
    const agent = (await t.api.post("/api/v1/agents", { name: `bot-${capability}`, capabilities: [capability] })).body
    const tasks: AssignedTask[] = []
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const client = connectBot({ url: t.url, token: agent.token }).handle(capability, async (task) => {
      tasks.push(task)
      await released
    })
    bots.push(client)
    await client.connected()
    await t.deployment.actor("agent", agent.id, (row) => row.state === "online")
    return { id: agent.id as string, tasks, release }
  }
  const task = async (capability: string): Promise<string> => {
    const created = await t.api.post("/api/v1/tasks", { title: capability, capability, group: "wake-tenant" })
    expect(created.status).toBe(201)
    return created.body.id as string
  }

  it("wakes the idle bot of another capability when the group's one slot frees", async () => {
    expect((await t.api.request("PUT", "/api/v1/groups/wake-tenant", { body: { max_in_flight: 1 } })).status).toBe(200)
    const builder = await bot("wake-build")
    const tester = await bot("wake-test")

    const build = await task("wake-build")
    await t.deployment.actor("task", build, (row) => row.state === "in_progress")
    expect(builder.tasks.map((assigned) => assigned.task_id)).toEqual([build])
    const test = await task("wake-test")
    await t.deployment.actor("task", test, (row) => row.state === "ready")
    expect((await t.api.get("/api/v1/groups/wake-tenant")).body).toMatchObject({ max_in_flight: 1, in_flight: 1 })
    expect(tester.tasks).toEqual([])

    // The builder's handler returns: the bot reports the task complete.
    builder.release()
    await t.deployment.actor("task", test, (row) => row.state === "in_progress")
    expect(tester.tasks.map((assigned) => assigned.task_id)).toEqual([test])
    expect((await t.api.get(`/api/v1/tasks/${build}`)).body.status).toBe("completed")
  })
})
