// `since` on the event socket replays the stream after that id, then goes live, with no gap and no
// duplicate: sockets opened at different moments while events keep being produced each receive,
// per topic, exactly the stream's events for that topic after `since`, in stream order.
// Raw `ws` on purpose: it counts each event once per topic on one socket, which the SDK's dedupe by id
// would hide.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { TestClient } from "./client.ts"
import { produce, receivedIds, streamEventIds, taskEvent } from "./events-support.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ runtime: false })
})
afterAll(() => edge.close())

/** Waits until every client got the event `entry` under `topic`. */
async function fenced(clients: TestClient[], topic: string, entry: Record<string, string>) {
  await produce(edge, [entry])
  const id = (JSON.parse(entry["body"] ?? "") as { id: string }).id
  await Promise.all(
    clients.map((client) =>
      client.next((frame) => frame.type === "event" && frame.payload["id"] === id && frame.payload["topic"] === topic),
    ),
  )
}

describe("event socket replay", () => {
  it("replays then goes live with no gap and no duplicate while events are produced", async () => {
    const [watched, other] = [randomUUID(), randomUUID()]
    const mixed = (n: number) => Array.from({ length: n }, (_, i) => taskEvent(i % 3 === 0 ? other : watched))
    const history = await produce(edge, mixed(1_000))
    const since = history[150] ?? ""

    // Sockets open one after another while batches keep coming: a few batches between two openings,
    // and more after the last, counted rather than timed.
    let producing = true
    let batches = 0
    const producer = (async () => {
      while (producing) {
        await produce(edge, mixed(7))
        batches += 1
      }
    })()
    const moreBatches = (count: number) => {
      const target = batches + count
      return waitFor(`${count} more batches`, async () => (batches >= target ? true : undefined))
    }
    const clients: TestClient[] = []
    for (let i = 0; i < 6; i++) {
      clients.push(await TestClient.open(edge.url(`/ws/events?topics=task:${watched},tasks&since=${since}`)))
      await moreBatches(3)
    }
    await moreBatches(10)
    producing = false
    await producer
    await fenced(clients, `task:${watched}`, taskEvent(watched))

    for (const topic of [`task:${watched}`, "tasks"]) {
      const expected = await streamEventIds(edge, topic, since)
      expect(expected.length).toBeGreaterThan(600)
      for (const client of clients) expect(receivedIds(client.frames, topic)).toEqual(expected)
    }
    expect(clients.every((client) => receivedIds(client.frames, "machines").length === 0)).toBe(true)
    await Promise.all(clients.map((client) => client.close()))
  })

  it("goes live at once when since is the newest event", async () => {
    const watched = randomUUID()
    const [newest] = (await produce(edge, [taskEvent(watched)])).slice(-1)
    const client = await TestClient.open(edge.url(`/ws/events?topics=task:${watched}&since=${newest}`))
    await fenced([client], `task:${watched}`, taskEvent(watched))
    expect(receivedIds(client.frames, `task:${watched}`)).toEqual(await streamEventIds(edge, `task:${watched}`, newest ?? ""))
    expect(receivedIds(client.frames, `task:${watched}`)).toHaveLength(1)
    await client.close()
  })
})
