// The half-open breaker against a real deployment (in-process runtime, real Redis and Postgres, the HTTP API), with
// its cool-down configured short (CLAWBOT_BREAKER_COOLDOWN_MS: the edge's `breakerCooldownMs`, given to each agent
// it registers): five failures open an agent's breaker; no task is offered to it until the cool-down has passed;
// then exactly one probe task is, while a second ready task waits; the probe's success closes the breaker (the
// second task is offered only then), its failure opens it again for another cool-down.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { oneShotTask, registerOnline } from "../../support/agents-http.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

const COOLDOWN_MS = 1_500

type Agent = { id: string; token: string }
type AgentContext = { breaker?: string; breakerOpenedAt?: number; breakerCooldownMs?: number; inflight?: string[]; probeTaskId?: string }
type TaskContext = { agentId?: string; assignedAt?: number; finishedAt?: number }

let t: TestEdge
beforeAll(async () => {
  t = await testEdge({ limits: { breakerCooldownMs: COOLDOWN_MS } })
})
afterAll(() => t?.close())

const register = (capability: string): Promise<Agent> =>
  registerOnline(t.api, { name: capability, capabilities: [capability], max_concurrency: 2, heartbeat_interval_ms: 60_000 })
const task = (capability: string): Promise<string> => oneShotTask(t.api, capability)
const agentContext = async (id: string, until?: (context: AgentContext) => boolean): Promise<AgentContext> => {
  const row = await t.deployment.actor("agent", id, until && ((row) => until((row.snapshot as { context: AgentContext }).context)))
  return (row.snapshot as { context: AgentContext }).context
}
const taskContext = async (id: string, state: string): Promise<TaskContext> =>
  ((await t.deployment.actor("task", id, (row) => row.state === state)).snapshot as { context: TaskContext }).context
const run = async (agent: Agent, id: string, outcome: "complete" | "fail") => {
  expect((await t.api.post(`/api/v1/tasks/${id}/start?wait=1`, {}, { token: agent.token })).status).toBe(200)
  const body = outcome === "fail" ? { error: "boom" } : { result: "ok" }
  expect((await t.api.post(`/api/v1/tasks/${id}/${outcome}?wait=1`, body, { token: agent.token })).status).toBe(200)
}
/** Opens `agent`'s breaker: five of its tasks fail in a row. Answers when it opened. */
const openBreaker = async (agent: Agent, capability: string): Promise<number> => {
  for (let n = 0; n < 5; n += 1) {
    const id = await task(capability)
    expect((await taskContext(id, "assigned")).agentId).toBe(agent.id)
    await run(agent, id, "fail")
  }
  const opened = await agentContext(agent.id, (context) => context.breaker === "open")
  expect(opened.breakerCooldownMs).toBe(COOLDOWN_MS)
  return opened.breakerOpenedAt ?? Number.NaN
}
/** The first of `ids` assigned, and the others. */
const firstAssigned = (ids: string[]) =>
  waitFor("a task assigned", async () => {
    const views = await Promise.all(ids.map(async (id) => (await t.api.get(`/api/v1/tasks/${id}`)).body))
    const assigned = views.filter((view) => view.status === "assigned")
    return assigned.length === 0 ? undefined : { assigned: assigned.map((view) => view.id as string), views }
  })

describe("a half-open breaker", () => {
  it("after the configured cool-down admits exactly one probe; its success closes the breaker, and only then is the next task offered", async () => {
    const capability = "probe-ok"
    const agent = await register(capability)
    const openedAt = await openBreaker(agent, capability)
    const explained = await t.api.post("/api/v1/agents/route", { capabilities: [capability] })
    expect(explained.body).toMatchObject({ agent_id: null })
    expect(explained.body.candidates[0].reason).toMatch(/circuit breaker is open/)

    // Two ready tasks and two free slots: a closed breaker would take both.
    const ids = [await task(capability), await task(capability)]
    const { assigned, views } = await firstAssigned(ids)
    expect(assigned).toHaveLength(1)
    const probe = assigned[0] as string
    const waiting = ids.find((id) => id !== probe) as string
    expect(views.find((view) => view.id === waiting)?.status).toBe("ready")
    const probeTask = await taskContext(probe, "assigned")
    expect(probeTask.agentId).toBe(agent.id)
    expect(probeTask.assignedAt).toBeGreaterThanOrEqual(openedAt + COOLDOWN_MS)
    const halfOpen = await agentContext(agent.id)
    expect(halfOpen).toMatchObject({ breaker: "half_open", probeTaskId: probe, inflight: [probe] })
    const waitingForProbe = await t.api.post("/api/v1/agents/route", { capabilities: [capability] })
    expect(waitingForProbe.body.candidates[0].reason).toBe("its half-open breaker is waiting for its probe task")

    await run(agent, probe, "complete")
    const finished = await taskContext(probe, "completed")
    expect(await agentContext(agent.id, (context) => context.breaker === "closed")).toMatchObject({ breaker: "closed" })
    const next = await taskContext(waiting, "assigned")
    expect(next.agentId).toBe(agent.id)
    // Offered only once the probe's outcome was in: the half-open breaker let one task through.
    expect(next.assignedAt).toBeGreaterThanOrEqual(finished.finishedAt ?? Number.POSITIVE_INFINITY)
  })

  it("re-opens on the probe's failure, and admits the next probe only after another cool-down", async () => {
    const capability = "probe-bad"
    const agent = await register(capability)
    const openedAt = await openBreaker(agent, capability)
    const probe = await task(capability)
    const probeTask = await taskContext(probe, "assigned")
    expect(probeTask.assignedAt).toBeGreaterThanOrEqual(openedAt + COOLDOWN_MS)
    expect(await agentContext(agent.id)).toMatchObject({ breaker: "half_open", probeTaskId: probe })

    await run(agent, probe, "fail")
    const reopened = await agentContext(agent.id, (context) => context.breaker === "open")
    const reopenedAt = reopened.breakerOpenedAt ?? Number.NaN
    expect(reopenedAt).toBeGreaterThan(openedAt)
    const explained = await t.api.post("/api/v1/agents/route", { capabilities: [capability] })
    expect(explained.body.candidates[0].reason).toMatch(/circuit breaker is open/)

    const second = await task(capability)
    const secondTask = await taskContext(second, "assigned")
    expect(secondTask.agentId).toBe(agent.id)
    expect(secondTask.assignedAt).toBeGreaterThanOrEqual(reopenedAt + COOLDOWN_MS)
    expect(await agentContext(agent.id)).toMatchObject({ breaker: "half_open", probeTaskId: second })
  })
})
