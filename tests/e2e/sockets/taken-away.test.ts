// Bots always know what they hold (PROTOCOL v1.1): every way a task is taken from a connected SDK bot
// aborts its handler's signal with the server's reason (`task_cancelled {task_id, attempt, reason}`),
// or drops it from the bot's queue, and the bot reports nothing for it. Real Redis and Postgres, an
// in-process runtime. The refusal of a late report on the wire: ./conformance/stale-attempts.ts (in conformance.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AssignedTask, TaskAborted, TaskCancelled, TaskContext } from "../../../src/client/node.ts"
import type { StoredActor } from "../../../src/store/actor-row.ts"
import { redisClockPast, waitFor } from "../../support/runtime.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { keptSockets, sdkBot } from "./sdk-support.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

/** A ready standalone task with the given run settings. */
const task = (capability: string, spec: { timeoutS?: number; maxAttempts?: number } = {}): Promise<string> =>
  edge.task(capability, `a ${capability} task`, spec)

/** A task's current deadline (0 while it has none). */
const deadlineAt = (row: StoredActor): number => (row.snapshot as { context: { deadlineAt: number | null } }).context.deadlineAt ?? 0
const stateOf = (taskId: string, state: string) => edge.deployment.actor("task", taskId, (row) => row.state === state)
const contextOf = <T>(row: StoredActor) => (row.snapshot as { context: T }).context

/** A handler that works until its task is taken away or the test finishes it; `run` finds a run once handed to it. */
const holding = () => {
  const runs: Array<{ task: AssignedTask; ctx: TaskContext; aborted: Promise<TaskAborted>; finish(result: unknown): void }> = []
  const handler = (task: AssignedTask, ctx: TaskContext) =>
    new Promise<unknown>((finish) => {
      const aborted = new Promise<TaskAborted>((resolve) =>
        ctx.signal.addEventListener("abort", () => {
          resolve(ctx.signal.reason)
          finish(undefined)
        }),
      )
      runs.push({ task, ctx, aborted, finish })
    })
  const run = (taskId: string, attempt: number) =>
    waitFor(`attempt ${attempt} of ${taskId} running`, async () =>
      runs.find((candidate) => candidate.task.task_id === taskId && candidate.task.attempt === attempt),
    )
  return { handler, run }
}

