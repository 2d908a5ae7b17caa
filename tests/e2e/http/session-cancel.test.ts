// Cancelling a session, as a user sees it (POST /sessions/{id}/cancel; PROTOCOL: lifecycle commands answer `409
// conflict` when the machine refuses): accepted while the session is not at work yet or paused (pending, queued,
// paused: its unfinished tasks are cancelled, a held one taken from its bot); refused while it runs (running,
// degraded), with a message saying what to do instead (stop it, or pause and cancel), and nothing changes; refused
// in a final state. Real Redis and Postgres, bots working over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { httpBot, sessionIn, taskIn } from "./coordination-support.ts"

let t: TestEdge
let api: Client
beforeAll(async () => {
  t = await testEdge()
  api = t.api
})
afterAll(() => t?.close())

const create = async (title: string, capabilities: string[], extra: Record<string, unknown> = {}) => {
  const tasks = capabilities.map((capability, index) => ({ key: `t${index}`, title: `${title} ${index}`, capability, max_attempts: 5 }))
  const answer = await api.post("/api/v1/sessions", { title, tasks, ...extra })
  expect(answer.status).toBe(201)
  return { id: answer.body.id as string, tasks: (answer.body.tasks as Array<{ id: string }>).map((task) => task.id) }
}
const cancel = (id: string) => api.post(`/api/v1/sessions/${id}/cancel?wait=1`)
const refusedWhileAtWork = async (id: string, state: "running" | "degraded") => {
  const before = (await api.get(`/api/v1/sessions/${id}`)).body
  expect(before.status).toBe(state)
  const refused = await cancel(id)
  expect(refused.status).toBe(409)
  expect(refused.body).toEqual({
    error: { code: "conflict", message: `CANCEL is not accepted while the session is ${state}: stop it, or pause it and then cancel it` },
  })
  const after = (await api.get(`/api/v1/sessions/${id}`)).body
  expect({ status: after.status, version: after.version }).toEqual({ status: state, version: before.version })
}

describe("POST /sessions/{id}/cancel", () => {
  it("is accepted while pending and while queued: the session and its unfinished tasks are cancelled", async () => {
    const pending = await create("cx-pending", ["cx-nobody"])
    expect((await cancel(pending.id)).body).toMatchObject({ id: pending.id, state: "cancelled" })
    await taskIn(api, pending.tasks[0]!, "cancelled")

    const queued = await create("cx-queued", ["cx-nobody"], { start: true })
    await sessionIn(api, queued.id, "queued")
    expect((await cancel(queued.id)).body).toMatchObject({ state: "cancelled" })
    await taskIn(api, queued.tasks[0]!, "cancelled")
    // A final state: refused.
    const again = await cancel(queued.id)
    expect(again.status).toBe(409)
    expect(again.body.error.message).toBe(`CANCEL is not allowed: session:${queued.id} is cancelled, a final state`)
  })

  it("is refused while running (nothing changes); paused, it is accepted and the held task is taken from its bot", async () => {
    const bot = await httpBot(api, t.url, "cx-run-bot", ["cx-run"])
    const { id, tasks } = await create("cx-running", ["cx-run"], { start: true })
    await taskIn(api, tasks[0]!, "assigned")
    await sessionIn(api, id, "running")
    await refusedWhileAtWork(id, "running")
    expect((await api.get(`/api/v1/tasks/${tasks[0]}`)).body).toMatchObject({ status: "assigned", agent_id: bot.id })

    expect((await api.post(`/api/v1/sessions/${id}/pause?wait=1`)).body).toMatchObject({ state: "paused" })
    expect((await cancel(id)).body).toMatchObject({ state: "cancelled" })
    expect(await taskIn(api, tasks[0]!, "cancelled")).toMatchObject({ cancel_reason: "session cancelled" })
    await waitForFreeAgent(bot.id)
  })

  it("is refused while degraded; stop ends it", async () => {
    const bot = await httpBot(api, t.url, "cx-flaky-bot", ["cx-flaky"], 2)
    const { id, tasks } = await create("cx-degraded", ["cx-flaky", "cx-flaky"], { start: true })
    const [flaky, solid] = tasks
    // solid completes; flaky fails three times (retried with backoff): 4 ended attempts, 3 failed, health 0.25
    await bot.work(solid!, "complete")
    for (let failures = 0; failures < 3; failures += 1) await bot.work(flaky!, "fail")
    await sessionIn(api, id, "degraded", 30_000)
    await refusedWhileAtWork(id, "degraded")
    expect((await api.post(`/api/v1/sessions/${id}/stop?wait=1`)).body).toMatchObject({ state: "stopped" })
  }, 60_000)
})

const waitForFreeAgent = async (agentId: string) => {
  await waitFor("the agent freed", async () =>
    ((await api.get(`/api/v1/agents/${agentId}`)).body.inflight as string[]).length === 0 ? true : undefined,
  )
}
