// A slot freed in a group at its max_in_flight wakes the idle bots of another capability with a task of that
// group waiting, at once: the runtime's routing sweep is turned off here, so nothing else could hand it out.
// Real WebSocket bots on a real runtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { ofType, TestClient } from "../sockets/client.ts"

describe("a freed group slot", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge({ tuning: { sweepMs: 3_600_000 } })
  })
  afterAll(async () => {
    await t?.close()
  })

  const bot = async (capability: string) => {
    const agent = (await t.api.post("/api/v1/agents", { name: `bot-${capability}`, capabilities: [capability] })).body
    const client = await TestClient.open(`ws://127.0.0.1:${t.edge.port}/ws/control?token=${agent.token}`)
    await client.next(ofType("connected"))
    await t.deployment.actor("agent", agent.id, (row) => row.state === "online")
    return { id: agent.id as string, client }
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
    const assigned = await builder.client.next(ofType("task_assigned"))
    expect(assigned.payload["task_id"]).toBe(build)
    const test = await task("wake-test")
    await t.deployment.actor("task", test, (row) => row.state === "ready")
    expect((await t.api.get("/api/v1/groups/wake-tenant")).body).toMatchObject({ max_in_flight: 1, in_flight: 1 })
    expect(tester.client.frames.filter((frame) => frame.type === "task_assigned")).toEqual([])

    builder.client.send({ type: "task_started", payload: { task_id: build } })
    builder.client.send({ type: "task_complete", payload: { task_id: build, success: true } })
    const woken = await tester.client.next(ofType("task_assigned"))
    expect(woken.payload["task_id"]).toBe(test)
    expect((await t.api.get(`/api/v1/tasks/${build}`)).body.status).toBe("completed")
    await builder.client.close()
    await tester.client.close()
  })
})
