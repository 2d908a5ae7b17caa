// Approvals over HTTP on a real runtime: a task created with requires_approval waits in awaiting_approval; the
// operator approves it (it is routed to an agent), rejects it (cancelled with the reason) or lets its
// approval_timeout_s reject it by itself; refusals with their exact bodies, and nothing written by them.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"

const STREAM_ID = /^\d+-\d+$/

describe("task approvals over HTTP", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  const awaiting = async (extra: Record<string, unknown> = {}): Promise<string> => {
    const created = await t.api.post("/api/v1/tasks", { title: "deploy", capability: "deploy", requires_approval: true, ...extra })
    expect(created.status).toBe(201)
    expect(created.body.status).toBe("awaiting_approval")
    return created.body.id as string
  }
  const read = async (id: string) => (await t.api.get(`/api/v1/tasks/${id}`)).body

  it("approved: ready at once and routed to an agent that offers its capability", async () => {
    const agent = (await t.api.post("/api/v1/agents", { name: "deployer", capabilities: ["deploy"] })).body
    const id = await awaiting()
    expect(await read(id)).toMatchObject({ status: "awaiting_approval", requires_approval: true, approved_at: null, agent_id: null })
    expect((await t.api.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {}, { token: agent.token })).status).toBe(200)

    const approved = await t.api.post(`/api/v1/tasks/${id}/approve?wait=1`)
    expect(approved.status).toBe(200)
    expect(approved.body).toEqual({ id, state: "ready", stream_id: expect.stringMatching(STREAM_ID) })
    const assigned = await t.deployment.actor("task", id, (row) => row.state === "assigned")
    expect(assigned.agentId).toBe(agent.id)
    expect((await read(id)).approved_at).toEqual(expect.any(String))
  })

  it("rejected: cancelled with the reason given", async () => {
    const id = await awaiting()
    const rejected = await t.api.post(`/api/v1/tasks/${id}/reject?wait=1`, { reason: "not during the freeze" })
    expect(rejected.body).toEqual({ id, state: "cancelled", stream_id: expect.stringMatching(STREAM_ID) })
    expect(await read(id)).toMatchObject({ status: "cancelled", cancel_reason: "not during the freeze" })
  })

  it("timed out: approval_timeout_s rejects it by itself (a durable timer)", async () => {
    const id = await awaiting({ approval_timeout_s: 1 })
    const cancelled = await t.deployment.actor("task", id, (row) => row.state === "cancelled")
    expect(cancelled.snapshot).toMatchObject({ context: { cancelReason: "approval timed out" } })
    expect((await t.deployment.transitions("task", id)).at(-1)).toMatchObject({
      event: "APPROVAL_TIMEOUT",
      from: "awaiting_approval",
      to: "cancelled",
    })
  })

  it("refuses approving a task that does not wait for it (409), an agent's approval (403), and bad fields (400), changing nothing", async () => {
    const ready = await t.api.post("/api/v1/tasks", { title: "plain", capability: "nobody-here" })
    const id = ready.body.id as string
    const before = await read(id)
    const conflict = await t.api.post(`/api/v1/tasks/${id}/approve`)
    expect(conflict.status).toBe(409)
    expect(conflict.body).toEqual({ error: { code: "conflict", message: "APPROVE is not accepted while the task is ready" } })

    const agent = (await t.api.post("/api/v1/agents", { name: "sneaky", capabilities: ["x"] })).body
    const waiting = await awaiting()
    const forbidden = await t.api.post(`/api/v1/tasks/${waiting}/approve`, undefined, { token: agent.token })
    expect(forbidden.status).toBe(403)
    const badReason = await t.api.post(`/api/v1/tasks/${waiting}/reject`, { reason: 5 })
    expect(badReason.status).toBe(400)
    expect(badReason.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("reason") })
    // The refused entry moves the task's stream position only: same state, same version.
    expect(await read(id)).toMatchObject({ status: "ready", version: before.version, approved_at: null })
    expect(await read(waiting)).toMatchObject({ status: "awaiting_approval", version: 1 })

    const tasksBefore = (await t.api.get("/api/v1/tasks?limit=200")).body.items.length
    const badTimeout = await t.api.post("/api/v1/tasks", {
      title: "t",
      capability: "deploy",
      requires_approval: true,
      approval_timeout_s: 0,
    })
    expect(badTimeout.status).toBe(400)
    expect(badTimeout.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("approval_timeout_s") })
    expect((await t.api.get("/api/v1/tasks?limit=200")).body.items.length).toBe(tasksBefore)
  })
})