describe("a bot whose task is taken away", () => {
  it("that stops heartbeating has its handler aborted (heartbeat_expired) on its open socket, and reports nothing", async () => {
    const agent = await edge.agent({ capabilities: ["hb-loss"], heartbeatIntervalMs: 200 })
    // A network that loses every heartbeat.
    const net = keptSockets({ drop: (type) => type === "heartbeat" })
    const work = holding()
    const bot = sdkBot(edge, agent, { WebSocket: net.WebSocket }).handle("hb-loss", work.handler)
    expect(await bot.connected()).toMatchObject({ agent_id: agent.id, heartbeat_interval_ms: 200, session_resumed: false })
    const taskId = await task("hb-loss")
    const run = await work.run(taskId, 1)

    // No heartbeat for 3 × 200 ms: the agent goes offline and the task goes back.
    const why = await run.aborted
    expect(why).toMatchObject({ name: "TaskAborted", why: "cancelled", message: "heartbeat_expired" })
    await edge.deployment.actor("agent", agent.id, (row) => row.state === "offline")
    expect(net.sent.filter((frame) => frame.type === "task_complete")).toEqual([])
    expect((await edge.deployment.actor("task", taskId)).state).not.toBe("completed")
    await bot.close({ timeoutMs: 0 })
  })

  it("that was killed mid-task: the task finishes on another bot on a new attempt", async () => {
    const killed = await edge.agent({ capabilities: ["kill"], heartbeatIntervalMs: 200 })
    const first = holding()
    const killedBot = sdkBot(edge, killed).handle("kill", first.handler)
    const taskId = await task("kill")
    await first.run(taskId, 1)
    await stateOf(taskId, "in_progress")

    const other = await edge.agent({ capabilities: ["kill"] })
    const second = holding()
    const otherBot = sdkBot(edge, other).handle("kill", second.handler)
    await otherBot.connected()
    await killedBot.close({ timeoutMs: 0 })
    // Its heartbeat expires: the task goes to the other bot on attempt 2, which completes it.
    const run = await second.run(taskId, 2)
    expect(run.ctx.attempt).toBe(2)
    run.finish("new")
    const done = await stateOf(taskId, "completed")
    expect(contextOf<{ result: unknown; agentId: string }>(done)).toMatchObject({ result: "new", agentId: other.id })
    await otherBot.close({ timeoutMs: 0 })
  })

  it("that holds a cancelled task has its handler aborted with the operator's reason", async () => {
    const work = holding()
    const bot = sdkBot(edge, await edge.agent({ capabilities: ["cancel"] })).handle("cancel", work.handler)
    const taskId = await task("cancel")
    const run = await work.run(taskId, 1)
    await edge.deployment.append({ kind: "task", id: taskId, type: "CANCEL", payload: { reason: "not needed any more" } })
    expect(await run.aborted).toMatchObject({ why: "cancelled", message: "not needed any more" })
    await stateOf(taskId, "cancelled")
    await bot.close({ timeoutMs: 0 })
  })

  it("whose attempt times out is told so, and the task runs again on a new attempt until its attempts are spent", async () => {
    const work = holding()
    const bot = sdkBot(edge, await edge.agent({ capabilities: ["slow"] })).handle("slow", work.handler)
    const taskId = await task("slow", { timeoutS: 1, maxAttempts: 2 })
    expect(await (await work.run(taskId, 1)).aborted).toMatchObject({ why: "cancelled", message: "timed_out" })
    expect(await (await work.run(taskId, 2)).aborted).toMatchObject({ why: "cancelled", message: "timed_out" })
    const timedOut = await stateOf(taskId, "timed_out")
    expect(contextOf<{ attempt: number }>(timedOut).attempt).toBe(2)
    await bot.close({ timeoutMs: 0 })
  })

  it("that reports progress keeps a task longer than its timeout alive, on its first attempt", async () => {
    const work = holding()
    const cancelled: TaskCancelled[] = []
    const agent = await edge.agent({ capabilities: ["long"] })
    const bot = sdkBot(edge, agent, { onTaskCancelled: (c) => cancelled.push(c) }).handle("long", work.handler)
    const taskId = await task("long", { timeoutS: 1, maxAttempts: 1 })
    const run = await work.run(taskId, 1)
    await stateOf(taskId, "in_progress")
    // Work on a one-second timeout until the deadline set at the start is a second past, each progress sent
    // once half the time left is gone and followed until it renewed the deadline.
    const deadlineAfter = async (after: number) => deadlineAt(await edge.deployment.actor("task", taskId, (row) => deadlineAt(row) > after))
    const first = await deadlineAfter(0)
    let deadline = first
    for (let step = 1; deadline < first + 2_000; step += 1) {
      await redisClockPast(edge.deployment.redis, deadline - 500)
      await run.ctx.progress(step / 8)
      deadline = await deadlineAfter(deadline)
    }
    expect((await edge.deployment.actor("task", taskId)).state).toBe("in_progress")
    run.finish(undefined)
    const done = await stateOf(taskId, "completed")
    expect(contextOf<{ attempt: number }>(done).attempt).toBe(1)
    expect(run.ctx.signal.aborted).toBe(false)
    expect(cancelled).toEqual([])
    await bot.close({ timeoutMs: 0 })
  })

  it("that keeps failing exhausts its attempts: the task fails for good", async () => {
    const bot = sdkBot(edge, await edge.agent({ capabilities: ["broken"] })).handle("broken", (assigned) => {
      throw new Error(`crash ${assigned.attempt}`)
    })
    const taskId = await task("broken", { maxAttempts: 2 })
    const failed = await stateOf(taskId, "failed")
    expect(contextOf<{ attempt: number; error: string }>(failed)).toMatchObject({ attempt: 2, error: "crash 2" })
    await bot.close({ timeoutMs: 0 })
  })

  it("that drains gives back what it has not started (task_cancelled, agent_draining), finishes what it started, and takes nothing new until resumed", async () => {
    // The agent takes two tasks at once; the bot runs one at a time, so the second waits in its queue.
    const agent = await edge.agent({ capabilities: ["drain"], maxConcurrency: 2 })
    const cancelled: TaskCancelled[] = []
    const work = holding()
    const bot = sdkBot(edge, agent, { concurrency: 1, onTaskCancelled: (c) => cancelled.push(c) }).handle("drain", work.handler)
    const started = await task("drain")
    const run = await work.run(started, 1)
    await stateOf(started, "in_progress")
    const waiting = await task("drain")
    await waitFor("the second task queued", async () => (bot.queued.some((queued) => queued.task_id === waiting) ? true : undefined))

    await edge.deployment.append({ kind: "agent", id: agent.id, type: "DRAIN", payload: {} })
    await waitFor("the queued task given back", async () => (cancelled.length > 0 ? true : undefined))
    expect(cancelled).toEqual([{ task_id: waiting, attempt: 1, reason: "agent_draining" }])
    expect(bot.queued).toEqual([])
    await stateOf(waiting, "ready")
    run.finish(undefined)
    await stateOf(started, "completed")
    // Draining with a free slot, it was not given the ready task back; resumed, it is.
    expect((await edge.deployment.actor("agent", agent.id)).state).toBe("draining")
    expect((await edge.deployment.actor("task", waiting)).state).toBe("ready")
    await edge.deployment.append({ kind: "agent", id: agent.id, type: "UNDRAIN", payload: {} })
    // The run it gave back is over: the same bot runs the task again as attempt 2.
    await work.run(waiting, 2)
    await bot.close({ timeoutMs: 0 })
  })
})
