// An SDK bot survives its edge restarting mid-task: it reconnects (backoff) to the new edge on the
// same port, resumes its session, runs nothing twice, and its result completes the task; its `reconnecting` status
// says how the socket was lost (the edge's 1001 going away).
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { connectBot, mirror, type BotStatus, type SocketLoss } from "../../../src/client/node.ts"
import { KINDS } from "../../../actors/index.ts"
import { createEdge, type Edge } from "../../../src/edge/app.ts"
import { createLogger } from "../../../src/log.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { deferred, FAST_BACKOFF, registerAgent } from "./support.ts"

let t: TestEdge
let second: Edge | undefined
// Each attempt its own deployment, and the restarted edge closed after it: a retried attempt finds its port free.
beforeEach(async () => {
  t = await testEdge()
})
afterEach(async () => {
  await second?.close()
  second = undefined
  await t?.close()
})

describe("an SDK bot across an edge restart", () => {
  it("reconnects to the new edge, resumes, and completes its task once", async () => {
    const agent = await registerAgent(t.api, ["sdk-restart"])
    const started = deferred()
    const release = deferred()
    let calls = 0
    const statuses: BotStatus[] = []
    const losses: SocketLoss[] = []
    const bot = connectBot({
      url: t.url,
      token: agent.token,
      backoff: FAST_BACKOFF,
      onStatus: (status, lost) => {
        statuses.push(status)
        if (lost !== undefined) losses.push(lost)
      },
    })
    bot.handle("sdk-restart", async () => {
      calls += 1
      started.resolve()
      await release.promise
      return { survived: true }
    })
    const id = (await t.api.post("/api/v1/tasks", { title: "long", capability: "sdk-restart" })).body.id as string
    await started.promise

    const port = t.edge.port
    await t.edge.close()
    second = await createEdge({
      redis: t.deployment.redis,
      sql: t.deployment.schema.sql,
      keys: t.deployment.keys,
      partitions: t.deployment.partitions,
      append: t.deployment.append,
      log: createLogger("error", { component: "edge" }),
      kinds: KINDS,
      host: "127.0.0.1",
      port,
      operatorToken: t.operatorToken,
      ...(t.runtime === undefined ? {} : { runtime: t.runtime }),
      limits: { waitMs: 5_000 },
    })
    await new Promise<void>((resolve) => {
      const wait = () => (bot.connections >= 2 ? resolve() : setTimeout(wait, 10))
      wait()
    })
    expect(await bot.connected()).toMatchObject({ agent_id: agent.id, session_resumed: true })
    expect(statuses).toContain("reconnecting")
    // The message lists every status and loss the bot reported, so a failure shows what it saw (a rare 1006 in place of
    // the 1001 is not explained yet: docs/performance.md, round 40).
    expect(losses[0], JSON.stringify({ statuses, losses })).toEqual({
      code: 1001,
      reason: expect.stringMatching(/^going away: this edge is shutting down/),
    })
    release.resolve()

    const copy = mirror({ url: t.url, token: t.operatorToken }, "task", id)
    expect(await copy.until((view) => view.status === "completed")).toMatchObject({ result: { survived: true }, attempt: 1 })
    copy.close()
    expect(calls).toBe(1)
    await bot.close()
    expect(statuses.at(-1)).toBe("closed")
  })
})
