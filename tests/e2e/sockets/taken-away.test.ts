// Bots always know what they hold (PROTOCOL v1.1): every way a task is taken from a connected bot sends it
// `task_cancelled {task_id, attempt, reason}`, and a report naming an attempt that is over is refused
// `conflict`. Real WebSocket bots, real Redis and Postgres, an in-process runtime.
// Raw `ws` on purpose: it sends reports for attempts that are over and holds tasks without heartbeats,
// which the SDK never does (its own handling: tests/e2e/client/bot.test.ts).
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StoredActor } from "../../../src/store/actor-row.ts"
import { redisClockPast } from "../../support/runtime.ts"
import { connectBot, type Bot } from "./bot.ts"
import { ofType, withRef, type Frame } from "./client.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

/** A ready standalone task with the given run settings. */
const task = async (capability: string, spec: { timeoutS?: number; maxAttempts?: number } = {}): Promise<string> => {
  const id = randomUUID()
  await edge.deployment.append({
    kind: "task",
    id,
    type: "CREATE",
    payload: { id, title: `a ${capability} task`, capability, dependsOn: [], blocked: false, ...spec },
  })
  return id
}

const cancelledFor = (taskId: string, attempt: number) => (frame: Frame) =>
  frame.type === "task_cancelled" && frame.payload["task_id"] === taskId && frame.payload["attempt"] === attempt
const assignedFor = (taskId: string, attempt: number) => (frame: Frame) =>
  frame.type === "task_assigned" && frame.payload["task_id"] === taskId && frame.payload["attempt"] === attempt
/** A task's current deadline (0 while it has none). */
const deadlineAt = (row: StoredActor): number => (row.snapshot as { context: { deadlineAt: number | null } }).context.deadlineAt ?? 0
const stateOf = (taskId: string, state: string) => edge.deployment.actor("task", taskId, (row) => row.state === state)
/** The error frame answering the frame sent with `id`. */
const refusalOf = (bot: Bot, id: string) => bot.client.next(withRef("error", id))

