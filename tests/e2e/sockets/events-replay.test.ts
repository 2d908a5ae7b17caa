// `since` on the event socket replays the stream after that id, then goes live, with no gap and no
// duplicate: SDK subscribers opened at different moments while events keep being produced each get
// exactly the stream's events of their topics after `since`, in stream order; each event of the
// watched task comes twice on the socket (once per followed topic) and never more, which the
// subscriber's count of dropped repeats shows.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { produce, streamEventIds, taskEvent } from "./events-support.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { idsOf, type Recorder, recordEvents } from "./sdk-support.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ runtime: false })
})
afterAll(() => edge.close())

/** Waits until every recorder got the event `entry`. */
async function fenced(recorders: Recorder[], entry: Record<string, string>) {
  await produce(edge, [entry])
  const id = (JSON.parse(entry["body"] ?? "") as { id: string }).id
  await Promise.all(recorders.map((recorder) => recorder.next((event) => event.id === id)))
}

describe("event socket replay", () => {
  it("replays then goes live with no gap and no duplicate while events are produced", async () => {
    const [watched, other] = [randomUUID(), randomUUID()]
    const mixed = (n: number) => Array.from({ length: n }, (_, i) => taskEvent(i % 3 === 0 ? other : watched))
    const history = await produce(edge, mixed(1_000))
    const since = history[150] ?? ""

    // Subscribers open one after another while batches keep coming: a few batches between two
    // openings, and more after the last, counted rather than timed.
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
    const recorders: Recorder[] = []
    for (let i = 0; i < 6; i++) {
      recorders.push(await recordEvents(edge, { topics: [`task:${watched}`, "tasks"], since }))
      await moreBatches(3)
    }
    await moreBatches(10)
    producing = false
    await producer
    await fenced(recorders, taskEvent(watched))

    // Every event is on `tasks`; the watched task's are on `task:<id>` as well.
    const all = await streamEventIds(edge, "tasks", since)
    const ofWatched = await streamEventIds(edge, `task:${watched}`, since)
    expect(ofWatched.length).toBeGreaterThan(600)
    expect(all.length).toBeGreaterThan(ofWatched.length)
    for (const { events, subscriber } of recorders) {
      expect(idsOf(events)).toEqual(all)
      expect(idsOf(events, watched)).toEqual(ofWatched)
      expect(subscriber.repeats).toBe(ofWatched.length)
      expect(events.some((event) => event.topic === "machines")).toBe(false)
    }
    await Promise.all(recorders.map(({ subscriber }) => subscriber.close()))
  })

  it("goes live at once when since is the newest event", async () => {
    const watched = randomUUID()
    const [newest] = (await produce(edge, [taskEvent(watched)])).slice(-1)
    const recorder = await recordEvents(edge, { topics: [`task:${watched}`], since: newest })
    await fenced([recorder], taskEvent(watched))
    expect(idsOf(recorder.events)).toEqual(await streamEventIds(edge, `task:${watched}`, newest ?? ""))
    expect(recorder.events).toHaveLength(1)
    expect(recorder.subscriber.repeats).toBe(0)
    await recorder.subscriber.close()
  })
})
