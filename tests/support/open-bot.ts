// Test support: an SDK bot connected to one edge of a test deployment whose socket is known to be open:
// a fresh socket is now and then dropped by uWS right after `open` (1006, docs/edge.md "Socket quotas")
// and the bot connects again, so the socket that counts is the one still open after a round trip to
// the server. Its close (code and reason) is what a revocation test waits for.
import { expect } from "vitest"
import { connectBot } from "../../src/client/node.ts"
import { keptSockets, type KeptSockets } from "../e2e/sockets/sdk-support.ts"
import type { TestEdge } from "./edge.ts"

/** A connected bot and its socket, open after a round trip. */
export interface OpenBot {
  readonly client: ReturnType<typeof connectBot>
  readonly socket: KeptSockets["sockets"][number]
}

/** An SDK bot of the agent with `token` on the edge at `port` of `t` (the round trip goes to `t`'s edge). */
export const openBot = async (t: TestEdge, port: number, token: string): Promise<OpenBot> => {
  const net = keptSockets()
  const client = connectBot({ url: `http://127.0.0.1:${port}`, token, WebSocket: net.WebSocket })
  for (;;) {
    await client.connected()
    expect((await t.api.get("/health")).status).toBe(200)
    const current = net.sockets.at(-1)
    if (current !== undefined && current.ws.readyState === current.ws.OPEN) return { client, socket: current }
  }
}
