// A dropped control socket takes the agent offline through its machine (DISCONNECT), which keeps
// its tasks; once its heartbeat window (3 × interval) passes without a reconnect, they go back to
// ready. A second socket of the same agent replaces the first (closed 4409): an SDK bot so replaced
// stops for good with `conflict`, and the newer one stays online.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ClawbotError } from "../../../src/client/node.ts"
import { waitFor } from "../../support/runtime.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { keptSockets, sdkBot } from "./sdk-support.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

type AgentSnapshot = { context: { inflight: string[] } }

describe("disconnected bots", () => {
  it("go offline keeping their task, which goes back to ready after the heartbeat window", async () => {
    // A window of 3 s, heartbeats every second (the SDK beats on the interval the server gives).
    const intervalMs = 1_000
    const agent = await edge.agent({ capabilities: ["fragile"], heartbeatIntervalMs: intervalMs })
    const net = keptSockets()
    // A handler that works until the task is taken from it (here: the bot closing).
    const bot = sdkBot(edge, agent, { WebSocket: net.WebSocket }).handle(
      "fragile",
      (_task, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)),
    )
    const taskId = await edge.task("fragile")
    await edge.deployment.actor("task", taskId, (row) => row.state === "in_progress")
    await bot.close({ timeoutMs: 0 })
    const lastBeatAt = Math.max(...net.sent.filter((frame) => frame.type === "heartbeat").map((frame) => frame.at))
    expect(net.sent.filter((frame) => frame.type === "task_complete")).toEqual([])

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
      // Busy when it reserved the task itself; online when a wake gave its slot straight to the task (it hears of that
      // slot only at its next RELEASE).
      expect.stringMatching(/^DISCONNECT:(busy|online)>offline$/),
      expect.stringMatching(/^[A-Z_]+:in_progress>ready$/),
    ])
    const backToReady = rows.at(-1)
    expect(backToReady?.at.getTime()).toBeGreaterThanOrEqual(lastBeatAt + 3 * intervalMs)
    const released = await edge.deployment.actor("agent", agent.id, (row) => (row.snapshot as AgentSnapshot).context.inflight.length === 0)
    expect(released.state).toBe("offline")
  })

  it("replaces an agent's older socket with its newer one, and the agent stays online", async () => {
    const agent = await edge.agent()
    const errors: ClawbotError[] = []
    let stopped!: () => void
    const olderStopped = new Promise<void>((resolve) => (stopped = resolve))
    const older = sdkBot(edge, agent, { onStatus: (status) => status === "closed" && stopped(), onError: (error) => errors.push(error) })
    await older.connected()
    const newer = sdkBot(edge, agent)
    await newer.connected()
    await olderStopped
    await expect(older.connected()).rejects.toMatchObject({ code: "conflict", message: "socket: closed with 4409 replaced" })
    expect(errors).toEqual([expect.objectContaining({ code: "conflict" })])
    // The older socket's DISCONNECT is appended before the newer one's CONNECT. (Read from the end: a
    // fresh socket that uWS drops right after `open`, docs/edge.md, adds a reconnection before them.)
    const presence = await waitFor("the replacement's presence transitions", async () => {
      const rows = await edge.deployment.schema.sql<{ event: string; to_state: string }[]>`
        select event, to_state from transitions where actor_id = ${agent.id} and event in ('CONNECT', 'DISCONNECT') order by id`
      const all = rows.map((row) => `${row.event}>${row.to_state}`)
      return all.length >= 3 && all.at(-2) === "DISCONNECT>offline" ? all : undefined
    })
    expect(presence.slice(-3)).toEqual(["CONNECT>online", "DISCONNECT>offline", "CONNECT>online"])
    // One socket each: exactly these three.
    if (older.connections + newer.connections === 2) expect(presence).toHaveLength(3)
    expect((await edge.deployment.actor("agent", agent.id)).state).toBe("online")
    await Promise.all([newer.close({ timeoutMs: 0 }), older.close({ timeoutMs: 0 })])
  })
})
