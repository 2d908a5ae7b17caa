// One ranking everywhere an agent is picked (docs/coordination.md, "Routing and its score"): the idle agents the
// routing sweep repairs are ranked by the routing score `POST /agents/route` explains, not by their free slots, and
// an agent whose breaker opens leaves the idle agents at once, so no wake-up offers it a task it would refuse.
// A real runtime (its own sweep turned off: the test runs the sweep itself) on real Redis and Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createRouter, type Router } from "../../../src/runtime/router.ts"
import { waitFor } from "../../support/runtime.ts"
import { oneShotTask, registerOnline } from "../../support/agents-http.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

/** The sweep's wait: a task ready for longer than this is looked at again. */
const WAIT_MS = 2_000

describe("the ranking the router uses", () => {
  let t: TestEdge
  let router: Router
  beforeAll(async () => {
    t = await testEdge({ tuning: { sweepMs: 3_600_000 } })
    router = createRouter({
      sql: t.deployment.schema.sql,
      redis: t.deployment.redis,
      keys: t.deployment.keys,
      appendEach: t.deployment.appendEach,
      clock: Date.now,
    })
  })
  afterAll(async () => {
    await t?.close()
  })

  const register = (name: string, capability: string, maxConcurrency: number) =>
    registerOnline(t.api, { name, capabilities: [capability], max_concurrency: maxConcurrency })
  const task = (capability: string): Promise<string> => oneShotTask(t.api, capability)
  /** Runs one task on `agent` (the only one able to take it) to a failure. */
  const failOne = async (agent: { id: string; token: string }, capability: string) => {
    const id = await task(capability)
    const assigned = await t.deployment.actor("task", id, (row) => row.state === "assigned")
    expect(assigned.agentId).toBe(agent.id)
    expect((await t.api.post(`/api/v1/tasks/${id}/start?wait=1`, {}, { token: agent.token })).status).toBe(200)
    expect((await t.api.post(`/api/v1/tasks/${id}/fail?wait=1`, { error: "boom" }, { token: agent.token })).status).toBe(200)
  }

  it("the sweep offers a waiting task to the idle agent the route explanation ranks first (success rate over free slots)", async () => {
    const capability = "sweep-rank"
    // shaky has two free slots but failed its one task; steady has one slot and no failure.
    const shaky = await register("shaky", capability, 2)
    await failOne(shaky, capability)
    await t.deployment.actor("agent", shaky.id, (row) => row.freeCapacity === 2)
    const steady = await register("steady", capability, 1)

    const explained = await t.api.post("/api/v1/agents/route", { capabilities: [capability] })
    expect(explained.body).toMatchObject({ agent_id: steady.id, reason: null })
    expect(explained.body.candidates.map((candidate: { name: string; score: number }) => [candidate.name, candidate.score])).toEqual([
      ["steady", 1],
      ["shaky", 0.75],
    ])

    // The idle agents of the capability were lost (the state the sweep repairs): a new task waits in its queue.
    await t.deployment.redis.del(t.deployment.keys.idle(capability))
    const id = await task(capability)
    await t.deployment.actor("task", id, (row) => row.state === "ready")
    expect(await router.sweep(Date.now() + WAIT_MS + 1_000, WAIT_MS)).toBeGreaterThanOrEqual(1)
    const assigned = await t.deployment.actor("task", id, (row) => row.state === "assigned")
    expect(assigned.agentId).toBe(explained.body.agent_id)
  })

  it("an agent whose breaker opens leaves the idle agents, and a new task goes to one that can take it", async () => {
    const capability = "sweep-breaker"
    const idle = t.deployment.keys.idle(capability)
    const flaky = await register("flaky", capability, 2)
    for (let n = 0; n < 4; n += 1) await failOne(flaky, capability)
    // Four failures: still closed, and idle with both slots free.
    await waitFor("flaky idle", async () => ((await t.deployment.redis.zscore(idle, flaky.id)) === null ? undefined : true))
    await failOne(flaky, capability)
    await t.deployment.actor("agent", flaky.id, (row) => (row.snapshot as { context: { breaker: string } }).context.breaker === "open")
    await waitFor("flaky no longer idle", async () => ((await t.deployment.redis.zscore(idle, flaky.id)) === null ? true : undefined))

    const able = await register("able", capability, 1)
    expect((await t.api.post("/api/v1/agents/route", { capabilities: [capability] })).body).toMatchObject({ agent_id: able.id })
    const id = await task(capability)
    const assigned = await t.deployment.actor("task", id, (row) => row.state === "assigned")
    expect(assigned.agentId).toBe(able.id)
  })
})
