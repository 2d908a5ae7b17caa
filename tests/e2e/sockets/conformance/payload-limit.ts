// A frame larger than limits.maxPayloadBytes is answered payload_too_large and the socket closed
// with 1009, on both sockets; a frame within the limit is handled as usual. Through the front door
// (the edge `clawbot start` runs) that holds at any size, also past uWS's own limit (16 MiB) and for a
// message whose fragments add up past it: the front door passes such a message on cut to one byte
// over the quota (docs/edge.md, Socket quotas).
// Raw `ws` on purpose: it sends frames over the size quota.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ofType, TestClient } from "./raw-client.ts"
import { connectBot } from "./raw-bot.ts"
import { startSocketEdge, type SocketEdge } from "../harness.ts"
import { testEdge, type TestEdge } from "../../../support/edge.ts"

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

    describe("frames past uWS's own limit, through the front door", () => {
      const MIB = 1024 * 1024
      let front: TestEdge
      let agentToken: string
      beforeAll(async () => {
        front = await testEdge({ limits: { maxPayloadBytes: LIMIT } })
        const registered = await front.api.post("/api/v1/agents", { name: "big-bot", capabilities: ["big"] })
        expect(registered.status).toBe(201)
        agentToken = registered.body.token
      })
      afterAll(async () => {
        await front?.close()
      })
      const socketUrl = (path: string) => `ws://127.0.0.1:${front.edge.port}${path}`
      /** Frames refused payload_too_large, as /metrics counts them. */
      const scrape = async () => {
        const text = String((await front.api.get("/metrics", { token: null })).body)
        return Number(/clawbot_ws_frames_rejected_total\{code="payload_too_large"\} (\d+)/.exec(text)?.[1] ?? 0)
      }

      it("close the control socket with 1009 after payload_too_large for a 17 MiB frame", async () => {
        const before = await scrape()
        const client = await TestClient.open(socketUrl(`/ws/control?token=${agentToken}`))
        await client.next(ofType("connected"))
        client.ws.send(Buffer.alloc(17 * MIB, 0x20), { binary: false })
        expect(await client.closed).toEqual({ code: 1009, reason: "payload_too_large" })
        expect(client.frames.filter(ofType("error")).map((frame) => frame.payload["code"])).toEqual(["payload_too_large"])
        expect(await scrape()).toBe(before + 1)
      })

      it("close the event socket with 1009 for a message whose fragments add up past 16 MiB", async () => {
        const client = await TestClient.open(socketUrl(`/ws/events?token=${front.operatorToken}`))
        const fragment = Buffer.alloc(6 * MIB, 0x20)
        client.ws.send(fragment, { binary: true, fin: false })
        client.ws.send(fragment, { fin: false })
        client.ws.send(fragment, { fin: true })
        expect(await client.closed).toEqual({ code: 1009, reason: "payload_too_large" })
        expect(client.frames.map((frame) => frame.payload["code"])).toEqual(["payload_too_large"])
      })
    })
  })
}
