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
    // A window of 3 s, heartbeats every 250 ms: only a stall of seconds could let the window pass early.
    const intervalMs = 1_000
    const agent = await edge.agent({ capabilities: ["fragile"], heartbeatIntervalMs: intervalMs })
    const bot = await connectBot(edge, agent)
    let lastBeatAt = Date.now()
    const beating = setInterval(() => {
      lastBeatAt = Date.now()
      bot.client.send({ type: "heartbeat", payload: {} })
    }, intervalMs / 4)
    try {
      const taskId = await edge.task("fragile")
      await bot.client.next(ofType("task_assigned"))
      await bot.acked("task_started", "s-1", { task_id: taskId })
      await edge.deployment.actor("task", taskId, (row) => row.state === "in_progress")
      clearInterval(beating)
      await bot.client.close()

      // Read from what was recorded, not from the state at the moment of reading: the agent went
      // offline on DISCONNECT while the task stayed in progress, and the task went back to ready only
      // once the window since the last heartbeat had passed.
      const ready = await edge.deployment.actor("task", taskId, (row) => row.state === "ready")
      expect(ready.agentId).toBeNull()
      const { sql } = edge.deployment.schema
      const rows = await sql<{ actor_id: string; event: string; from_state: string; to_state: string; at: Date }[]>`
        select actor_id, event, from_state, to_state, at from transitions
        where (actor_id = ${agent.id} and event = 'DISCONNECT') or (actor_id = ${taskId} and to_state = 'ready')
        order by id`
      expect(rows.map((row) => `${row.event}:${row.from_state}>${row.to_state}`)).toEqual([
        expect.stringMatching(/^[A-Z_]+:\w+>ready$/),
        "DISCONNECT:busy>offline",
        expect.stringMatching(/^[A-Z_]+:in_progress>ready$/),
      ])
      const backToReady = rows.at(-1)
      expect(backToReady?.at.getTime()).toBeGreaterThanOrEqual(lastBeatAt + 3 * intervalMs)
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
