// The fan-out survives a Redis outage: while its connection is cut, it tries to come back with
// backoff and is turned away; once Redis is reachable again it resumes after the last entry it handled, so
// subscribers get every event published meanwhile, once, in order (an SDK subscriber, which drops
// no repeat: the server sent none).
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { produce, streamEventIds, taskEvent } from "./events-support.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { idsOf, recordEvents } from "./sdk-support.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ runtime: false, proxyFanout: true })
})
afterAll(() => edge.close())

describe("fan-out through a Redis outage", () => {
  it("resumes after the last entry handled, losing and repeating nothing", async () => {
    const proxy = edge.fanoutProxy
    if (!proxy) throw new Error("the harness was asked for a proxy")
    const task = randomUUID()
    const since = edge.fanout.lastId()
    const { events, subscriber } = await recordEvents(edge, { topics: [`task:${task}`] })
    await produce(
      edge,
      Array.from({ length: 20 }, () => taskEvent(task)),
    )
    await waitFor("the first events", async () => (events.length === 20 ? true : undefined))

    for (let outage = 0; outage < 2; outage++) {
      await proxy.cut()
      await produce(
        edge,
        Array.from({ length: 20 }, () => taskEvent(task)),
      )
      // The fan-out has tried to come back twice and been turned away: the events cannot have reached it yet.
      await waitFor("two reconnect attempts turned away", async () => (proxy.turnedAway() >= 2 ? true : undefined))
      expect(events).toHaveLength(20 + 20 * outage)
      await proxy.restore()
      await waitFor("the events of the outage", async () => (events.length >= 40 + 20 * outage ? true : undefined))
    }
    const expected = await streamEventIds(edge, `task:${task}`, since)
    expect(expected).toHaveLength(60)
    expect(idsOf(events)).toEqual(expected)
    expect(subscriber.repeats).toBe(0)
    await subscriber.close()
  })
})
