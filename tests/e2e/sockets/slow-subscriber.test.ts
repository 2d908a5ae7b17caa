// A subscriber that stops reading is dropped once its backlog passes the backpressure limit, and
// the others are not slowed: the fast subscriber gets every event while the slow one is paused;
// the slow one, once it reads again, got an unbroken prefix of the events and then the close.
// Raw `ws` on purpose: a subscriber that stops reading its socket, which the SDK never does.
import type { Socket } from "node:net"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TestClient } from "./client.ts"
import { produce, receivedIds, streamEventIds, taskEvent } from "./events-support.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ runtime: false, limits: { maxBackpressureBytes: 512 * 1024 } })
})
afterAll(() => edge.close())

const socketOf = (client: TestClient) => (client.ws as unknown as { _socket: Socket })._socket

describe("slow subscribers", () => {
  it("are dropped without slowing the others", async () => {
    const since = (await produce(edge, [taskEvent(randomUUID())]))[0] ?? ""
    const fast = await TestClient.open(edge.url("/ws/events?topics=machines"))
    const slow = await TestClient.open(edge.url("/ws/events?topics=machines"))
    socketOf(slow).pause()

    // About 12 MB: more than the kernel's socket buffers and the slow socket's 512 KiB allowance.
    const task = randomUUID()
    for (let batch = 0; batch < 60; batch++)
      await produce(
        edge,
        Array.from({ length: 100 }, () => taskEvent(task, { padding: 2_000 })),
      )
    const expected = await streamEventIds(edge, "machines", since)
    await fast.next((frame) => frame.type === "event" && frame.payload["id"] === expected.at(-1), { timeoutMs: 20_000 })
    expect(receivedIds(fast.frames, "machines")).toEqual(expected)

    socketOf(slow).resume()
    expect((await slow.closed).code).toBe(1006)
    const got = receivedIds(slow.frames, "machines")
    expect(got.length).toBeLessThan(expected.length)
    expect(got).toEqual(expected.slice(0, got.length))
    expect(edge.metrics.render()).toMatch(/clawbot_ws_messages_dropped_total\{socket="events",reason="connection_dropped"\} [1-9]/)
    expect(edge.metrics.render()).toMatch(/clawbot_event_subscribers 1\n/)
    await fast.close()
  })
})
