// A bot over its control socket (the SDK's `connectBot`): it is given a ready task it can run,
// starts it, reports progress and completes it; the task completes with the handler's result. A
// handler that throws fails the attempt, and the task is retried. (`claim_task`, which the SDK
// does not send, is acked as conformance.test.ts shows.)
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectBot, type AssignedTask, type Bot, type ClawbotError } from "../../../src/client/node.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
const bots: Bot[] = []
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.close({ timeoutMs: 100 })))
  await edge.close()
})

/** An SDK bot of a new agent; the socket edge serves no HTTP, so its concurrency is given. */
const startBot = async (capability: string, errors: ClawbotError[]) => {
  const agent = await edge.agent({ capabilities: [capability] })
  const bot = connectBot({ url: edge.url(""), token: agent.token, concurrency: 1, onError: (error) => errors.push(error) })
  bots.push(bot)
  await bot.connected()
  return bot
}

describe("a task over the control socket", () => {
  it("is assigned, started, progressed and completed", async () => {
    const errors: ClawbotError[] = []
    const given: AssignedTask[] = []
    const bot = await startBot("compile", errors)
    bot.handle("compile", async (task, ctx) => {
      given.push(task)
      await ctx.progress(0.5, "half way")
      return { artifact: "a.out" }
    })
    const taskId = await edge.task("compile", "compile the thing")

    const task = await edge.deployment.actor("task", taskId, (row) => row.state === "completed")
    expect((task.snapshot as { context: { result: unknown; progressMessage: string } }).context).toMatchObject({
      result: { artifact: "a.out" },
      progressMessage: "half way",
    })
    expect(given).toEqual([expect.objectContaining({ task_id: taskId, capability: "compile", title: "compile the thing", attempt: 1 })])
    expect(Date.parse(given[0]?.deadline ?? "")).toBeGreaterThan(Date.now())
    expect((await edge.deployment.transitions("task", taskId)).map((row) => row.to)).toEqual([
      "ready",
      "assigned",
      "in_progress",
      "in_progress",
      "completed",
    ])
    expect(errors).toEqual([])
  })

  it("fails the attempt when the handler throws, and the task is retried", async () => {
    const errors: ClawbotError[] = []
    const bot = await startBot("flaky", errors)
    bot.handle("flaky", () => {
      throw new Error("segfault")
    })
    const taskId = await edge.task("flaky")
    const task = await edge.deployment.actor("task", taskId, (row) => row.state === "retry_wait")
    expect((task.snapshot as { context: { error: string } }).context.error).toBe("segfault")
    expect(errors).toEqual([])
  })
})
