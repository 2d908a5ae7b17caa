// The SDK bot against a control socket that refuses frames in passing: with one frame in flight allowed
// (quotas.maxInFlight), a bot completing several tasks at once has all but one of its reports refused
// `rate_limited` with their refs; it sends each again after a wait, with its id, and every task completes.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Bot, ClawbotError } from "../../../src/client/node.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { sdkBot } from "./sdk-support.ts"

const TASKS = 6

let edge: SocketEdge
const bots: Bot[] = []
beforeAll(async () => {
  edge = await startSocketEdge({ quotas: { maxInFlight: 1 } })
})
afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.close({ timeoutMs: 100 })))
  await edge?.close()
})

describe("an SDK bot whose reports are refused in passing", () => {
  it("sends them again until accepted, and every task completes", async () => {
    const agent = await edge.agent({ capabilities: ["in-flight"], maxConcurrency: TASKS })
    const errors: ClawbotError[] = []
    const bot = sdkBot(edge, agent, { concurrency: TASKS, onError: (error) => void errors.push(error) })
    bots.push(bot)
    // Every handler finishes together, once all tasks are running: their reports go out at once.
    let started = 0
    let release: () => void = () => undefined
    const together = new Promise<void>((resolve) => (release = resolve))
    bot.handle("in-flight", async () => {
      if ((started += 1) === TASKS) release()
      await together
      return { ok: true }
    })
    await bot.connected()
    const ids = await Promise.all(Array.from({ length: TASKS }, () => edge.task("in-flight")))
    for (const id of ids) await edge.deployment.actor("task", id, (row) => row.state === "completed")
    expect(errors).toEqual([])
    expect(bot.connections).toBe(1)
  }, 60_000)
})
