// Issue 8, deliverable 4: rotating or deregistering an agent closes its control sockets with 4401
// "within a second, on every edge". tests/e2e/auth/tokens.test.ts proves the 4401 on both edges; this
// file times it: each socket's close is seen within 1 s of the HTTP answer, on the edge that revoked
// (it closes its own before answering) and on another edge (it hears the revocation over Redis).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Edge } from "../../../src/edge/app.ts"
import { registerAgent } from "../../support/agents-http.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { openBot } from "../../support/open-bot.ts"
import { secondEdge } from "./support.ts"

const WITHIN_MS = 1_000

describe("revocation", () => {
  let t: TestEdge
  let other: Edge
  beforeAll(async () => {
    t = await testEdge()
    other = await secondEdge(t)
  })
  afterAll(async () => {
    await other?.close()
    await t?.close()
  })

  /** An SDK bot of `token` on the edge at `port`, its socket open after a round trip, and when that socket closed (performance.now()). */
  const bot = async (port: number, token: string) => {
    const { client, socket } = await openBot(t, port, token)
    const closed = socket.closed.then(({ code }) => ({ code, at: performance.now() }))
    return { client, closed }
  }

  const register = (name: string) => registerAgent(t.api, { name, capabilities: ["revoke"] })

  /** Revokes with `revoke`, and how long after its answer each bot's socket closed, with its code. */
  const timed = async (agent: { token: string }, revoke: () => Promise<number>) => {
    const bots = await Promise.all([bot(t.edge.port, agent.token), bot(other.port, agent.token)])
    expect(await revoke()).toBe(200)
    const answeredAt = performance.now()
    const closes = await Promise.all(bots.map((b) => b.closed))
    for (const b of bots) await b.client.close({ timeoutMs: 0 })
    return closes.map(({ code, at }) => ({ code, late: Math.max(0, Math.round(at - answeredAt)) }))
  }

  it("closes the agent's sockets on both edges with 4401 within a second of a token rotation", async () => {
    const agent = await register("rotated")
    const closes = await timed(agent, async () => (await t.api.post(`/api/v1/agents/${agent.id}/token`)).status)
    for (const { code, late } of closes) {
      expect(code).toBe(4401)
      expect(late).toBeLessThan(WITHIN_MS)
    }
  })

  it("closes the agent's sockets on both edges with 4401 within a second of its deregistration", async () => {
    const agent = await register("deregistered")
    const closes = await timed(agent, async () => (await t.api.delete(`/api/v1/agents/${agent.id}?wait=1`)).status)
    for (const { code, late } of closes) {
      expect(code).toBe(4401)
      expect(late).toBeLessThan(WITHIN_MS)
    }
  })
})
