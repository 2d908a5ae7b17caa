// A frame larger than limits.maxPayloadBytes is answered payload_too_large and the socket closed
// with 1009, on both sockets; a frame within the limit is handled as usual.
// Raw `ws` on purpose: it sends frames over the size quota.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ofType, TestClient } from "./raw-client.ts"
import { connectBot } from "./raw-bot.ts"
import { startSocketEdge, type SocketEdge } from "../harness.ts"

export function payloadLimit(): void {
  describe("payload limit", () => {
    const LIMIT = 2048
    let edge: SocketEdge
    beforeAll(async () => {
      edge = await startSocketEdge({ limits: { maxPayloadBytes: LIMIT } })
    })
    afterAll(() => edge.close())

    describe("frames over the payload limit", () => {
      it("close the control socket with 1009 after a payload_too_large error", async () => {
        const bot = await connectBot(edge, await edge.agent())
        const ack = await bot.acked("heartbeat", "small", { status: "healthy" })
        expect(ack.payload["ref"]).toBe("small")
        bot.client.send({ type: "heartbeat", id: "big", payload: { padding: "x".repeat(LIMIT) } })
        expect(await bot.client.closed).toEqual({ code: 1009, reason: "payload_too_large" })
        expect(bot.client.frames.filter(ofType("error")).map((frame) => frame.payload["code"])).toEqual(["payload_too_large"])
      })

      it("close the event socket with 1009 too", async () => {
        const client = await TestClient.open(edge.url("/ws/events"))
        client.send({ type: "subscribe", payload: { topics: Array.from({ length: 250 }, () => "machines") } })
        expect(await client.closed).toEqual({ code: 1009, reason: "payload_too_large" })
        expect(client.frames.map((frame) => frame.payload["code"])).toEqual(["payload_too_large"])
      })
    })
  })
}
