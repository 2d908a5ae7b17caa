// Commands whose verdict does not arrive within the wait (no runtime is running): creations and
// commands answer 202 (accepted, verdict pending), the agent's token is still shown, and once a
// runtime starts the accepted commands are applied.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { httpClient, testEdge, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const STREAM_ID = /^\d+-\d+$/

describe("verdicts still pending", () => {
  let t: TestEdge

  beforeAll(async () => {
    t = await testEdge({ runtime: false, limits: { waitMs: 300 } })
  })
  afterAll(async () => {
    await t?.close()
  })

  it("answers 202 for creations and commands, which apply once a runtime runs", async () => {
    const agent = await t.api.post("/api/v1/agents", { name: "patient", capabilities: ["p"] })
    expect(agent.status).toBe(202)
    expect(agent.body).toMatchObject({
      id: expect.stringMatching(UUID),
      token: expect.any(String),
      status: null,
      stream_id: expect.stringMatching(STREAM_ID),
    })
    const session = await t.api.post("/api/v1/sessions", { title: "later", tasks: [{ key: "a", title: "A", capability: "p" }] })
    expect(session.status).toBe(202)
    expect(session.body).toMatchObject({ status: null, tasks: [{ key: "a", id: expect.stringMatching(UUID) }] })
    const start = await t.api.post(`/api/v1/sessions/${session.body.id}/start?wait=1`)
    expect(start.status).toBe(202)
    expect(start.body).toEqual({ id: session.body.id, stream_id: expect.stringMatching(STREAM_ID) })
    expect((await t.api.get(`/api/v1/agents/${agent.body.id}`)).status).toBe(404)

    await t.deployment.startRuntime()
    await waitFor("the session queued (no agent online to take its task)", async () =>
      (await t.api.get(`/api/v1/sessions/${session.body.id}`)).body.status === "queued" ? true : undefined,
    )
    const beat = await httpClient(t.url, agent.body.token).post(`/api/v1/agents/${agent.body.id}/heartbeat?wait=1`, {})
    expect(beat.body).toMatchObject({ state: "online" })
  })
})
