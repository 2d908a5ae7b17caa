// Tokens (PROTOCOL v1.1 "Tokens"; issue 8, findings 9 and 11): viewer tokens created and revoked by
// the operator (shown once, stored hashed); reads and /ws/events need a viewer or operator token
// unless CLAWBOT_PUBLIC_READS; agent token rotation; rotation and deregistration stop the old token at
// once and close the agent's control sockets with 4401 on every edge (SDK bots there stop for good
// with `unauthorized`); upgrade statuses read by ./support.ts.
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Edge } from "../../../src/edge/app.ts"
import { registerAgent } from "../../support/agents-http.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { openBot } from "../../support/open-bot.ts"
import { secondEdge, upgradeStatus } from "./support.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe("tokens", () => {
  let t: TestEdge
  let other: Edge
  let open: TestEdge
  const ws = (port: number, path: string) => `ws://127.0.0.1:${port}${path}`
  /** A connected SDK bot of the agent with `token` on the edge at `port`, and how its current socket closes. */
  const bot = async (port: number, token: string) => {
    const { client, socket } = await openBot(t, port, token)
    return { client, socketClosed: () => socket.closed }
  }
  /** Its socket was closed with 4401, and the bot stopped for good with `unauthorized`. */
  const revoked = async ({ client, socketClosed }: Awaited<ReturnType<typeof bot>>) => {
    expect((await socketClosed()).code).toBe(4401)
    await expect(client.connected()).rejects.toMatchObject({ code: "unauthorized" })
  }

  const register = (name: string) => registerAgent(t.api, { name, capabilities: ["auth"] })

  beforeAll(async () => {
    t = await testEdge()
    other = await secondEdge(t)
    open = await testEdge({ edge: { publicReads: true } })
  })
  afterAll(async () => {
    await other?.close()
    await t?.close()
    await open?.close()
  })

  it("creates a viewer token shown once and stored hashed, that reads and may not write", async () => {
    const created = await t.api.post("/api/v1/viewer-tokens", { name: "wall screen" })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      token: expect.any(String),
      name: "wall screen",
      created_at: expect.any(String),
    })
    const { token } = created.body as { token: string }
    const [stored] = await t.deployment.schema.sql<
      { token_hash: string }[]
    >`select token_hash from viewer_tokens where id = ${created.body.id}`
    expect(stored?.token_hash).toBe(createHash("sha256").update(token).digest("hex"))

    expect((await t.api.get("/api/v1/sessions", { token })).status).toBe(200)
    const write = await t.api.post("/api/v1/tasks", { title: "t", capability: "auth" }, { token })
    expect(write.status).toBe(403)
    expect(write.body).toEqual({ error: { code: "forbidden", message: "a viewer token may only read" } })
    expect(await upgradeStatus(ws(t.edge.port, `/ws/events?topics=agents&token=${token}`))).toBe(101)
  })

  it("revokes a viewer token at once on every edge; a second revocation is 404", async () => {
    const { id, token } = (await t.api.post("/api/v1/viewer-tokens", {})).body as { id: string; token: string }
    expect((await t.api.get("/api/v1/agents", { token })).status).toBe(200)
    const otherApi = `http://127.0.0.1:${other.port}/api/v1/agents`
    expect((await fetch(otherApi, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)

    expect(await t.api.delete(`/api/v1/viewer-tokens/${id}`)).toMatchObject({ status: 200, body: { id, revoked: true } })
    expect((await t.api.get("/api/v1/agents", { token })).body).toEqual({
      error: { code: "unauthorized", message: "Authorization: unknown or revoked token" },
    })
    await expect.poll(async () => (await fetch(otherApi, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    expect((await t.api.delete(`/api/v1/viewer-tokens/${id}`)).status).toBe(404)
  })

  it("lets only the operator create and revoke viewer tokens", async () => {
    const viewer = (await t.api.post("/api/v1/viewer-tokens", {})).body.token as string
    const agent = await register("not-an-operator")
    for (const token of [viewer, agent.token]) {
      expect((await t.api.post("/api/v1/viewer-tokens", {}, { token })).status).toBe(403)
    }
    expect((await t.api.post("/api/v1/viewer-tokens", {}, { token: null })).status).toBe(401)
  })

  it("needs a viewer or operator token for reads and /ws/events, unless reads are public", async () => {
    const missing = await t.api.get("/api/v1/tasks", { token: null })
    expect(missing.status).toBe(401)
    expect(missing.body).toEqual({ error: { code: "unauthorized", message: "Authorization: a bearer token is required for this call" } })
    expect((await t.api.get("/api/v1/tasks", { token: "random-guess" })).status).toBe(401)
    const agent = await register("reader")
    expect((await t.api.get("/api/v1/tasks", { token: agent.token })).status).toBe(403)
    expect((await t.api.get(`/api/v1/agents/${agent.id}`, { token: agent.token })).status).toBe(200)

    expect(await upgradeStatus(ws(t.edge.port, "/ws/events?topics=agents"))).toBe(401)
    expect(await upgradeStatus(ws(t.edge.port, "/ws/events?topics=agents&token=random-guess"))).toBe(401)
    expect(await upgradeStatus(ws(t.edge.port, `/ws/events?topics=agents&token=${agent.token}`))).toBe(403)
    expect(await upgradeStatus(ws(t.edge.port, `/ws/events?topics=agents&token=${t.operatorToken}`))).toBe(101)

    expect((await open.api.get("/api/v1/tasks", { token: null })).status).toBe(200)
    expect(await upgradeStatus(ws(open.edge.port, "/ws/events?topics=agents"))).toBe(101)
    expect((await open.api.post("/api/v1/tasks", { title: "t", capability: "auth" }, { token: null })).status).toBe(401)
  })

  it("rotates an agent's token: the new one shown once, the old one refused at once, its sockets closed with 4401 on every edge", async () => {
    const agent = await register("rotating")
    const [here, there] = await Promise.all([bot(t.edge.port, agent.token), bot(other.port, agent.token)])

    const rotated = await t.api.post(`/api/v1/agents/${agent.id}/token`, undefined, { token: agent.token })
    expect(rotated.status).toBe(200)
    expect(rotated.body).toEqual({ id: agent.id, token: expect.any(String) })
    const fresh = rotated.body.token as string
    expect(fresh).not.toBe(agent.token)
    await Promise.all([revoked(here), revoked(there)])
    expect((await t.api.get(`/api/v1/agents/${agent.id}`, { token: agent.token })).status).toBe(401)
    expect(await upgradeStatus(ws(other.port, `/ws/control?token=${agent.token}`))).toBe(401)

    expect((await t.api.get(`/api/v1/agents/${agent.id}`, { token: fresh })).status).toBe(200)
    const { client: again } = await bot(other.port, fresh)
    expect(await again.connected()).toMatchObject({ agent_id: agent.id })
    await again.close({ timeoutMs: 0 })
  })

  it("lets only the agent itself or the operator rotate its token", async () => {
    const a = await register("a")
    const b = await register("b")
    const refused = await t.api.post(`/api/v1/agents/${b.id}/token`, undefined, { token: a.token })
    expect(refused.status).toBe(403)
    expect((await t.api.get(`/api/v1/agents/${b.id}`, { token: b.token })).status).toBe(200)
    expect((await t.api.post(`/api/v1/agents/${b.id}/token`)).status).toBe(200)
    expect((await t.api.get(`/api/v1/agents/${b.id}`, { token: b.token })).status).toBe(401)
  })

  it("deregistration closes the agent's control sockets with 4401 on every edge", async () => {
    const agent = await register("leaving")
    const [here, there] = await Promise.all([bot(t.edge.port, agent.token), bot(other.port, agent.token)])
    expect((await t.api.delete(`/api/v1/agents/${agent.id}?wait=1`, { token: agent.token })).status).toBe(200)
    await Promise.all([revoked(here), revoked(there)])
    expect(await upgradeStatus(ws(t.edge.port, `/ws/control?token=${agent.token}`))).toBe(401)
  })
})
