// Explained routing over HTTP on a real runtime (docs/coordination.md): POST /agents/route scores
// every candidate with the router's formula and says why each one lost; the runtime's own choice (by the
// actors, through the stream) matches the pick; an open breaker is skipped; a task no agent can run waits
// until a capable bot (an SDK bot) joins over its WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { connectBot, type AssignedTask } from "../../../src/client/node.ts"
import { deferred } from "../client/support.ts"

describe("explained routing", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  const register = async (name: string, capabilities: string[], online = true) => {
    const agent = (await t.api.post("/api/v1/agents", { name, capabilities, max_concurrency: 2 })).body as { id: string; token: string }
    if (online) expect((await t.api.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {}, { token: agent.token })).status).toBe(200)
    return agent
  }
  const task = async (capability: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const created = await t.api.post("/api/v1/tasks", { title: `a ${capability} task`, capability, ...extra })
    expect(created.status).toBe(201)
    return created.body.id as string
  }
  const route = (body: Record<string, unknown>) => t.api.post("/api/v1/agents/route", body)

  it("picks the best-scored agent that can take work, explains every other one, and the runtime assigns to the same agent", async () => {
    const specialist = await register("specialist", ["code"])
    const generalist = await register("generalist", ["code", "review", "test", "deploy"])
    // offline: listed by name below
    await register("sleeper", ["code"], false)
    const drained = await register("drained", ["code"])
    expect((await t.api.post(`/api/v1/agents/${drained.id}/drain?wait=1`)).status).toBe(200)
    const skipped = await register("skipped", ["code", "review"])

    const answer = await route({ capabilities: ["code"], exclude: [skipped.id] })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ capabilities: ["code"], group: null, agent_id: specialist.id, reason: null, truncated: false })
    expect(answer.body.weights).toEqual({ fit: 0.35, load: 0.25, success: 0.25, availability: 0.15 })
    const byName = Object.fromEntries((answer.body.candidates as Array<{ name: string }>).map((candidate) => [candidate.name, candidate]))
    expect(byName["specialist"]).toEqual({
      agent_id: specialist.id,
      name: "specialist",
      status: "online",
      score: 1,
      factors: { fit: 1, load: 1, success: 1, availability: 1 },
      picked: true,
      reason: null,
    })
    expect(byName["generalist"]).toMatchObject({ score: 0.7375, picked: false, reason: "scored 0.7375 against specialist's 1" })
    expect(byName["sleeper"]).toMatchObject({ status: "offline", reason: "it is offline" })
    expect(byName["drained"]).toMatchObject({ status: "draining", reason: "it is draining" })
    expect(byName["skipped"]).toMatchObject({ reason: "excluded by the request" })

    // The actors decide through the stream: the new task goes to the agent the answer picked.
    const id = await task("code")
    const assigned = await t.deployment.actor("task", id, (row) => row.state === "assigned")
    expect(assigned.agentId).toBe(specialist.id)
    expect(generalist.id).not.toBe(specialist.id)
  })

  it("skips an agent whose circuit breaker opened after its failures", async () => {
    const flaky = await register("flaky", ["flaky"])
    for (let i = 0; i < 5; i += 1) {
      const id = await task("flaky", { max_attempts: 1 })
      await t.deployment.actor("task", id, (row) => row.state === "assigned")
      expect((await t.api.post(`/api/v1/tasks/${id}/start?wait=1`, {}, { token: flaky.token })).status).toBe(200)
      expect((await t.api.post(`/api/v1/tasks/${id}/fail?wait=1`, { error: "boom" }, { token: flaky.token })).status).toBe(200)
    }
    await t.deployment.actor("agent", flaky.id, (row) => (row.snapshot as { context: { breaker: string } }).context.breaker === "open")
    const answer = await route({ capabilities: ["flaky"] })
    expect(answer.body).toMatchObject({ agent_id: null, reason: "no candidate can take work now" })
    expect(answer.body.candidates[0]).toMatchObject({
      agent_id: flaky.id,
      picked: false,
      reason: expect.stringContaining("circuit breaker is open"),
    })
    expect(answer.body.candidates[0].factors.success).toBe(0)
  })

  it("has no pick for a capability nobody offers, and the waiting task goes to a capable bot as soon as it joins", async () => {
    await register("other", ["other"])
    const id = await task("rare")
    expect((await route({ capabilities: ["rare"] })).body).toMatchObject({
      agent_id: null,
      reason: "no registered agent offers rare",
      candidates: [],
    })
    expect((await t.api.get(`/api/v1/tasks/${id}`)).body.status).toBe("ready")

    const capable = await register("capable", ["rare"], false)
    const assigned = deferred<AssignedTask>()
    const bot = connectBot({ url: t.url, token: capable.token }).handle("rare", (task) => assigned.resolve(task))
    expect(await assigned.promise).toMatchObject({ task_id: id, capability: "rare", attempt: 1 })
    await bot.close()
  })

  it("says when the group is at its max_in_flight, and refuses a bad question (400) writing nothing", async () => {
    await register("grouped", ["grouped"])
    await t.api.request("PUT", "/api/v1/groups/full-group", { body: { max_in_flight: 0 } })
    const full = await route({ capabilities: ["grouped"], group: "full-group" })
    expect(full.body).toMatchObject({
      agent_id: null,
      group: { key: "full-group", max_in_flight: 0, in_flight: 0 },
      reason: "group full-group has 0 tasks in flight, its max_in_flight",
    })

    const empty = await route({ capabilities: [] })
    expect(empty.status).toBe(400)
    expect(empty.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("capabilities") })
    const unknown = await route({ capabilities: ["code"], weights: {} })
    expect(unknown.status).toBe(400)
  })
})
