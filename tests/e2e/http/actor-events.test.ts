// `POST /api/v1/actors/{kind}/{id}/events` (PROTOCOL v1.1): the operator sends one event of an actor
// kind's command set to a live actor; it goes through the inbox, is recorded with `by: "operator"`,
// and a machine's refusal, a bad event or a missing actor is the answer with nothing written.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inboxAppends, testEdge, type TestEdge } from "../../support/edge.ts"

describe("operator events to an actor", () => {
  let t: TestEdge
  let agentId: string
  let viewer: string

  beforeAll(async () => {
    t = await testEdge()
    const agent = await t.api.post("/api/v1/agents", { name: "target", capabilities: ["ev-target"] })
    agentId = agent.body.id
    expect((await t.api.post(`/api/v1/agents/${agentId}/heartbeat?wait=1`, {}, { token: agent.body.token })).status).toBe(200)
    viewer = (await t.api.post("/api/v1/viewer-tokens", { name: "events" })).body.token
  })
  afterAll(async () => {
    await t?.close()
  })

  /** The actor's version and its number of recorded transitions: what a refused event must leave as it was. */
  const written = async (kind: string, id: string) => ({
    version: (await t.api.get(`/api/v1/actors/${kind}/${id}`)).body.version as number,
    transitions: ((await t.api.get(`/api/v1/actors/${kind}/${id}/history`)).body.transitions as unknown[]).length,
  })

  it("applies an event of the kind's command set and records it as the operator's", async () => {
    const sent = await t.api.post(`/api/v1/actors/agent/${agentId}/events?wait=1`, { type: "DRAIN" })
    expect(sent.status).toBe(200)
    expect(sent.body).toMatchObject({ id: agentId, state: "draining" })
    const history = (await t.api.get(`/api/v1/actors/agent/${agentId}/history`)).body.transitions as Array<Record<string, unknown>>
    expect(history.at(-1)).toMatchObject({ event: "DRAIN", to: "draining", by: "operator" })
    const resumed = await t.api.post(`/api/v1/actors/agent/${agentId}/events?wait=1`, { type: "UNDRAIN", payload: {} })
    expect(resumed.body).toMatchObject({ id: agentId, state: "online" })
  })

  it("answers the machine's refusal with 409 and its reason, and writes nothing", async () => {
    const task = await t.api.post("/api/v1/tasks", { title: "waits", capability: "nobody-has-it" })
    const before = await written("task", task.body.id)
    const refused = await t.api.post(`/api/v1/actors/task/${task.body.id}/events?wait=1`, {
      type: "COMPLETE",
      payload: { agent_id: agentId },
    })
    expect(refused.status).toBe(409)
    expect(refused.body.error).toEqual({ code: "conflict", message: "COMPLETE is not accepted while the task is ready" })
    expect(await written("task", task.body.id)).toEqual(before)
  })

  it("refuses an event outside the kind's command set, or a bad payload, naming the field, and appends nothing", async () => {
    const appended = await inboxAppends(t.deployment)
    const unknown = await t.api.post(`/api/v1/actors/agent/${agentId}/events`, { type: "LAUNCH" })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toEqual({
      code: "validation_failed",
      message:
        'type: expected one of "CREATE", "CONNECT", "HEARTBEAT", "HEARTBEAT_EXPIRED", "DISCONNECT", "RESERVE", "GIVEN", "RELEASE", "DRAIN", "UNDRAIN", "BREAKER_COOLDOWN", "DEREGISTER", got "LAUNCH"',
    })
    const badField = await t.api.post(`/api/v1/actors/agent/${agentId}/events`, { type: "HEARTBEAT", payload: { lode: 1 } })
    expect(badField.status).toBe(400)
    expect(badField.body.error).toEqual({ code: "validation_failed", message: "payload.lode: unknown field" })
    const noType = await t.api.post(`/api/v1/actors/agent/${agentId}/events`, { payload: {} })
    expect(noType.body.error).toEqual({ code: "validation_failed", message: "type: is missing" })
    expect(await inboxAppends(t.deployment)).toBe(appended)
  })

  it("answers 404 for an actor that does not exist and 403 for a viewer, appending nothing", async () => {
    const appended = await inboxAppends(t.deployment)
    const missing = randomUUID()
    const absent = await t.api.post(`/api/v1/actors/session/${missing}/events`, { type: "START" })
    expect(absent.status).toBe(404)
    expect(absent.body.error).toEqual({ code: "not_found", message: `session ${missing} does not exist` })
    const byViewer = await t.api.post(`/api/v1/actors/agent/${agentId}/events`, { type: "DRAIN" }, { token: viewer })
    expect(byViewer.status).toBe(403)
    expect(await inboxAppends(t.deployment)).toBe(appended)
  })
})
