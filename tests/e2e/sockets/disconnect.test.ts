// A dropped control socket takes the agent offline through its machine (DISCONNECT), which keeps
// its tasks; once its heartbeat window (3 × interval) passes without a reconnect, they go back to
// ready. A second socket of the same agent replaces the first (closed 4409).
// Raw `ws` on purpose: a bot that vanishes without reconnecting, and a second socket on the same token
// (the SDK reconnects, and stops on 4409).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ofType } from "./client.ts"
import { connectBot } from "./bot.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { waitFor } from "../../support/runtime.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

type AgentSnapshot = { context: { inflight: string[] } }

describe("disconnected bots", () => {
  it("go offline keeping their task, which goes back to ready after the heartbeat window", async () => {
    const intervalMs = 300
    const agent = await edge.agent({ capabilities: ["fragile"], heartbeatIntervalMs: intervalMs })
    const bot = await connectBot(edge, agent)
    const beating = setInterval(() => bot.client.send({ type: "heartbeat", payload: {} }), intervalMs / 2)
    try {
      const taskId = await edge.task("fragile")
      await bot.client.next(ofType("task_assigned"))
      await bot.acked("task_started", "s-1", { task_id: taskId })
      await edge.deployment.actor("task", taskId, (row) => row.state === "in_progress")
      clearInterval(beating)
      await bot.client.close()
      const closedAt = Date.now()

      const offline = await edge.deployment.actor("agent", agent.id, (row) => row.state === "offline")
      expect((offline.snapshot as AgentSnapshot).context.inflight).toEqual([taskId])
      expect((await edge.deployment.actor("task", taskId)).state).toBe("in_progress")
      const [disconnect] = await edge.deployment.schema.sql<{ from_state: string; to_state: string }[]>`
        select from_state, to_state from transitions where actor_id = ${agent.id} and event = 'DISCONNECT'`
      expect(disconnect).toEqual({ from_state: "busy", to_state: "offline" })

      const ready = await edge.deployment.actor("task", taskId, (row) => row.state === "ready")
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(intervalMs)
      expect(ready.agentId).toBeNull()
      const released = await edge.deployment.actor(
        "agent",
        agent.id,
        (row) => (row.snapshot as AgentSnapshot).context.inflight.length === 0,
      )
      expect(released.state).toBe("offline")
    } finally {
      clearInterval(beating)
    }
  })

  it("replaces an agent's older socket with its newer one, and the agent stays online", async () => {
    const agent = await edge.agent()
    const older = await connectBot(edge, agent)
    const newer = await connectBot(edge, agent)
    expect(await older.client.closed).toEqual({ code: 4409, reason: "replaced" })
    await newer.acked("heartbeat", "hb", {})
    // The older socket's DISCONNECT is appended before the newer one's CONNECT.
    const presence = await waitFor("three presence transitions", async () => {
      const rows = await edge.deployment.schema.sql<{ event: string; to_state: string }[]>`
        select event, to_state from transitions where actor_id = ${agent.id} and event in ('CONNECT', 'DISCONNECT') order by id`
      return rows.length === 3 ? rows : undefined
    })
    expect(presence.map((row) => `${row.event}>${row.to_state}`)).toEqual(["CONNECT>online", "DISCONNECT>offline", "CONNECT>online"])
    expect((await edge.deployment.actor("agent", agent.id)).state).toBe("online")
    await newer.client.close()
  })
})
