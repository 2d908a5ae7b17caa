// The SDK bot against a control socket that refuses frames in passing: with one frame in flight allowed
// (quotas.maxInFlight), a bot completing several tasks at once has all but one of its reports refused
// `rate_limited` with their refs; it sends each again after a wait, with its id, and every task completes.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ClawbotError, SocketLoss } from "../../../src/client/node.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { sdkBot } from "./sdk-support.ts"

const TASKS = 6

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ quotas: { maxInFlight: 1 } })
})
afterAll(async () => {
  await edge?.close()
})

describe("an SDK bot whose reports are refused in passing", () => {
  it("sends them again until accepted, and every task completes", async () => {
    // A capability of this attempt's own: a retry's tasks go to its own bot, not to one an earlier attempt left.
    const capability = `in-flight-${randomUUID().slice(0, 8)}`
    const agent = await edge.agent({ capabilities: [capability], maxConcurrency: TASKS })
    const errors: ClawbotError[] = []
    // How each lost socket closed, so a reconnect names its cause.
    const losses: Array<SocketLoss | undefined> = []
    const bot = sdkBot(edge, agent, {
      concurrency: TASKS,
      onError: (error) => void errors.push(error),
      onStatus: (status, lost) => void (status === "reconnecting" && losses.push(lost)),
    })
    try {
      // Every handler finishes together, once all tasks are running: their reports go out at once.
      let started = 0
      let release: () => void = () => undefined
      const together = new Promise<void>((resolve) => (release = resolve))
      bot.handle(capability, async () => {
        if ((started += 1) === TASKS) release()
        await together
        return { ok: true }
      })
      await bot.connected()
      const ids = await Promise.all(Array.from({ length: TASKS }, () => edge.task(capability)))
      for (const id of ids) await edge.deployment.actor("task", id, (row) => row.state === "completed")
      expect(errors).toEqual([])
      expect(losses).toEqual([])
      expect(bot.connections).toBe(1)
    } finally {
      await bot.close({ timeoutMs: 100 })
    }
  }, 60_000)
})
