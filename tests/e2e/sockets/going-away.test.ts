// An edge that closes tells every socket it holds to go away (1001, with its reason), even a socket whose client is
// sending at that moment: the front door stops passing clients' bytes to uWS first, so a frame in flight cannot hit a
// uWS socket already closed and make the front door drop the close frame behind it (the client saw 1006 before).
import { describe, expect, it } from "vitest"
import WebSocket from "ws"
import { testEdge } from "../../support/edge.ts"
import { registerAgent } from "../client/support.ts"

/** A socket of `url` once it is open, and the close it gets: `[code, reason]`. */
const open = async (url: string) => {
  const ws = new WebSocket(url)
  ws.on("error", () => undefined)
  const closed = new Promise<[number, string]>((resolve) => ws.once("close", (code, reason) => resolve([code, String(reason)])))
  await new Promise((resolve) => ws.once("open", resolve))
  return { ws, closed }
}

describe("an edge closing", () => {
  it("closes every socket with 1001, those whose clients are sending at that moment too", async () => {
    const t = await testEdge()
    try {
      const agents = await Promise.all([0, 1, 2].map(() => registerAgent(t.api, ["going-away"])))
      const ws = t.url.replace(/^http/, "ws")
      const bots = await Promise.all(agents.map((agent) => open(`${ws}/ws/control?token=${agent.token}`)))
      const viewer = await open(`${ws}/ws/events?token=${t.operatorToken}&topics=tasks`)
      // Frames in flight as the edge closes: a heartbeat, a ping, an unreadable frame; a subscription; one quiet bot.
      bots[0]!.ws.send(JSON.stringify({ type: "heartbeat", payload: {} }))
      bots[1]!.ws.ping()
      bots[1]!.ws.send("not json")
      viewer.ws.send(JSON.stringify({ type: "subscribe", payload: { topics: ["agents"] } }))
      await t.edge.close()
      const going: [number, string] = [1001, "going away: this edge is shutting down; reconnect"]
      expect(await Promise.all([...bots, viewer].map((socket) => socket.closed))).toEqual([going, going, going, going])
    } finally {
      await t.close()
    }
  })
})
