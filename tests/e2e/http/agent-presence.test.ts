// An agent's presence over HTTP with a real bot on its control socket: the heartbeat interval it registers
// with is the one it is held to, its first socket is never a resumed session (not even after HTTP
// heartbeats), drain and resume, and deregistration telling the bot what it loses before its socket closes.
// SDK bots (one on a network that loses its heartbeats).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Bot, type BotOptions, type ClawbotError, connectBot, type TaskCancelled } from "../../../src/client/node.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"
import { keptSockets } from "../sockets/sdk-support.ts"

const STREAM_ID = /^\d+-\d+$/

describe("agent presence over HTTP", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  const bots: Bot[] = []
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.close({ timeoutMs: 0 })))
    await t?.close()
  })

  const register = async (capability: string, extra: Record<string, unknown> = {}) => {
    const answer = await t.api.post("/api/v1/agents", { name: `bot-${capability}`, capabilities: [capability], ...extra })
    expect(answer.status).toBe(201)
    return answer.body as { id: string; token: string; heartbeat_interval_ms: number }
  }
  /** An SDK bot of the agent with `token` and what it is told: each task_cancelled, and the error it stops with. */
  const socket = async (token: string, options: Partial<BotOptions> = {}) => {
    const cancelled: TaskCancelled[] = []
    const errors: ClawbotError[] = []
    const bot = connectBot({
      ...options,
      url: t.url,
      token,
      onTaskCancelled: (c) => cancelled.push(c),
      onError: (error) => errors.push(error),
    })
    bots.push(bot)
    return { bot, cancelled, errors, connected: await bot.connected() }
  }
  const queuedHas = (bot: Bot, taskId: string) =>
    waitFor(`task ${taskId} queued`, async () => (bot.queued.some((task) => task.task_id === taskId) ? true : undefined))
  const standalone = async (capability: string): Promise<string> => {
    const created = await t.api.post("/api/v1/tasks", { title: `a ${capability} task`, capability })
    expect(created.status).toBe(201)
    return created.body.id as string
  }
  const taskState = (id: string, state: string) => t.deployment.actor("task", id, (row) => row.state === state)

  it("holds an agent to the heartbeat interval it registered with: answered, sent in connected, and its expiry after 3 missed", async () => {
    const agent = await register("interval", { heartbeat_interval_ms: 250 })
    expect(agent.heartbeat_interval_ms).toBe(250)
    expect((await t.api.get(`/api/v1/agents/${agent.id}`)).body).toMatchObject({ heartbeat_interval_ms: 250 })
    // A network that loses every heartbeat.
    const { bot, connected } = await socket(agent.token, { WebSocket: keptSockets({ drop: (type) => type === "heartbeat" }).WebSocket })
    expect(connected).toMatchObject({ heartbeat_interval_ms: 250 })
    await t.deployment.actor("agent", agent.id, (row) => row.state === "online")
    // With no heartbeat, its armed expiry (3 × 250 ms, not the default's 30 s) takes it offline while the socket is open.
    await t.deployment.actor("agent", agent.id, (row) => row.state === "offline")
    expect((await t.deployment.transitions("agent", agent.id)).at(-1)).toMatchObject({
      event: "HEARTBEAT_EXPIRED",
      from: "online",
      to: "offline",
    })
    await bot.close({ timeoutMs: 0 })
  })

  it("says session_resumed false on an agent's first socket even after HTTP heartbeats, true on the next", async () => {
    const agent = await register("resumed")
    const beat = await t.api.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {}, { token: agent.token })
    expect(beat.body).toMatchObject({ state: "online" })
    const first = await socket(agent.token)
    expect(first.connected).toMatchObject({ session_resumed: false })
    await t.deployment.actor(
      "agent",
      agent.id,
      (row) => (row.snapshot as { context: { lastConnectedAt: number | null } }).context.lastConnectedAt !== null,
    )
    await first.bot.close({ timeoutMs: 0 })
    const second = await socket(agent.token)
    expect(second.connected).toMatchObject({ session_resumed: true })
    await second.bot.close({ timeoutMs: 0 })
  })

  it("drains an agent (its unstarted task goes back with task_cancelled) and resumes it (it takes work again)", async () => {
    const agent = await register("drain")
    // A bot with no handler: its tasks wait in its queue, unstarted.
    const { bot, cancelled } = await socket(agent.token)
    const taskId = await standalone("drain")
    await queuedHas(bot, taskId)

    const drained = await t.api.post(`/api/v1/agents/${agent.id}/drain?wait=1`, undefined, { token: agent.token })
    expect(drained.status).toBe(200)
    expect(drained.body).toEqual({ id: agent.id, state: "draining", stream_id: expect.stringMatching(STREAM_ID) })
    await taskState(taskId, "ready")
    await waitFor("the task given back", async () => (cancelled.length > 0 ? true : undefined))
    expect(cancelled).toEqual([{ task_id: taskId, attempt: 1, reason: "agent_draining" }])
    expect(bot.queued).toEqual([])

    const again = await t.api.post(`/api/v1/agents/${agent.id}/drain`, undefined, { token: agent.token })
    expect(again.status).toBe(409)
    expect(again.body).toEqual({ error: { code: "conflict", message: "DRAIN is not accepted while the agent is draining" } })

    const resumed = await t.api.post(`/api/v1/agents/${agent.id}/resume?wait=1`, undefined, { token: t.operatorToken })
    expect(resumed.body).toMatchObject({ state: "online" })
    await queuedHas(bot, taskId)
    await bot.close({ timeoutMs: 0 })
  })

  it("refuses drain and resume from another agent (403) and for an unknown agent (404), changing nothing", async () => {
    const a = await register("who-a")
    const b = await register("who-b")
    const other = await t.api.post(`/api/v1/agents/${b.id}/drain`, undefined, { token: a.token })
    expect(other.status).toBe(403)
    expect(other.body).toEqual({
      error: { code: "forbidden", message: `an agent token may only act on its own agent, not on agent ${b.id}` },
    })
    const unknown = await t.api.post("/api/v1/agents/00000000-0000-4000-8000-000000000000/resume")
    expect(unknown.status).toBe(404)
    expect((await t.api.get(`/api/v1/agents/${b.id}`)).body).toMatchObject({ status: "offline", version: 1 })
  })

  it("deregistration sends task_cancelled for every task the bot holds before its socket closes with 4401", async () => {
    const agent = await register("leave")
    const { bot, cancelled, errors } = await socket(agent.token)
    let aborted: unknown
    bot.handle(
      "leave",
      (_task, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve((aborted = ctx.signal.reason)))),
    )
    const taskId = await standalone("leave")
    await taskState(taskId, "in_progress")

    expect((await t.api.delete(`/api/v1/agents/${agent.id}?wait=1`, { token: agent.token })).status).toBe(200)
    await expect(bot.connected()).rejects.toMatchObject({ code: "unauthorized", message: expect.stringContaining("4401") })
    // Told before the close: its handler was aborted for the deregistration, not for the bot stopping.
    expect(cancelled).toEqual([{ task_id: taskId, attempt: 1, reason: "deregistered" }])
    expect(aborted).toMatchObject({ why: "cancelled", message: "deregistered" })
    expect(errors).toEqual([expect.objectContaining({ code: "unauthorized" })])
    await taskState(taskId, "ready")
  })
})
