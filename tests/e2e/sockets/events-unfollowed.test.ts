// While no event socket is open on an edge, its fan-out passes transitions over unread (a fleet of bots
// with no dashboard). Nothing of them is lost to a subscriber: one opened afterwards with `since`
// replays them and goes live, one opened without it gets what comes from then on, and once every
// socket has closed and another opens, it is live again.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { produce, streamEventIds, taskEvent } from "./events-support.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { idsOf, recordEvents } from "./sdk-support.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ runtime: false })
})
afterAll(() => edge.close())

/** Appends events of `taskId` and waits until the fan-out has handled them (none followed: passed over). */
async function passedOver(taskId: string, count: number): Promise<string[]> {
  const ids = await produce(
    edge,
    Array.from({ length: count }, () => taskEvent(taskId)),
  )
  const last = ids.at(-1) ?? ""
  await waitFor("the fan-out past the events", async () => (edge.fanout.lastId() === last ? true : undefined))
  return ids
}

const eventId = (entry: Record<string, string>): string => (JSON.parse(entry["body"] ?? "") as { id: string }).id

describe("events while no event socket is open", () => {
  it("are replayed from since, live ones follow, and a socket opened after the others closed is live", async () => {
    const watched = randomUUID()
    const [first] = await passedOver(watched, 5)

    const live = await recordEvents(edge, { topics: [`task:${watched}`] })
    const replayed = await recordEvents(edge, { topics: [`task:${watched}`], since: first })
    const next = taskEvent(watched)
    await produce(edge, [next])
    await Promise.all([live, replayed].map((recorder) => recorder.next((event) => event.id === eventId(next))))
    expect(idsOf(live.events)).toEqual([eventId(next)])
    expect(idsOf(replayed.events)).toEqual(await streamEventIds(edge, `task:${watched}`, first ?? ""))
    expect(replayed.events).toHaveLength(5)
    await Promise.all([live, replayed].map((recorder) => recorder.subscriber.close()))

    await passedOver(watched, 3)
    const again = await recordEvents(edge, { topics: [`task:${watched}`] })
    const later = taskEvent(watched)
    await produce(edge, [later])
    await again.next((event) => event.id === eventId(later))
    expect(idsOf(again.events)).toEqual([eventId(later)])
    await again.subscriber.close()
  })
})