describe("a bot whose task is taken away", () => {
  it("that stops heartbeating is told task_cancelled (heartbeat_expired) on its open socket, and its late report is refused", async () => {
    const agent = await edge.agent({ capabilities: ["hb-loss"], heartbeatIntervalMs: 200 })
    const bot = await connectBot(edge, agent)
    expect(bot.connected.payload).toMatchObject({ agent_id: agent.id, heartbeat_interval_ms: 200, session_resumed: false })
    const taskId = await task("hb-loss")
    await bot.client.next(assignedFor(taskId, 1))
    await bot.acked("task_started", "s", { task_id: taskId, attempt: 1 })

    // No heartbeat for 3 × 200 ms: the agent goes offline and the task goes back.
    const cancelled = await bot.client.next(cancelledFor(taskId, 1))
    expect(cancelled.payload).toEqual({ task_id: taskId, attempt: 1, reason: "heartbeat_expired" })
    await edge.deployment.actor("agent", agent.id, (row) => row.state === "offline")

    bot.client.send({ type: "task_complete", id: "late", payload: { task_id: taskId, attempt: 1, success: true } })
    expect((await refusalOf(bot, "late")).payload).toMatchObject({ code: "conflict", ref: "late" })
    expect((await edge.deployment.actor("task", taskId)).state).not.toBe("completed")
    await bot.client.close()
  })

  it("that was killed mid-task: the task finishes on another bot, and the killed bot's late report is refused as a stale attempt", async () => {
    const killed = await edge.agent({ capabilities: ["kill"], heartbeatIntervalMs: 200 })
    const first = await connectBot(edge, killed)
    const taskId = await task("kill")
    await first.client.next(assignedFor(taskId, 1))
    await first.acked("task_started", "s1", { task_id: taskId, attempt: 1 })
    await stateOf(taskId, "in_progress")

    const other = await connectBot(edge, await edge.agent({ capabilities: ["kill"] }))
    await first.client.close()
    // Its heartbeat expires: the task goes to the other bot on attempt 2.
    await other.client.next(assignedFor(taskId, 2))
    await other.acked("task_started", "s2", { task_id: taskId, attempt: 2 })
    await stateOf(taskId, "in_progress")

    const back = await connectBot(edge, killed)
    back.client.send({ type: "task_complete", id: "stale", payload: { task_id: taskId, attempt: 1, success: true, result: "old" } })
    const refused = await refusalOf(back, "stale")
    expect(refused.payload).toMatchObject({ code: "conflict", message: "attempt 1 is over: the task runs attempt 2", ref: "stale" })

    await other.acked("task_complete", "c2", { task_id: taskId, attempt: 2, success: true, result: "new" })
    const done = await stateOf(taskId, "completed")
    expect((done.snapshot as { context: { result: unknown; agentId: string } }).context).toMatchObject({ result: "new", agentId: other.id })
    await Promise.all([back.client.close(), other.client.close()])
  })

  it("that lost its task before starting it and gets it back runs a new attempt: its late frame for the old one is refused", async () => {
    const agent = await edge.agent({ capabilities: ["hb-again"], heartbeatIntervalMs: 200 })
    const bot = await connectBot(edge, agent)
    const taskId = await task("hb-again")
    await bot.client.next(assignedFor(taskId, 1))
    // Assigned, never started, no heartbeat: taken back (attempt 1 is over) while the socket stays open.
    expect((await bot.client.next(cancelledFor(taskId, 1))).payload).toMatchObject({ reason: "heartbeat_expired" })
    await stateOf(taskId, "ready")

    // Back online, the same agent is the only one able to run it: it gets it again, on attempt 2.
    const from = bot.client.frames.length
    bot.client.send({ type: "heartbeat", payload: {} })
    await bot.client.next(assignedFor(taskId, 2), { from })
    bot.client.send({ type: "task_started", id: "late", payload: { task_id: taskId, attempt: 1 } })
    expect((await refusalOf(bot, "late")).payload).toEqual({
      code: "conflict",
      message: "attempt 1 is over: the task runs attempt 2",
      ref: "late",
    })
    expect((await edge.deployment.actor("task", taskId)).state).toBe("assigned")
    await bot.acked("task_started", "s2", { task_id: taskId, attempt: 2 })
    await bot.acked("task_complete", "c2", { task_id: taskId, attempt: 2, success: true })
    const done = await stateOf(taskId, "completed")
    expect((done.snapshot as { context: { attempt: number } }).context.attempt).toBe(2)
    await bot.client.close()
  })

  it("that holds a cancelled task is told task_cancelled with the operator's reason", async () => {
    const bot = await connectBot(edge, await edge.agent({ capabilities: ["cancel"] }))
    const taskId = await task("cancel")
    await bot.client.next(assignedFor(taskId, 1))
    await bot.acked("task_started", "s", { task_id: taskId })
    await stateOf(taskId, "in_progress")
    await edge.deployment.append({ kind: "task", id: taskId, type: "CANCEL", payload: { reason: "not needed any more" } })
    expect((await bot.client.next(cancelledFor(taskId, 1))).payload).toEqual({ task_id: taskId, attempt: 1, reason: "not needed any more" })
    await stateOf(taskId, "cancelled")
    await bot.client.close()
  })

  it("whose task is cancelled before it started it, then retried, runs a new attempt: its late frame for the old one is refused", async () => {
    const bot = await connectBot(edge, await edge.agent({ capabilities: ["cancel-retry"] }))
    const taskId = await task("cancel-retry")
    await bot.client.next(assignedFor(taskId, 1))
    await edge.deployment.append({ kind: "task", id: taskId, type: "CANCEL", payload: { reason: "wrong input" } })
    await bot.client.next(cancelledFor(taskId, 1))
    await stateOf(taskId, "cancelled")

    const from = bot.client.frames.length
    await edge.deployment.append({ kind: "task", id: taskId, type: "RETRY", payload: {} })
    await bot.client.next(assignedFor(taskId, 2), { from })
    bot.client.send({ type: "task_started", id: "late", payload: { task_id: taskId, attempt: 1 } })
    expect((await refusalOf(bot, "late")).payload).toMatchObject({
      code: "conflict",
      message: "attempt 1 is over: the task runs attempt 2",
    })
    await bot.acked("task_started", "s2", { task_id: taskId, attempt: 2 })
    await bot.acked("task_complete", "c2", { task_id: taskId, attempt: 2, success: true })
    await stateOf(taskId, "completed")
    await bot.client.close()
  })

  it("whose attempt times out is told so, and the task runs again on a new attempt until its attempts are spent", async () => {
    const bot = await connectBot(edge, await edge.agent({ capabilities: ["slow"] }))
    const taskId = await task("slow", { timeoutS: 1, maxAttempts: 2 })
    await bot.client.next(assignedFor(taskId, 1))
    await bot.acked("task_started", "s1", { task_id: taskId, attempt: 1 })
    expect((await bot.client.next(cancelledFor(taskId, 1))).payload).toMatchObject({ reason: "timed_out" })

    await bot.client.next(assignedFor(taskId, 2))
    await bot.acked("task_started", "s2", { task_id: taskId, attempt: 2 })
    expect((await bot.client.next(cancelledFor(taskId, 2))).payload).toMatchObject({ reason: "timed_out" })
    const timedOut = await stateOf(taskId, "timed_out")
    expect((timedOut.snapshot as { context: { attempt: number } }).context.attempt).toBe(2)
    await bot.client.close()
  })

  it("that reports progress keeps a task longer than its timeout alive, on its first attempt", async () => {
    const bot = await connectBot(edge, await edge.agent({ capabilities: ["long"] }))
    const taskId = await task("long", { timeoutS: 1, maxAttempts: 1 })
    await bot.client.next(assignedFor(taskId, 1))
    await bot.acked("task_started", "s", { task_id: taskId, attempt: 1 })
    // Work on a one-second timeout until the deadline set at the start is a second past, each progress sent
    // once half the time left is gone and followed until it renewed the deadline.
    const deadlineAfter = async (after: number) => deadlineAt(await edge.deployment.actor("task", taskId, (row) => deadlineAt(row) > after))
    const first = await deadlineAfter(0)
    let deadline = first
    for (let step = 1; deadline < first + 2_000; step += 1) {
      await redisClockPast(edge.deployment.redis, deadline - 500)
      await bot.acked("task_progress", `p${step}`, { task_id: taskId, attempt: 1, progress: step / 8 })
      deadline = await deadlineAfter(deadline)
    }
    expect((await edge.deployment.actor("task", taskId)).state).toBe("in_progress")
    await bot.acked("task_complete", "c", { task_id: taskId, attempt: 1, success: true })
    const done = await stateOf(taskId, "completed")
    expect((done.snapshot as { context: { attempt: number } }).context.attempt).toBe(1)
    expect(bot.client.frames.filter(ofType("task_cancelled"))).toEqual([])
    await bot.client.close()
  })

  it("that keeps failing exhausts its attempts: the task fails for good", async () => {
    const bot = await connectBot(edge, await edge.agent({ capabilities: ["broken"] }))
    const taskId = await task("broken", { maxAttempts: 2 })
    for (const attempt of [1, 2]) {
      await bot.client.next(assignedFor(taskId, attempt))
      await bot.acked("task_started", `s${attempt}`, { task_id: taskId, attempt })
      await bot.acked("task_complete", `f${attempt}`, { task_id: taskId, attempt, success: false, error: `crash ${attempt}` })
    }
    const failed = await stateOf(taskId, "failed")
    expect((failed.snapshot as { context: { attempt: number; error: string } }).context).toMatchObject({ attempt: 2, error: "crash 2" })
    await bot.client.close()
  })

  it("that drains gives back what it has not started (task_cancelled, agent_draining), finishes what it started, and takes nothing new until resumed", async () => {
    const agent = await edge.agent({ capabilities: ["drain"], maxConcurrency: 2 })
    const bot = await connectBot(edge, agent)
    const started = await task("drain")
    await bot.client.next(assignedFor(started, 1))
    await bot.acked("task_started", "s", { task_id: started })
    await stateOf(started, "in_progress")
    const waiting = await task("drain")
    await bot.client.next(assignedFor(waiting, 1))

    await edge.deployment.append({ kind: "agent", id: agent.id, type: "DRAIN", payload: {} })
    expect((await bot.client.next(cancelledFor(waiting, 1))).payload).toEqual({ task_id: waiting, attempt: 1, reason: "agent_draining" })
    await stateOf(waiting, "ready")
    await bot.acked("task_complete", "c", { task_id: started, success: true })
    await stateOf(started, "completed")
    // Draining with a free slot, it was not given the ready task back; resumed, it is.
    expect((await edge.deployment.actor("agent", agent.id)).state).toBe("draining")
    expect((await edge.deployment.actor("task", waiting)).state).toBe("ready")
    const from = bot.client.frames.length
    await edge.deployment.append({ kind: "agent", id: agent.id, type: "UNDRAIN", payload: {} })
    // The run it gave back is over: it gets the task again on attempt 2, and a late frame for attempt 1 is refused.
    await bot.client.next(assignedFor(waiting, 2), { from })
    bot.client.send({ type: "claim_task", id: "late", payload: { task_id: waiting, attempt: 1 } })
    expect((await refusalOf(bot, "late")).payload).toMatchObject({
      code: "conflict",
      message: "attempt 1 is over: the task runs attempt 2",
    })
    await bot.client.close()
  })
})
