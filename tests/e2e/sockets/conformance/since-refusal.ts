// A `since` the stream can no longer replay is answered `conflict` naming the oldest retained id;
// the socket stays open without topics (a subscribe frame goes live from then on). A `since` after
// the newest event is refused with validation_failed, and one that is no stream id Redis holds with 400 at the
// upgrade; a `since` still retained replays as usual.
// Raw `ws` on purpose: it checks the error frames of a refused `since` and the socket left without
// topics, which the SDK handles itself.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { oldestId } from "../../../../src/redis/streams.ts"
import { handled, ofType, receivedIds, TestClient } from "./raw-client.ts"
import { produce, streamEventIds, taskEvent } from "../events-support.ts"
import { startSocketEdge, type SocketEdge } from "../harness.ts"

export function sinceRefusal(): void {
  describe("since refusal", () => {
    let edge: SocketEdge
    let watched: string
    let produced: string[]
    beforeAll(async () => {
      edge = await startSocketEdge({ runtime: false })
      watched = randomUUID()
      produced = []
      // Trimmed to about 100 entries as it grows.
      for (let batch = 0; batch < 10; batch++)
        produced.push(
          ...(await produce(
            edge,
            Array.from({ length: 100 }, () => taskEvent(watched)),
            100,
          )),
        )
    })
    afterAll(() => edge.close())

    describe("event socket since beyond retention", () => {
      it("answers conflict naming the oldest retained id for a trimmed since", async () => {
        const oldest = await oldestId(edge.deployment.redis, edge.ctx.keys.events)
        expect(oldest).not.toBe(produced[0])
        const client = await TestClient.open(edge.url(`/ws/events?topics=task:${watched}&since=${produced[0]}`))
        const error = await client.next(ofType("error"))
        expect(error.payload).toEqual({ code: "conflict", message: expect.stringContaining(`oldest retained is ${oldest}`) })

        // Open, with no topic: nothing is sent until the client subscribes again.
        await produce(edge, [taskEvent(watched)])
        client.send({ type: "subscribe", payload: { topics: [`task:${watched}`] } })
        await handled(client)
        const live = taskEvent(watched)
        await produce(edge, [live])
        await client.next((frame) => frame.type === "event")
        expect(receivedIds(client.frames, `task:${watched}`)).toEqual([(JSON.parse(live["body"] ?? "") as { id: string }).id])
        await client.close()
      })

      it("replays a since that is still retained", async () => {
        const since = produced.at(-50) ?? ""
        const client = await TestClient.open(edge.url(`/ws/events?topics=task:${watched}&since=${since}`))
        const expected = await streamEventIds(edge, `task:${watched}`, since)
        await client.next((frame) => frame.type === "event" && frame.payload["id"] === expected.at(-1))
        expect(receivedIds(client.frames, `task:${watched}`)).toEqual(expected)
        expect(client.frames.filter(ofType("error"))).toEqual([])
        await client.close()
      })

      it("refuses a since after the newest event, and a since that is not a stream id", async () => {
        const client = await TestClient.open(edge.url(`/ws/events?topics=task:${watched}&since=99999999999999-0`))
        const error = await client.next(ofType("error"))
        expect(error.payload).toMatchObject({ code: "validation_failed", message: expect.stringContaining("after the newest event") })
        await client.close()

        const refused = await TestClient.open(edge.url("/ws/events?topics=tasks&since=yesterday")).catch((error: unknown) => error)
        expect(refused).toMatchObject({
          status: 400,
          body: { error: { code: "validation_failed", message: expect.stringContaining("since") } },
        })
        // Shaped like a stream id, but past what Redis holds: refused at the upgrade, not after it.
        const tooLarge = await TestClient.open(edge.url("/ws/events?topics=tasks&since=1-18446744073709551616")).catch(
          (error: unknown) => error,
        )
        expect(tooLarge).toMatchObject({
          status: 400,
          body: {
            error: {
              code: "validation_failed",
              message: 'since: expected each part at most 18446744073709551615, got "1-18446744073709551616"',
            },
          },
        })
      })
    })
  })
}
