// Two edges on one deployment read the same event stream; each pushes a task to the bots whose control
// socket it holds (and passes the other edge's pushes over unread): bots on either edge are given, run
// and complete their tasks, each task once, by the bot of its capability.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AssignedTask, Bot } from "../../../src/client/node.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { sdkBot } from "./sdk-support.ts"

let first: SocketEdge
let second: SocketEdge
const bots: Bot[] = []
beforeAll(async () => {
  first = await startSocketEdge()
  second = await startSocketEdge({ deployment: first.deployment })
})
afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.close({ timeoutMs: 100 })))
  await second.close()
  await first.close()
})

/** An SDK bot of a new agent of `capability` on `edge`, recording the tasks it is given. */
const botOn = async (edge: SocketEdge, capability: string, given: AssignedTask[]) => {
  const bot = sdkBot(edge, await first.agent({ capabilities: [capability] }))
  bots.push(bot)
  bot.handle(capability, (task) => {
    given.push(task)
    return { by: capability }
  })
  await bot.connected()
}

describe("pushes with two edges", () => {
  it("reach the bots of each edge, each task once", async () => {
    const onFirst: AssignedTask[] = []
    const onSecond: AssignedTask[] = []
    await botOn(first, "left", onFirst)
    await botOn(second, "right", onSecond)
    const left = await Promise.all([1, 2, 3].map(() => first.task("left")))
    const right = await Promise.all([1, 2, 3].map(() => first.task("right")))
    for (const taskId of [...left, ...right]) await first.deployment.actor("task", taskId, (row) => row.state === "completed")
    expect(onFirst.map((task) => task.task_id).sort()).toEqual([...left].sort())
    expect(onSecond.map((task) => task.task_id).sort()).toEqual([...right].sort())
  })
})
