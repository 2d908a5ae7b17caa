// The SDK bot over a control socket whose frame rate it exceeds: the frames the server dropped (after its
// `rate_limited` without a `ref`) are sent again a second later with their ids, so a handler reporting progress
// faster than the rate still completes its task, without waiting for the ack timeout or reconnecting; the reports
// on the task itself pass the rate (the edge gives room for them with each task it assigns).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectBot, type Bot, type ClawbotError } from "../../../src/client/node.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { FAST_BACKOFF, registerAgent, taskReaches } from "./support.ts"

const PER_SECOND = 10
const PROGRESS_REPORTS = 3 * PER_SECOND

let t: TestEdge
const bots: Bot[] = []
beforeAll(async () => {
  t = await testEdge({ limits: { perConnectionPerSecond: PER_SECOND } })
})
afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.close({ timeoutMs: 100 })))
  await t?.close()
})

describe("a bot over its socket's frame rate", () => {
  it("sends the dropped frames again a second later and completes its task, on the same connection", async () => {
    const agent = await registerAgent(t.api, ["sdk-chatty"])
    const errors: ClawbotError[] = []
    // An ack timeout far beyond the test's: only the resend after rate_limited can bring a dropped frame's ack.
    const bot = connectBot({
      url: t.url,
      token: agent.token,
      backoff: FAST_BACKOFF,
      ackTimeoutMs: 120_000,
      onError: (error) => void errors.push(error),
    })
    bots.push(bot)
    bot.handle("sdk-chatty", async (_task, ctx) => {
      for (let i = 1; i <= PROGRESS_REPORTS; i++) await ctx.progress(i / PROGRESS_REPORTS, `step ${i}`)
      return { steps: PROGRESS_REPORTS }
    })
    await bot.connected()
    const answer = await t.api.post("/api/v1/tasks", { title: "a chatty task", capability: "sdk-chatty" })
    expect(answer.status).toBe(201)
    const done = await taskReaches({ url: t.url, token: t.operatorToken }, answer.body.id as string, "completed")
    expect(done).toMatchObject({ result: { steps: PROGRESS_REPORTS }, progress: 1, progress_message: `step ${PROGRESS_REPORTS}` })
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((error) => error.code === "rate_limited")).toBe(true)
    expect(bot.connections).toBe(1)
  }, 60_000)
})
