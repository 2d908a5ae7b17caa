// A bot over its control socket: it is pushed `task_assigned` for a ready task it can run, then
// claims, starts, reports progress and completes it; the task completes with the bot's result.
// A failed completion (success false) fails the attempt and the task is retried.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ofType } from "./client.ts"
import { connectBot } from "./bot.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

describe("a task over the control socket", () => {
  it("is assigned, claimed, started, progressed and completed", async () => {
    const bot = await connectBot(edge, await edge.agent({ capabilities: ["compile"] }))
    const taskId = await edge.task("compile", "compile the thing")
    const assigned = await bot.client.next(ofType("task_assigned"))
    expect(assigned.payload).toMatchObject({ task_id: taskId, capability: "compile", title: "compile the thing", attempt: 1 })
    expect(Date.parse(String(assigned.payload["deadline"]))).toBeGreaterThan(Date.now())

    await bot.acked("claim_task", "c-1", { task_id: taskId })
    await bot.acked("task_started", "c-2", { task_id: taskId })
    await edge.deployment.actor("task", taskId, (task) => task.state === "in_progress")
    await bot.acked("task_progress", "c-3", { task_id: taskId, progress: 0.5, message: "half way" })
    await bot.acked("task_complete", "c-4", { task_id: taskId, success: true, result: { artifact: "a.out" } })

    const task = await edge.deployment.actor("task", taskId, (row) => row.state === "completed")
    expect((task.snapshot as { context: { result: unknown; progressMessage: string } }).context).toMatchObject({
      result: { artifact: "a.out" },
      progressMessage: "half way",
    })
    expect(bot.client.frames.filter(ofType("error"))).toEqual([])
    await bot.client.close()
  })

  it("fails the attempt on task_complete with success false, and the task is retried", async () => {
    const bot = await connectBot(edge, await edge.agent({ capabilities: ["flaky"] }))
    const taskId = await edge.task("flaky")
    await bot.client.next(ofType("task_assigned"))
    await bot.acked("task_started", "f-1", { task_id: taskId })
    await bot.acked("task_complete", "f-2", { task_id: taskId, success: false, error: "segfault" })
    const task = await edge.deployment.actor("task", taskId, (row) => row.state === "retry_wait")
    expect((task.snapshot as { context: { error: string } }).context.error).toBe("segfault")
    await bot.client.close()
  })
})
