// Stale attempts on the wire (PROTOCOL v1.1): a task taken from a bot is announced with
// `task_cancelled {task_id, attempt, reason}`, and a report naming an attempt that is over is refused
// `conflict` with the frame's ref, whether it comes on the socket that lost the task or on a new one of
// the bot, and nothing is applied. A run taken back is over even if it never started, so when the same
// bot gets the task again (after a heartbeat loss, a drain, a cancel and retry) it runs a new attempt.
// Raw frames: the SDK never sends such a report (every way a task is taken from an SDK bot:
// ../taken-away.test.ts).
import { beforeAll, describe, expect, it } from "vitest"
import type { SocketEdge } from "../harness.ts"
import { connectBot, type Bot } from "./raw-bot.ts"
import { withRef, type Frame } from "./raw-client.ts"
import type { SharedEdge } from "./shared-edge.ts"

export function staleAttempts(shared: () => SharedEdge): void {
  describe("stale attempts", () => {
    let edge: SocketEdge
    beforeAll(() => {
      edge = shared().edge
    })

    /** A ready standalone task with the given run settings. */
    const task = (capability: string, spec: { timeoutS?: number; maxAttempts?: number } = {}): Promise<string> =>
      edge.task(capability, `a ${capability} task`, spec)

    const cancelledFor = (taskId: string, attempt: number) => (frame: Frame) =>
      frame.type === "task_cancelled" && frame.payload["task_id"] === taskId && frame.payload["attempt"] === attempt
    const assignedFor = (taskId: string, attempt: number) => (frame: Frame) =>
      frame.type === "task_assigned" && frame.payload["task_id"] === taskId && frame.payload["attempt"] === attempt
    const stateOf = (taskId: string, state: string) => edge.deployment.actor("task", taskId, (row) => row.state === state)
    /** The error frame answering the frame sent with `id`. */
    const refusalOf = (bot: Bot, id: string) => bot.client.next(withRef("error", id))

    describe("a report of an attempt that is over", () => {
      it("is refused on the socket that stopped heartbeating, after its task_cancelled (heartbeat_expired)", async () => {
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

      it("is refused on the killed bot's new socket while the task runs attempt 2 elsewhere", async () => {
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
        expect((done.snapshot as { context: { result: unknown; agentId: string } }).context).toMatchObject({
          result: "new",
          agentId: other.id,
        })
        await Promise.all([back.client.close(), other.client.close()])
      })

      it("is refused when the same bot gets the task back after losing it before its start: it runs attempt 2", async () => {
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

      it("is refused when the same bot, drained then resumed, gets back the task it gave up: it runs attempt 2", async () => {
        const agent = await edge.agent({ capabilities: ["drain-again"] })
        const bot = await connectBot(edge, agent)
        const taskId = await task("drain-again")
        await bot.client.next(assignedFor(taskId, 1))
        await edge.deployment.append({ kind: "agent", id: agent.id, type: "DRAIN", payload: {} })
        expect((await bot.client.next(cancelledFor(taskId, 1))).payload).toMatchObject({ reason: "agent_draining" })
        await stateOf(taskId, "ready")

        const from = bot.client.frames.length
        await edge.deployment.append({ kind: "agent", id: agent.id, type: "UNDRAIN", payload: {} })
        await bot.client.next(assignedFor(taskId, 2), { from })
        bot.client.send({ type: "claim_task", id: "late", payload: { task_id: taskId, attempt: 1 } })
        expect((await refusalOf(bot, "late")).payload).toMatchObject({
          code: "conflict",
          message: "attempt 1 is over: the task runs attempt 2",
        })
        await bot.client.close()
      })

      it("is refused when a task cancelled before its start is retried and given to the same bot: it runs attempt 2", async () => {
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
    })
  })
}
