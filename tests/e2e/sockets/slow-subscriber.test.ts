// A subscriber that stops reading is dropped once its backlog passes the backpressure limit, and
// the others are not slowed: the fast subscriber gets every event while the slow one is paused;
// the slow one, once it reads again, got an unbroken prefix of the events and then the close (1006),
// and the SDK then resumes it with `since`, so in the end it has every event, once each. Its socket's
// TCP reads are paused under the SDK (./sdk-support.ts), as a stalled network would.
import type { Socket } from "node:net"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { produce, streamEventIds, taskEvent } from "./events-support.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { idsOf, keptSockets, recordEvents } from "./sdk-support.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ runtime: false, limits: { maxBackpressureBytes: 512 * 1024 } })
})
afterAll(() => edge.close())

describe("slow subscribers", () => {
  it("are dropped without slowing the others, and resume with since", async () => {
    const since = (await produce(edge, [taskEvent(randomUUID())]))[0] ?? ""
    const fast = await recordEvents(edge, { topics: ["machines"] })
    const net = keptSockets()
    const statuses: string[] = []
    const slow = await recordEvents(edge, { topics: ["machines"], WebSocket: net.WebSocket, onStatus: (status) => statuses.push(status) })
    const first = net.sockets[0]
    if (first === undefined) throw new Error("the subscriber opened no socket")
    const tcp = (first.ws as unknown as { _socket: Socket })._socket
    tcp.pause()

    // About 12 MB: more than the kernel's socket buffers and the slow socket's 512 KiB allowance.
    const task = randomUUID()
    for (let batch = 0; batch < 60; batch++)
      await produce(
        edge,
        Array.from({ length: 100 }, () => taskEvent(task, { padding: 2_000 })),
      )
    const expected = await streamEventIds(edge, "machines", since)
    await fast.next((event) => event.id === expected.at(-1))
    expect(idsOf(fast.events)).toEqual(expected)

    tcp.resume()
    expect((await first.closed).code).toBe(1006)
    const beforeDrop = slow.events.length
    expect(beforeDrop).toBeLessThan(expected.length)
    expect(idsOf(slow.events).slice(0, beforeDrop)).toEqual(expected.slice(0, beforeDrop))
    expect(edge.metrics.render()).toMatch(/clawbot_ws_messages_dropped_total\{socket="events",reason="connection_dropped"\} [1-9]/)

    // Reconnected with the cursor of its last event: the rest, once each.
    await slow.next((event) => event.id === expected.at(-1))
    expect(statuses).toContain("reconnecting")
    expect(net.sockets[1]?.ws.url).toContain(`since=${slow.events[beforeDrop - 1]?.cursor}`)
    expect(idsOf(slow.events)).toEqual(expected)
    expect(slow.subscriber.repeats).toBe(0)
    await slow.subscriber.close()
    expect(edge.metrics.render()).toMatch(/clawbot_event_subscribers 1\n/)
    await fast.subscriber.close()
  })
})
