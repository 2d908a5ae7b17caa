// A bot's heartbeats over its control socket cost a transition only when they say something new (src/edge/sockets/
// heartbeats.ts): one that reports the load and status last recorded only pushes its agent's expiry back, so an agent
// beating on an unchanged status stays online with no HEARTBEAT in its history, and goes offline 3 intervals after its
// last heartbeat once it stops; a new load or status is recorded at once; an agent gone offline comes back with its
// next heartbeat; and a heartbeat saying nothing new is still recorded once the record period has passed.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { connectBot, type Bot } from "./conformance/raw-bot.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
let recording: SocketEdge
beforeAll(async () => {
  ;[edge, recording] = await Promise.all([startSocketEdge(), startSocketEdge({ quotas: { heartbeatRecordMs: 400 } })])
})
afterAll(() => Promise.all([edge.close(), recording.close()]))

/** The agent's history, oldest first: `EVENT:from>to` and when. */
const historyOf = async (on: SocketEdge, agentId: string) =>
  (
    await on.deployment.schema.sql<{ event: string; from_state: string | null; to_state: string; at: Date }[]>`
      select event, from_state, to_state, at from transitions where actor_id = ${agentId} order by id`
  ).map((row) => ({ step: `${row.event}:${row.from_state ?? ""}>${row.to_state}`, at: row.at.getTime() }))

const online = (on: SocketEdge, bot: Bot) => on.deployment.actor("agent", bot.id, (row) => row.state === "online")

/** Sends `{type: "heartbeat", payload}` every `everyMs` until stopped; the time of the last one sent. */
const beating = (bot: Bot, everyMs: number, payload: Record<string, unknown> = {}) => {
  let last = Date.now()
  const timer = setInterval(() => {
    last = Date.now()
    bot.client.send({ type: "heartbeat", payload })
  }, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      return last
    },
  }
}

const heartbeatsCounted = (on: SocketEdge, recorded: boolean): number =>
  Number(new RegExp(`^clawbot_heartbeats_total\\{recorded="${recorded}"\\} (\\d+)$`, "m").exec(on.metrics.render())?.[1] ?? 0)

describe("heartbeats over a control socket", () => {
  it("keep an agent online without a transition while they say nothing new, and it goes offline 3 intervals after the last", async () => {
    const intervalMs = 300
    const bot = await connectBot(edge, await edge.agent({ heartbeatIntervalMs: intervalMs }))
    await online(edge, bot)
    const connected = Date.now()
    const beats = beating(bot, 100)
    // Past three windows: without its heartbeats' pushes, the expiry armed at CONNECT would have fired long before.
    await waitFor("three windows of heartbeats pushed back", async () => (Date.now() - connected > 9 * intervalMs ? true : undefined))
    const lastBeat = beats.stop()

    const offline = await edge.deployment.actor("agent", bot.id, (row) => row.state === "offline", 10_000)
    const history = await historyOf(edge, bot.id)
    expect(history.map((row) => row.step)).toEqual(["CREATE:>offline", "CONNECT:offline>online", "HEARTBEAT_EXPIRED:online>offline"])
    // Offline 3 intervals after the last heartbeat, not after the CONNECT (a little slack for the two clocks).
    expect(history.at(-1)!.at).toBeGreaterThanOrEqual(lastBeat + 3 * intervalMs - 50)
    expect(offline.state).toBe("offline")
    expect(heartbeatsCounted(edge, false)).toBeGreaterThan(20)
    await bot.client.close()
  })

  it("record a new status or load at once, and not the heartbeats that repeat it", async () => {
    const bot = await connectBot(edge, await edge.agent())
    await online(edge, bot)
    bot.client.send({ type: "heartbeat", payload: { status: "degraded" } })
    for (let n = 0; n < 3; n += 1) bot.client.send({ type: "heartbeat", payload: { status: "degraded" } })
    bot.client.send({ type: "heartbeat", payload: {} })
    bot.client.send({ type: "heartbeat", payload: { load: 0.5, status: "degraded" } })
    bot.client.send({ type: "heartbeat", payload: { load: 0.5 } })
    // A heartbeat with an id is always appended (its ack names its entry): the fence after the others.
    await bot.acked("heartbeat", "fence", {})
    const fenced = await edge.deployment.actor("agent", bot.id, (row) => row.load === 0.5)
    expect((fenced.snapshot as { context: { reportedStatus: string } }).context.reportedStatus).toBe("degraded")
    await waitFor("the fence applied", async () =>
      (await historyOf(edge, bot.id)).filter((row) => row.step.startsWith("HEARTBEAT:")).length >= 3 ? true : undefined,
    )
    // degraded, load 0.5, the fence: the five repeats were not appended.
    expect((await historyOf(edge, bot.id)).filter((row) => row.step.startsWith("HEARTBEAT:"))).toHaveLength(3)
    await bot.client.close()
  })

  it("bring an agent gone offline back with the next one", async () => {
    const bot = await connectBot(edge, await edge.agent({ heartbeatIntervalMs: 100 }))
    await online(edge, bot)
    await edge.deployment.actor("agent", bot.id, (row) => row.state === "offline")
    bot.client.send({ type: "heartbeat", payload: {} })
    await online(edge, bot)
    expect((await historyOf(edge, bot.id)).map((row) => row.step).slice(-2)).toEqual([
      "HEARTBEAT_EXPIRED:online>offline",
      "HEARTBEAT:offline>online",
    ])
    await bot.client.close()
  })

  it("record one that says nothing new once the record period has passed", async () => {
    const bot = await connectBot(recording, await recording.agent())
    await online(recording, bot)
    const started = Date.now()
    const beats = beating(bot, 50)
    await waitFor("two heartbeats recorded", async () =>
      (await historyOf(recording, bot.id)).filter((row) => row.step.startsWith("HEARTBEAT:")).length >= 2 ? true : undefined,
    )
    beats.stop()
    const elapsed = Date.now() - started
    const recorded = (await historyOf(recording, bot.id)).filter((row) => row.step.startsWith("HEARTBEAT:"))
    // One a period (400 ms) at most, of one sent every 50 ms.
    expect(recorded.length).toBeLessThanOrEqual(Math.ceil(elapsed / 400) + 1)
    expect(recorded[1]!.at - recorded[0]!.at).toBeGreaterThanOrEqual(350)
    await bot.client.close()
  })
})
